"""Tagging models (spec: "Tagging architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, hash_embed_cnn, spec_card, variant

FAMILY = "tagger"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"

def _tagger(a: Args, v2: bool) -> x.Node:
    """Token vectors, each through a softmax layer (zero-initialized)."""
    inner = a.sub("tok2vec")
    output = x.Softmax(a.size("n_labels"), a.width_of(inner), v2=v2, normalize_outputs=bool(a.get("normalize")))
    return x.with_refs(x.chain(inner, x.with_array(output)), tok2vec=inner, output_layer=output)


def tagger_v1(a: Args) -> x.Node:
    return _tagger(a, v2=False)


def tagger(a: Args) -> x.Node:
    return _tagger(a, v2=True)


CARDS = [
    spec_card(
        # spaCy 3.8 registers it as spacy-legacy.Tagger.v1 (spacy.Tagger.v2 is the newer one)
        "spacy.Tagger.v1", expression=tagger_v1, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="A tagger: a softmax-activated linear layer scoring the tags over the vectors of a tok2vec.",
        args={"tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "Gives each token a vector."},
              "nO": {**POSITIVE, "doc": "Number of tags; inferred from the data when null."}},
        example="""
[model]
@architectures = "spacy.Tagger.v1"
nO = null

""" + hash_embed_cnn("model.tok2vec")),
]
CARDS.append(variant(CARDS[0], "spacy.Tagger.v2", tagger,
                     "A tagger as v1, with the option to leave its outputs unnormalized (`normalize = false`).",
                     args={"normalize": {"annotation": "bool", "doc": "Normalize the output scores (softmax) "
                                                                    "or leave them as they are."}}))
