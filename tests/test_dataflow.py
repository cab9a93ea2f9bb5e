"""The dataflow DAG archwright derives statically (a card's expression, read by the static and
graph interpreters) is the dataflow of the model spaCy builds: spaCy's built Thinc model is read
off its combinator tree (chain's layers in sequence, concatenate's in parallel, residual's skip,
...: what each node is is taken from Thinc's own forward function, not from archwright), drawn
by the same graph code, and compared node for node and edge for edge, with the dims spaCy's
initialized model has.

- every model architecture of the spec whose example spaCy builds and initializes alone;
- every component of every real config spaCy 3.8 initialized: spaCy builds the model from the
  component's block, the oracle gives the dims its initialized model had (in Thinc's walk order).
"""

from __future__ import annotations

import re
from collections import Counter

import networkx as nx
import pytest
from conftest import REAL, needs_shared, oracle_rows
from test_build_parity import LIVE, _spacy_docs  # the spec's models spaCy builds alone, and docs to run them

from archwright.compiler.compilation import Compilation
from archwright.compiler.dims import known
from archwright.compiler.expand import Expander
from archwright.compiler.topology import filled
from archwright.compiler.graph import dataflow
from archwright.compiler.registry import factories
from archwright.compiler.static import Layer

# Thinc's and spaCy's combinators, known by the module of their forward function
FLOWS = {
    "thinc.layers.chain": ("chain", "sequence"), "thinc.layers.concatenate": ("concatenate", "parallel"),
    "thinc.layers.add": ("add", "add"), "thinc.layers.residual": ("residual", "residual"),
    "thinc.layers.tuplify": ("tuplify", "parallel"), "thinc.layers.with_array": ("with_array", "wrap"),
    "thinc.layers.with_padded": ("with_padded", "wrap"), "thinc.layers.with_list": ("with_list", "wrap"),
    "thinc.layers.with_getitem": ("with_getitem", "wrap"), "thinc.layers.with_cpu": ("with_cpu", "wrap"),
    "thinc.layers.resizable": ("resizable", "wrap"), "thinc.layers.uniqued": ("uniqued", "wrap"),
    "spacy.ml.tb_framework": ("parser_model", "sequence"),
}
INNER = {"para-attn", "trfs2arrays"}  # their children work inside them
OPAQUE = {"transformer"}  # what is inside comes from the Hugging Face model


def read(model) -> Layer:
    """spaCy's built model as the tree the graph code draws: each node's flow from Thinc."""
    module = getattr(model._func, "__module__", "")
    children = () if model.name in OPAQUE else tuple(read(child) for child in model.layers)
    dims = {d: model.maybe_get_dim(d) for d in model.dim_names}
    if module in FLOWS and model.name not in INNER:
        name, flow = FLOWS[module]
    elif model.name in INNER:
        name, flow = model.name, "wrap"
    else:
        assert not children, f"{model.name} ({module}) holds layers but is no combinator this test knows"
        name, flow = model.name, "leaf"
    op = model.name if model.name in INNER else name
    return Layer(name, dims, children=children, op=op, flow=flow,
                 settings={"upstream": model.attrs.get("upstream_name", "*")} if flow == "listen" else {})


def _nodes(graph: nx.DiGraph, sizes: dict[str, int]) -> dict[str, tuple]:
    """node -> (kind, name, dims as numbers) with a clone drawn as the chain Thinc makes of it."""
    out = {}
    for node, data in graph.nodes(data=True):
        name = "chain" if data["name"] == "clone" else data["name"]
        dims = {k: (v if isinstance(v, int) else known(v, sizes)) for k, v in data["dims"].items()} \
            if data["kind"] == "layer" else None
        out[node] = (data["kind"], name, dims)
    return out


