"""Transformer architectures from the spacy-transformers plugin (spec: "Transformer architectures")."""

from __future__ import annotations

from .. import expr as x
from ..dims import Count
from ..static import WHOLE_DOC, Window
from ..expr import Args
from ._card import POSITIVE, spec_card, variant

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

def span_view(get_spans) -> object:
    """A transformer sees the span its span getter cuts: a window of tokens, the sentence or the doc."""
    name = get_spans.get("@span_getters", "") if isinstance(get_spans, dict) else ""
    if isinstance(name, str) and name.endswith("strided_spans.v1"):  # windows of tokens (not wordpieces)
        return Window(get_spans.get("window", 128), get_spans.get("stride", 96))
    if isinstance(name, str) and name.endswith("sent_spans.v1"):
        return "its sentence"
    return WHOLE_DOC


def transformer_model(a: Args) -> x.Node:
    """A Hugging Face transformer: its width and weights depend on the named model, so both stay
    symbolic (`hidden_width`, `transformer_params`) unless given. What is inside comes from the
    model's own config; the expression states what it gives and what it sees."""
    return x.node("transformer", dims={"nO": a.symbol("hidden_width"), "params": a.symbol("transformer_params")},
                  sees=span_view(a.get("get_spans")), config=a.block)


def transformer_listener(a: Args) -> x.Node:
    """The upstream transformer's wordpiece vectors, pooled per token; no weights of its own."""
    upstream = a.upstream("transformer")
    if upstream is None:
        width, sees = a.symbol("hidden_width"), "what its upstream sees"
    else:  # the upstream's width; while unknown, its symbol, named after the transformer that owns it
        name, expansion = upstream
        width, sees = expansion.width, expansion.receptive_field
        if isinstance(width, Count):
            width = width.qualified(name)
    listener = x.listener("transformer-listener", width, str(a.get("upstream", "*")), sees)
    pooled = x.node("trfs2arrays", a.sub("pooling"), grad_factor=float(a.get("grad_factor", 1.0)))
    return x.with_refs(x.chain(listener, pooled), listener=listener)


def tok2vec_transformer(a: Args) -> x.Node:
    """A transformer of its own, its wordpiece vectors pooled per token."""
    pooled = x.node("trfs2arrays", a.sub("pooling"), grad_factor=float(a.get("grad_factor", 1.0)))
    if str(a.get("@architectures", "")).endswith(".v3"):  # v3 nests the first two, as spaCy does
        return x.chain(x.chain(transformer_model(a), x.node("split-trf-batch")), pooled)
    return x.chain(transformer_model(a), x.node("split-trf-batch"), pooled)


CARDS = [
    spec_card(
        "spacy-transformers.TransformerModel.v1", expression=transformer_model, family=FAMILY,
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
        "spacy-transformers.TransformerListener.v1", expression=transformer_listener, family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy-transformers.Tok2VecTransformer.v1", expression=tok2vec_transformer, family=FAMILY, returns=DOCS_TO_VECTORS,
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
BY_NAME = {card.name: card for card in CARDS}
_CONFIG = {"transformer_config": {"annotation": "Dict[str, Any]",
                                  "doc": "Settings that override the Hugging Face model's config."},
           "mixed_precision": {"doc": "Run the transformer in mixed precision (GPU)."},
           "grad_scaler_config": {"annotation": "Dict[str, Any]", "doc": "Settings of the gradient scaler "
                                  "of mixed-precision training."}}
CARDS += [variant(BY_NAME[f"spacy-transformers.{name}.v1"], f"spacy-transformers.{name}.v{n}", args={
              k: v for k, v in _CONFIG.items() if n == 3 or k == "transformer_config"})
          for name in ("TransformerModel", "Tok2VecTransformer") for n in (2, 3)]
