"""Entity linking: the model, knowledge bases and candidate generation (spec: "Entity linking
architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, hash_embed_cnn, spec_card, variant

FAMILY = "entity_linker"
KB_LOADER = "Callable[[Vocab], KnowledgeBase]"

def entity_linker(a: Args) -> x.Node:
    """Each entity: its token vectors averaged, a residual maxout, projected to the knowledge
    base's entity vector width (`entity_vector_length`)."""
    inner = a.sub("tok2vec")
    width = a.width_of(inner)
    output = x.Linear(a.size("entity_vector_length"), width)
    model = x.pipe(x.tuplify(x.pipe(inner, x.list2ragged()), x.span_maker()), x.extract_spans(rows="entities"),
                   x.reduce("mean"), x.residual(x.Maxout(width, width, 2, dropout=0.0)), output)
    return x.with_attrs(x.with_refs(model, output_layer=output, tok2vec=inner), archwright_input="entities")


CARDS = [
    spec_card(
        # spaCy 3.8 registers it as spacy-legacy.EntityLinker.v1 (spacy.EntityLinker.v2 is the newer one)
        "spacy.EntityLinker.v1", expression=entity_linker, family=FAMILY, returns="Model[List[Doc], Floats2d]",
        doc="The model of an entity linker: a tok2vec followed by a linear output layer giving "
            "one vector per mention, compared with the entity vectors of the knowledge base.",
        args={"tok2vec": {"doc": "Gives each token a vector."},
              "nO": {**POSITIVE, "doc": "Width of the entity vectors in the KB; set at initialization when null."}},
        example="""
[model]
@architectures = "spacy.EntityLinker.v1"
nO = null

""" + hash_embed_cnn("model.tok2vec", depth=2)),
    spec_card(
        "spacy.EmptyKB.v1", registry="misc", family=FAMILY, returns=KB_LOADER,
        doc="Makes a function creating an empty knowledge base for a vocab. Registered in `@misc`.",
        args={"entity_vector_length": {**POSITIVE, "doc": "Width of the entity vectors stored in the KB."}},
        example="""
[initialize]

[initialize.components]

[initialize.components.entity_linker]

[initialize.components.entity_linker.kb_loader]
@misc = "spacy.EmptyKB.v1"
entity_vector_length = 64
"""),
    spec_card(
        "spacy.KBFromFile.v1", registry="misc", family=FAMILY, returns=KB_LOADER,
        doc="Makes a function loading a knowledge base saved to disk. Registered in `@misc`.",
        args={"kb_path": {"annotation": "Path", "doc": "Where the KB was saved."}},
        example="""
[initialize]

[initialize.components]

[initialize.components.entity_linker]

[initialize.components.entity_linker.kb_loader]
@misc = "spacy.KBFromFile.v1"
kb_path = "assets/kb"
"""),
    spec_card(
        "spacy.CandidateGenerator.v1", registry="misc", family=FAMILY,
        returns="Callable[[KnowledgeBase, Span], Iterable[Candidate]]",
        doc="Makes the default candidate generator: it looks the mention's text up (case-sensitively) "
            "among the KB's aliases. Registered in `@misc`.",
        example="""
[get_candidates]
@misc = "spacy.CandidateGenerator.v1"
"""),
]
CARDS.insert(1, variant(CARDS[0], "spacy.EntityLinker.v2", entity_linker))
