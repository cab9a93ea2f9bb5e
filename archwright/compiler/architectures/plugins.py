"""Names that spaCy plugins register in registries of their own, which real configs use."""

from __future__ import annotations

from ..cards import Card

FAMILY = "plugins"

CARDS = [
    Card("spacy-transformers.null_annotation_setter.v1", "annotation_setters", (),
         "Callable[[List[Doc], FullTransformerBatch], None]", family=FAMILY,
         doc="spacy-transformers: set no extra annotations on the Docs."),
]