def _edges(graph: nx.DiGraph) -> set[tuple[str, str]]:
    return {(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "data"}


def _theirs_with_dims(model, walked: list[dict]) -> Layer:
    """spaCy's tree read with the dims of its initialized model (the oracle's walk, in Thinc's
    walk order: breadth first)."""
    nodes = list(model.walk())
    assert [n.name for n in nodes] == [w["name"] for w in walked]
    for node, recorded in zip(nodes, walked):
        for dim, value in recorded["dims"].items():
            if value is not None and node.maybe_get_dim(dim) is None:
                node.set_dim(dim, value, force=True)
    return read(model)


def assert_same_dataflow(ours: Layer, theirs: Layer, sizes: dict[str, int]) -> int:
    a, b = dataflow(ours), dataflow(theirs)
    mine, spacys = _nodes(a, sizes), _nodes(b, sizes)
    assert set(mine) == set(spacys), sorted(set(mine) ^ set(spacys))[:5]
    for node, value in spacys.items():
        kind, name, dims = mine[node]
        assert (kind, name) == value[:2], (node, mine[node], value)
        if dims is not None and value[2] is not None:
            assert {k: v for k, v in dims.items() if v is not None} == \
                   {k: v for k, v in value[2].items() if k in dims and v is not None}, (node, dims, value[2])
    assert _edges(a) == _edges(b), sorted(_edges(a) ^ _edges(b))[:5]
    return len(spacys)


# -- the spec's architectures, built and initialized by spaCy here -----------------------------------

LABELS = 4


@pytest.mark.parametrize("card", sorted(set(LIVE), key=lambda c: c.name), ids=lambda c: c.name)
def test_spec_architectures_have_spacys_dataflow(card) -> None:
    from spacy.util import registry

    block = dict(Compilation(card.example).resolved.data["model"])
    if block.get("nO", 0) is None:
        block["nO"] = LABELS
    if isinstance(block.get("linear_model"), dict):
        block["linear_model"] = {**block["linear_model"], "nO": LABELS}
    theirs = registry.resolve({"model": block})["model"]
    theirs.initialize(X=_spacy_docs())
    ours = Expander({"n_labels": LABELS, "n_actions": LABELS}).block(block)
    assert assert_same_dataflow(ours.layer, read(theirs), {}) >= 3  # at least input, a layer, output


# -- every component spaCy initialized in the real corpus ---------------------------------------------

def _oracle_cases() -> list[tuple[str, dict, dict]]:
    cases = []
    for row in oracle_rows():
        init = row.get("initialize") or {}
        if init.get("status") != "ok":
            continue
        for component in init.get("components", []):
            if component.get("param_count") is not None and component.get("factory") in factories():
                cases.append((row["file"], row, component))
    return cases


CASES = _oracle_cases()


def _sizes(row: dict, component: dict) -> dict[str, int]:
    patches = " ".join(row["initialize"].get("patches", []))
    vectors = re.search(r"stand-in table, width (\d+)", patches)
    return {"n_labels": len(component.get("labels") or []), "n_actions": component.get("n_moves") or 0,
            "entity_vector_length": component.get("nO") or 0,
            "vectors_width": int(vectors.group(1)) if vectors else 0}


@needs_shared
@pytest.mark.parametrize("file, row, component", CASES, ids=[f"{f}:{c['name']}" for f, _, c in CASES])
def test_oracle_components_have_spacys_dataflow(file: str, row: dict, component: dict) -> None:
    from spacy.util import registry

    settings = Compilation(REAL / file).resolved.data["components"][component["name"]]
    default = factories()[component["factory"]]["model"]
    block = filled(settings.get("model", default), default)
    sizes = _sizes(row, component)
    ours = Expander(sizes).block(block)
    assert ours is not None
    theirs = _theirs_with_dims(registry.resolve({"model": block})["model"], component["layers"])
    assert_same_dataflow(ours.layer, theirs, sizes)


@needs_shared
def test_the_comparison_covers_every_family_and_sees_a_wrong_edge() -> None:
    assert len(CASES) >= 250
    assert {"tok2vec", "tagger", "parser", "ner", "textcat", "textcat_multilabel", "spancat", "entity_linker"} <= \
        {c["factory"] for _, _, c in CASES}
    cnn = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 8, "window_size": 1, "maxout_pieces": 2,
           "depth": 2}
    ours = Expander().block(cnn).layer
    clone = ours.children[0]
    no_skip = clone.children[0]._replace(name="chain", op="chain", flow="sequence")  # a residual made a chain
    wrong = ours._replace(children=(clone._replace(children=(no_skip,) + clone.children[1:]),))
    with pytest.raises(AssertionError):
        assert_same_dataflow(ours, wrong, {})
    kinds = Counter(d["name"] for _, d in dataflow(ours).nodes(data=True))
    assert kinds["add"] == 2  # each residual block joins its input back in
