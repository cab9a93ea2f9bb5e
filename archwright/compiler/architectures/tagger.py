"""Tagging models (spec: "Tagging architectures")."""

from __future__ import annotations

from ._card import POSITIVE, hash_embed_cnn, spec_card

FAMILY = "tagger"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"

CARDS = [
    spec_card(
        # spaCy 3.8 registers it as spacy-legacy.Tagger.v1 (spacy.Tagger.v2 is the newer one)
        "spacy.Tagger.v1", family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="A tagger: a softmax-activated linear layer scoring the tags over the vectors of a tok2vec.",
        args={"tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "Gives each token a vector."},
              "nO": {**POSITIVE, "doc": "Number of tags; inferred from the data when null."}},
        example="""
[model]
@architectures = "spacy.Tagger.v1"
nO = null

""" + hash_embed_cnn("model.tok2vec")),
]
