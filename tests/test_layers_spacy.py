"""Static parameter counts against models spaCy builds and initializes here, for the tok2vec
architectures of the spec's examples (those the oracle has no initialized config for too)."""

from __future__ import annotations

import pytest

from archwright.compiler.compilation import Compilation
from archwright.compiler.layers import Count, Expander
from archwright.compiler.registry import default_registry

spacy = pytest.importorskip("spacy", reason="the parity tests need spaCy (the `parity` extra)")

TOK2VEC = "Model[List[Doc], List[Floats2d]]"
CARDS = [card for card in default_registry().cards() if card.in_spec and card.returns == TOK2VEC
         and card.family == "tok2vec" and card.name not in ("spacy.Tok2VecListener.v1",)]


def _spacy_count(block: dict) -> int:
    from spacy.util import registry

    nlp = spacy.blank("en")
    model = registry.resolve({"model": block})["model"]
    model.initialize(X=[nlp("A sample sentence, with words."), nlp("Another one")])
    return sum(node.get_param(name).size for node in model.walk() for name in node.param_names
               if node.has_param(name))


@pytest.mark.parametrize("card", CARDS, ids=lambda c: c.name)
def test_static_count_equals_spacys_built_model(card) -> None:
    block = Compilation(card.example).resolved.data["model"]
    expansion = Expander().block(block)
    assert expansion is not None, f"{card.name} has no expansion yet"
    assert expansion.layer.count == Count(_spacy_count(block))
