"""What is built besides Thinc's and spaCy's layers: the pretraining wrapper around a tok2vec, and
knowledge bases (a file, read only when the user builds) with their candidate generator."""

from __future__ import annotations

import os
from typing import Any

from thinc.api import Model

from ...diagnostics import Diagnostic
from ._context import Context, Unbuildable, files_not_read, require


def masked_language_model(wrapped: Model) -> Model:
    """The pretraining wrapper: in training, a share of the tokens is masked (not done here: the
    wrapper only forwards), with the wrapped model's dims."""
    def forward(model: Model, docs: list, is_train: bool):
        return model.layers[0](docs, is_train)

    def init(model: Model, X=None, Y=None) -> None:
        inner = model.layers[0]
        inner.initialize(X=X, Y=Y)
        for dim in inner.dim_names:
            if inner.has_dim(dim):
                model.set_dim(dim, inner.get_dim(dim))

    return Model("masked-language-model", forward, layers=[wrapped], init=init, refs={"wrapped": wrapped},
                 dims=dict.fromkeys(wrapped.dim_names))


class KnowledgeBase:
    """Entities with their vectors, and aliases with their candidate entities."""

    def __init__(self, entity_vector_length: int) -> None:
        self.entity_vector_length = entity_vector_length
        self.entities: dict[str, Any] = {}
        self.aliases: dict[str, list[tuple[str, float]]] = {}

    def candidates(self, text: str) -> list[tuple[str, float]]:
        return self.aliases.get(text, [])


def empty_kb(block: dict, ctx: Context) -> Any:
    return lambda vocab=None: KnowledgeBase(block["entity_vector_length"])


def kb_from_file(block: dict, ctx: Context) -> Any:
    """The KB in `kb_path` (spaCy's binary format, read with spaCy) when the returned loader is
    called, never before."""
    path = block["kb_path"]
    read_files = ctx.read_files

    def load(vocab=None) -> Any:
        if not read_files:
            raise Unbuildable(files_not_read(f"{ctx.path}.kb_path", "a knowledge base"))
        if not os.path.exists(path):
            raise Unbuildable(Diagnostic("AW504", f"the knowledge base file {path} does not exist",
                                         config_path=f"{ctx.path}.kb_path", hint="point kb_path at a KB "
                                         "written by spaCy's KnowledgeBase.to_disk"))
        require("spacy", "spacy.KBFromFile.v1", "parity", ctx)
        import spacy
        from spacy.kb import InMemoryLookupKB

        kb = InMemoryLookupKB((vocab or spacy.blank("en").vocab), entity_vector_length=1)
        kb.from_disk(path)
        return kb

    return load


def candidate_generator(block: dict, ctx: Context) -> Any:
    return lambda kb, span: kb.candidates(getattr(span, "text", str(span)))


BUILDERS = {
    "spacy.EmptyKB.v1": empty_kb,
    "spacy.EmptyKB.v2": empty_kb,
    "spacy.KBFromFile.v1": kb_from_file,
    "spacy.CandidateGenerator.v1": candidate_generator,
}
