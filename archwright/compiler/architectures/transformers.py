"""Transformer architectures from the spacy-transformers plugin (spec: "Transformer architectures")."""

from __future__ import annotations

from ._card import POSITIVE, spec_card

FAMILY = "transformers"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
POOLING = "Model[Ragged, Floats2d]"
SPAN_GETTER = "Callable[[List[Doc]], List[Span]]"

_NAME = {"doc": "Hugging Face model name or local path, handed to `transformers.AutoModel`."}
_GET_SPANS = {"annotation": SPAN_GETTER,
              "doc": "Splits each batch of Docs into the spans the transformer reads (e.g. strided windows)."}
_TOKENIZER_CONFIG = {"annotation": "Dict[str, Any]", "doc": "Keyword settings for `transformers.AutoTokenizer`."}
_POOLING = {"annotation": POOLING, "doc": "Reduces the wordpiece vectors aligned to a token to one vector."}
_GRAD_FACTOR = {"doc": "Multiplier on the gradient sent to the transformer; 0 keeps its weights frozen."}

CARDS = [
    spec_card(
        "spacy-transformers.TransformerModel.v1", family=FAMILY,
        returns="Model[List[Doc], FullTransformerBatch]",
        doc="Wraps a pretrained Hugging Face transformer (PyTorch) so it runs over spans of the Docs. "
            "Normally the model of a `transformer` component, which other components listen to.",
        args={"name": _NAME, "get_spans": _GET_SPANS, "tokenizer_config": _TOKENIZER_CONFIG},
        example="""
[model]
@architectures = "spacy-transformers.TransformerModel.v1"
name = "roberta-base"
tokenizer_config = {"use_fast": true}

[model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 128
stride = 96
"""),
    spec_card(
        "spacy-transformers.TransformerListener.v1", family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="Receives the output of an upstream `transformer` component and pools its wordpiece "
            "vectors into one vector per token; gradients go back upstream.",
        args={"pooling": _POOLING, "grad_factor": _GRAD_FACTOR,
              "upstream": {"doc": "Name of the upstream transformer component, or \"*\" for any."}},
        example="""
[model]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.pooling]
@layers = "reduce_mean.v1"
"""),
    spec_card(
        "spacy-transformers.Tok2VecTransformer.v1", family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="A transformer used as the tok2vec layer of a single component: its weights are not "
            "shared and it sets no annotations on the Docs.",
        args={"name": _NAME, "get_spans": _GET_SPANS, "tokenizer_config": _TOKENIZER_CONFIG,
              "pooling": _POOLING, "grad_factor": _GRAD_FACTOR},
        example="""
[model]
@architectures = "spacy-transformers.Tok2VecTransformer.v1"
name = "albert-base-v2"
tokenizer_config = {"use_fast": false}
grad_factor = 1.0

[model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 128
stride = 96

[model.pooling]
@layers = "reduce_mean.v1"
"""),
    spec_card(
        "spacy-transformers.strided_spans.v1", registry="span_getters", family=FAMILY, in_spec=False,
        returns="Callable[[List[Doc]], List[List[Span]]]",
        doc="A span getter cutting each Doc into windows of `window` tokens, one starting every "
            "`stride` tokens (overlapping when stride < window).",
        args={"window": {**POSITIVE, "doc": "Tokens per span."},
              "stride": {**POSITIVE, "doc": "Tokens between the starts of consecutive spans."}},
        example="""
[get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 128
stride = 96
"""),
]
