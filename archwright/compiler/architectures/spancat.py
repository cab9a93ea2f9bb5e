"""Span classification models (spec: "Span classification architectures")."""

from __future__ import annotations

from ._card import POSITIVE, spec_card

FAMILY = "spancat"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
REDUCER = "Model[Ragged, Floats2d]"
SCORER = "Model[Floats2d, Floats2d]"

CARDS = [
    spec_card(
        "spacy.SpanCategorizer.v1", family=FAMILY, returns="Model[Tuple[List[Doc], Ragged], Floats2d]",
        doc="The model of a span categorizer: token vectors from a tok2vec, reduced to one vector "
            "per span, then scored per label.",
        args={"tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "Gives each token a vector."},
              "reducer": {"annotation": REDUCER, "doc": "Turns the token vectors of a span into one vector."},
              "scorer": {"annotation": SCORER, "doc": "Maps each span vector to label probabilities."}},
        example="""
[model]
@architectures = "spacy.SpanCategorizer.v1"
scorer = {"@layers": "spacy.LinearLogistic.v1"}

[model.reducer]
@layers = "spacy.mean_max_reducer.v1"
hidden_size = 128

[model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 96
rows = [5000, 1000, 2500, 1000]
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = ${model.tok2vec.embed.width}
window_size = 1
maxout_pieces = 3
depth = 4
"""),
    spec_card(
        "spacy.mean_max_reducer.v1", registry="layers", family=FAMILY, returns=REDUCER,
        doc="Reduces each sequence to the concatenation of its mean- and max-pooled vectors, "
            "passed through a hidden layer. Registered as a layer (`@layers`).",
        args={"hidden_size": {**POSITIVE, "doc": "Width of the hidden layer."}},
        example="""
[model]
@layers = "spacy.mean_max_reducer.v1"
hidden_size = 128
"""),
    spec_card(
        "spacy.LinearLogistic.v1", registry="layers", family=FAMILY, returns=SCORER, in_spec=False,
        doc="An output layer for multi-label scores: a linear layer with a logistic activation. "
            "Registered as a layer (`@layers`).",
        args={"nO": {"annotation": "Optional[int]", **POSITIVE, "doc": "Output width; inferred when null."},
              "nI": {"annotation": "Optional[int]", **POSITIVE, "doc": "Input width; inferred when null."}},
        example="""
[model]
@layers = "spacy.LinearLogistic.v1"
nO = null
nI = null
"""),
]
