"""Registered functions in every spelling the static reader knows (tests/test_code.py).

spaCy imports this file in the differential test; archwright only ever reads it.
"""

from typing import List, Optional

import spacy
import spacy as sp
from spacy.language import Language
from spacy.ml.models import MaxoutWindowEncoder, MultiHashEmbed, build_Tok2Vec_model
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, chain
from thinc.api import registry as thinc_registry
from thinc.types import Floats2d

reg = spacy.registry
NAME = "computed"


@spacy.registry.architectures("test.Classifier.v1")
def classifier(tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 64, *,
               dropout: float = 0.1, nO: Optional[int] = None) -> Model[List[Doc], Floats2d]:
    """A classifier over token vectors.

    More text that is not the summary."""
    raise RuntimeError("never run")


@sp.registry.misc("test.aliased_module.v1")
def aliased_module(path: str, lowercase: bool = False, **kwargs) -> List[str]:
    raise RuntimeError("never run")


@registry.readers("test.util_registry.v1")
def util_registry(limit: int = 0):
    raise RuntimeError("never run")


@thinc_registry.layers("test.thinc_layer.v1")
def thinc_layer(nO: int, nI: int = 8) -> Model[Floats2d, Floats2d]:
    raise RuntimeError("never run")


@reg.callbacks("test.assigned_alias.v1")
def assigned_alias(*layers: Model) -> Model:
    raise RuntimeError("never run")


def plain(width: int, depth: int = 2) -> Model[List[Doc], List[Floats2d]]:
    raise RuntimeError("never run")


registry.architectures.register("test.register_call.v1", func=plain)
registry.architectures("test.curried.v1")(plain)


@Language.factory("test_component", default_config={"threshold": 0.5,
                                                     "model": {"@architectures": "test.Classifier.v1"}},
                  default_score_weights={"test_f": 1.0, "test_p": 0.0})
def make_component(nlp: Language, name: str, model: Model, threshold: float, label: str = "X"):
    raise RuntimeError("never run")


@Language.component("test_doc_function")
def doc_function(doc: Doc) -> Doc:
    return doc


@spacy.registry.languages("test_lang")
class TestLanguage(Language):
    lang = "test_lang"


@registry.misc(NAME + ".v1")  # a name built at run time: a note, not a card
def computed():
    raise RuntimeError("never run")


@spacy.registry.architectures("test.ComposedTok2Vec.v1")
def composed_tok2vec(width: int = 96, depth: int = 4) -> Model[List[Doc], List[Floats2d]]:
    """A recognizable composition: spaCy's own architectures, with this function's arguments."""
    return build_Tok2Vec_model(
        embed=MultiHashEmbed(width=width, attrs=["NORM", "PREFIX"], rows=[2000, 1000], include_static_vectors=False),
        encode=MaxoutWindowEncoder(width, 1, 3, depth),
    )


@spacy.registry.architectures("test.ComposedByName.v1")
def composed_by_name(width: int):
    return registry.get("architectures", "spacy.HashEmbedCNN.v2")(
        width=width, depth=2, embed_size=500, window_size=1, maxout_pieces=3, subword_features=True,
        pretrained_vectors=None)


@spacy.registry.architectures("test.ChainedEncoder.v1")
def chained_encoder(width: int = 32) -> Model[List[Doc], List[Floats2d]]:
    """Thinc's chain of registered calls, arguments passed through (one through a local name)."""
    embed = MultiHashEmbed(width=width, attrs=["NORM"], rows=[500], include_static_vectors=False)
    return chain(embed, MaxoutWindowEncoder(width=width, window_size=1, maxout_pieces=3, depth=2))
