"""Pretraining objectives for `spacy pretrain` (spec: "Pretraining architectures")."""

from __future__ import annotations

from ._card import POSITIVE, spec_card

FAMILY = "pretrain"
OBJECTIVE = "Callable[[Vocab, Model], Model]"

_MAXOUT = {**POSITIVE, "recommended": (2, 3), "doc": "Maxout pieces in the prediction layer."}
_HIDDEN = {**POSITIVE, "doc": "Width of the hidden layer."}

CARDS = [
    spec_card(
        "spacy.PretrainVectors.v1", family=FAMILY, returns=OBJECTIVE,
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
        "spacy.PretrainCharacters.v1", family=FAMILY, returns=OBJECTIVE,
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
