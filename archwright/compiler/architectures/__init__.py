"""The spec's architecture cards, one module per family, in the spec's order."""

from __future__ import annotations

from . import entity_linker, layers, parser, pretrain, spancat, tagger, textcat, tok2vec, transformers

FAMILIES = [tok2vec, transformers, pretrain, parser, tagger, textcat, spancat, entity_linker, layers]
SPEC_CARDS = [card for family in FAMILIES for card in family.CARDS]
