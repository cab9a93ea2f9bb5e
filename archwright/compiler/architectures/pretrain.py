"""Pretraining objectives for `spacy pretrain` (spec: "Pretraining architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, spec_card

FAMILY = "pretrain"
OBJECTIVE = "Callable[[Vocab, Model], Model]"

_MAXOUT = {**POSITIVE, "recommended": (2, 3), "doc": "Maxout pieces in the prediction layer."}
_HIDDEN = {**POSITIVE, "doc": "Width of the hidden layer."}

TOK2VEC_VIEW = "what its tok2vec sees"


def _objective(head: x.Node, a: Args) -> x.Node:
    """The pretraining wrapper around the tok2vec being pretrained and the objective's layers."""
    return x.masked_language_model(x.chain(x.slot(a.symbol("tok2vec_width"), TOK2VEC_VIEW), head))


def pretrain_vectors(a: Args) -> x.Node:
    """Predict each word's static vector (`vectors_width` wide)."""
    hidden = a["hidden_size"]
    return _objective(x.chain(x.list2array(), x.Maxout(hidden, a.symbol("tok2vec_width"), a["maxout_pieces"],
                                                       normalize=True, dropout=0.0),
                              x.Linear(a.symbol("vectors_width"), hidden, init_W="zero")), a)


def pretrain_characters(a: Args) -> x.Node:
    """Guess the first and last characters of each word: a softmax over the 256 byte values per
    position. spaCy 3.8 builds `n_characters` of them, not the `2 * n_characters` positions the
    spec's wording suggests."""
    hidden = a["hidden_size"]
    return _objective(x.chain(x.list2array(), x.Maxout(hidden, x.INFER, a["maxout_pieces"]), x.layer_norm(hidden),
                              x.MultiSoftmax([256] * a["n_characters"], hidden)), a)


CARDS = [
    spec_card(
        "spacy.PretrainVectors.v1", expression=pretrain_vectors, family=FAMILY, returns=OBJECTIVE,
        doc="Pretraining objective: predict each word's static vector from its context. Needs "
            "`[initialize] vectors` to point at a pipeline or table with vectors.",
        args={"maxout_pieces": _MAXOUT, "hidden_size": _HIDDEN,
              "loss": {"annotation": "Literal['cosine', 'L2']",
                       "doc": "Distance between predicted and real vectors: \"cosine\" (usual) or \"L2\"."}},
        example="""
[pretraining]
component = "tok2vec"

[initialize]
vectors = "en_core_web_lg"

[pretraining.objective]
@architectures = "spacy.PretrainVectors.v1"
maxout_pieces = 3
hidden_size = 300
loss = "cosine"
"""),
    spec_card(
        "spacy.PretrainCharacters.v1", expression=pretrain_characters, family=FAMILY, returns=OBJECTIVE,
        doc="Pretraining objective: predict the first and last `n_characters` UTF-8 bytes of each word.",
        args={"maxout_pieces": _MAXOUT, "hidden_size": _HIDDEN,
              "n_characters": {**POSITIVE, "doc": "Bytes predicted from each end of the word."}},
        example="""
[pretraining]
component = "tok2vec"

[pretraining.objective]
@architectures = "spacy.PretrainCharacters.v1"
maxout_pieces = 3
hidden_size = 300
n_characters = 4
"""),
]
