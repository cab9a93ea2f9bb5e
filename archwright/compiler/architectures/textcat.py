"""Text classification models (spec: "Text classification architectures")."""

from __future__ import annotations

from ._card import POSITIVE, hash_embed_cnn, spec_card

FAMILY = "textcat"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
DOCS_TO_SCORES = "Model[List[Doc], Floats2d]"

_NO = {**POSITIVE, "doc": "Number of labels; the text categorizer sets it at initialization when null."}
_EXCLUSIVE = {"doc": "Whether each text has exactly one label (softmax) rather than any number (logistic)."}
_NGRAM = {**POSITIVE, "doc": "Longest n-gram used as a bag-of-words feature (3: uni-, bi- and trigrams)."}


def _bow_args() -> dict:
    return {"exclusive_classes": _EXCLUSIVE, "ngram_size": _NGRAM,
            "no_output_layer": {"doc": "Leave out the output layer (softmax or logistic)."},
            "nO": _NO}


def _cnn_args() -> dict:
    return {"tok2vec": {"doc": "The tok2vec whose vectors are mean-pooled per text."},
            "exclusive_classes": _EXCLUSIVE, "nO": _NO}


CARDS = [
    spec_card(
        "spacy.TextCatEnsemble.v2", family=FAMILY, returns=DOCS_TO_SCORES,
        doc="Stacks a linear bag-of-words model with a neural model (a tok2vec with attention). "
            "Whether labels are exclusive comes from the linear model.",
        args={"tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "The tok2vec of the neural model."},
              "linear_model": {"annotation": DOCS_TO_SCORES, "doc": "The bag-of-words model."},
              "nO": _NO},
        example="""
[model]
@architectures = "spacy.TextCatEnsemble.v2"
nO = null

[model.linear_model]
@architectures = "spacy.TextCatBOW.v2"
exclusive_classes = true
ngram_size = 1
no_output_layer = false

[model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
rows = [2000, 2000, 1000, 1000, 1000, 1000]
attrs = ["ORTH", "LOWER", "PREFIX", "SUFFIX", "SHAPE", "ID"]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = ${model.tok2vec.embed.width}
window_size = 1
maxout_pieces = 3
depth = 2
"""),
    spec_card(
        "spacy.TextCatCNN.v2", family=FAMILY, returns=DOCS_TO_SCORES,
        doc="Mean-pools the vectors of a tok2vec (a CNN) and classifies them with a feed-forward "
            "layer. Faster, usually less accurate than the ensemble. Labels can be added later.",
        args=_cnn_args(),
        example="""
[model]
@architectures = "spacy.TextCatCNN.v2"
exclusive_classes = false
nO = null

""" + hash_embed_cnn("model.tok2vec")),
    spec_card(
        "spacy.TextCatBOW.v2", family=FAMILY, returns=DOCS_TO_SCORES,
        doc="A linear model over n-gram (bag-of-words) features: the fastest, and weaker on short "
            "texts. Labels can be added later.",
        args=_bow_args(),
        example="""
[model]
@architectures = "spacy.TextCatBOW.v2"
exclusive_classes = false
ngram_size = 1
no_output_layer = false
nO = null
"""),
    spec_card(
        "spacy.TextCatEnsemble.v1", family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier ensemble of a bag-of-words and a neural model, which builds its own tok2vec "
            "from the sizes given instead of taking one as argument.",
        args={"width": {**POSITIVE, "doc": "Width of the internal tok2vec's vectors."},
              "embed_size": {**POSITIVE, "doc": "Rows of the internal hash embedding tables."},
              "pretrained_vectors": {"doc": "Also use static vectors in the internal tok2vec."},
              "exclusive_classes": _EXCLUSIVE,
              "ngram_size": _NGRAM,
              "window_size": {"ge": 0, "doc": "Neighbours concatenated on each side in the internal tok2vec."},
              "conv_depth": {**POSITIVE, "doc": "Number of layers of the internal tok2vec."},
              "dropout": {"ge": 0, "lt": 1, "doc": "Dropout rate."},
              "nO": _NO},
        example="""
[model]
@architectures = "spacy.TextCatEnsemble.v1"
exclusive_classes = false
pretrained_vectors = null
width = 64
embed_size = 2000
conv_depth = 2
window_size = 1
ngram_size = 1
dropout = 0.0
nO = null
"""),
    spec_card(
        "spacy.TextCatCNN.v1", family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier TextCatCNN with the same arguments, which cannot take new labels after training.",
        args=_cnn_args(),
        example="""
[model]
@architectures = "spacy.TextCatCNN.v1"
exclusive_classes = false
nO = null

""" + hash_embed_cnn("model.tok2vec")),
    spec_card(
        "spacy.TextCatBOW.v1", family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier TextCatBOW with the same arguments, which cannot take new labels after training.",
        args=_bow_args(),
        example="""
[model]
@architectures = "spacy.TextCatBOW.v1"
exclusive_classes = false
ngram_size = 1
no_output_layer = false
nO = null
"""),
]
