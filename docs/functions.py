"""A project's own registered functions, as `spacy train --code docs/functions.py` takes them.

`archwright validate --code docs/functions.py` reads this file statically: it is never imported
or run (the bodies below would fail if it were).
"""

from typing import List

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Model
from thinc.types import Floats2d


@spacy.registry.architectures("my_project.AttentionTextCat.v1")
def attention_textcat(tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 128,
                      dropout: float = 0.1, nO: int = None) -> Model[List[Doc], Floats2d]:
    """My project's text classifier: attention over the token vectors of a tok2vec."""
    raise RuntimeError("archwright never runs this")


@Language.factory("semicolon_sentencizer", default_config={"punct_chars": [";"]},
                  default_score_weights={"sents_f": 1.0})
def make_semicolon_sentencizer(nlp, name: str, punct_chars: List[str]):
    """Sentence boundaries at semicolons."""
    raise RuntimeError("archwright never runs this")
