"""Span classification models (spec: "Span classification architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, hash_embed_cnn, spec_card, variant

FAMILY = "spancat"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
REDUCER = "Model[Ragged, Floats2d]"
SCORER = "Model[Floats2d, Floats2d]"

def linear_logistic(a: Args) -> x.Node:
    """A linear layer and a logistic activation: independent scores per label."""
    n_in = a["nI"] if isinstance(a.get("nI"), int) else x.INFER
    return x.chain(x.Linear(a.size("n_labels"), n_in), x.Logistic())


def mean_max_reducer(a: Args) -> x.Node:
    """Last, first, mean and max of each span's vectors, concatenated, into a normalized maxout."""
    pools = x.concatenate(*(x.reduce(r) for r in ("last", "first", "mean", "max")))
    return x.chain(pools, x.Maxout(a["hidden_size"], normalize=True, dropout=0.0))


def span_categorizer(a: Args) -> x.Node:
    """(docs, spans): the token vectors of each span, reduced to one vector, scored."""
    inner, reducer, scorer = a.sub("tok2vec"), a.sub("reducer"), a.sub("scorer")
    model = x.chain(x.with_getitem(0, x.chain(inner, x.list2ragged())), x.extract_spans(), reducer, scorer)
    return x.with_attrs(x.with_refs(model, tok2vec=inner, reducer=reducer, scorer=scorer), archwright_input="spans")


def span_finder(a: Args) -> x.Node:
    """Per token, the scorer's start and end probabilities; the docs' rows flattened into one array."""
    inner, scorer = a.sub("tok2vec"), a.sub("scorer")
    logistic = x.with_array(scorer)
    return x.with_refs(x.chain(inner, logistic, x.flattener()), tok2vec=inner, scorer=scorer, logistic_layer=logistic)


CARDS = [
    spec_card(
        "spacy.SpanCategorizer.v1", expression=span_categorizer, family=FAMILY, returns="Model[Tuple[List[Doc], Ragged], Floats2d]",
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
        "spacy.mean_max_reducer.v1", expression=mean_max_reducer, registry="layers", family=FAMILY, returns=REDUCER,
        doc="Reduces each sequence to the concatenation of its mean- and max-pooled vectors, "
            "passed through a hidden layer. Registered as a layer (`@layers`).",
        args={"hidden_size": {**POSITIVE, "doc": "Width of the hidden layer."}},
        example="""
[model]
@layers = "spacy.mean_max_reducer.v1"
hidden_size = 128
"""),
    spec_card(
        "spacy.LinearLogistic.v1", expression=linear_logistic, registry="layers", family=FAMILY, returns=SCORER, in_spec=False,
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
CARDS.append(variant(CARDS[0], "spacy.SpanFinder.v1", span_finder,
                     "Per token, a scorer of whether a span starts or ends there (two probabilities).", example="""
[model]
@architectures = "spacy.SpanFinder.v1"

[model.scorer]
@layers = "spacy.LinearLogistic.v1"
nO = 2

""" + hash_embed_cnn("model.tok2vec")))
