"""The spec's architecture cards, one module per family, in the spec's order."""

from __future__ import annotations

from . import entity_linker, layers, parser, pretrain, spancat, tagger, textcat, tok2vec, transformers

FAMILIES = [tok2vec, transformers, pretrain, parser, tagger, textcat, spancat, entity_linker, layers]
SPEC_CARDS = [card for family in FAMILIES for card in family.CARDS]
# each family's title, as the spec's menu writes it (`archwright list` groups the cards by these)
TITLES = {
    tok2vec.FAMILY: "Tok2Vec",
    transformers.FAMILY: "Transformers",
    pretrain.FAMILY: "Pretraining",
    parser.FAMILY: "Parser & NER",
    tagger.FAMILY: "Tagging",
    textcat.FAMILY: "Text classification",
    spancat.FAMILY: "Span classification",
    entity_linker.FAMILY: "Entity linking",
    layers.FAMILY: "Layers",
}
