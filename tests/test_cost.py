"""The cost interpreter (compiler/cost.py) against the real thing: every example that archwright
builds is run forward in Thinc on sample docs while each node's output is recorded (each node's
forward wrapped, here only), and for every layer the numbers and bytes its output holds per row
are the ones predicted statically; each layer's FLOPs are checked against the weights the built
model multiplies by (2 per weight per row: nO·nI for a dense layer, nO·nP·nI for a maxout, ...),
each table lookup against the table's width. Then the sums (per component, over the pipeline,
a listener's upstream once), the peak's rules on small cases, the symbolic forms, and the
surfaces: graph nodes, `summary`, the JSON contract, the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_build import _inputs, _table

import archwright
from archwright.compiler import cost
from archwright.compiler.compilation import Compilation
from archwright.compiler.dims import Count, known
from archwright.compiler.expand import Expander
from archwright.compiler.expr import COSTS, OPS
from archwright.compiler.registry import default_registry
from archwright.compiler.thinc import build, build_architecture, model_input

ROOT = Path(__file__).resolve().parent.parent
PIPELINES = sorted(p for p in (ROOT / "examples").glob("*.cfg") if "transformer" not in p.stem)
ARCHITECTURES = sorted((ROOT / "examples" / "architectures").glob("*.cfg"))
SIZES = {"n_labels": 4, "n_actions": 6, "entity_vector_length": 16}
TEXTS = ["Alice Smith visited Berlin in May 2024 to meet the Acme team.", "Hello!",
         "The quick brown fox jumps over the lazy dog."]
# the weights a layer multiplies its input by (its FLOPs are 2 per weight per row)
MULTIPLIED = {"linear": "W", "softmax": "W", "mish": "W", "gelu": "W", "multisoftmax": "W", "maxout": "W",
              "precomputable_affine": "W", "static_vectors": "W", "layernorm": "G", "para-attn": "Q"}


# -- recording what the built model computes ------------------------------------------------------

def _record(model) -> dict[int, list]:
    """Wraps every node's forward to keep its outputs: id(node) -> [output, ...]."""
    seen: dict[int, list] = {}
    for node in model.walk():
        if id(node) in seen:
            continue
        outputs: list = []
        seen[id(node)] = outputs

        def wrapped(m, X, is_train, _forward=node._func, _outputs=outputs):
            Y, backprop = _forward(m, X, is_train)
            _outputs.append(Y)
            return Y, backprop
        node._func = wrapped
    return seen


def _arrays(output) -> list:
    """The data arrays of an output: an array, a list of them, a Ragged's data, a Padded's."""
    from thinc.api import Padded, Ragged

    if isinstance(output, Ragged):
        return [output.dataXd]
    if isinstance(output, Padded):  # (time, batch, width)
        return [output.data.reshape((-1,) + output.data.shape[2:])]
    if isinstance(output, list):
        return [a for item in output for a in _arrays(item)]
    if isinstance(output, tuple):  # arrays of one row each, beside bookkeeping (lengths per doc)
        parts = [_arrays(item) for item in output]
        first = parts[0][0] if parts and parts[0] else None
        return [a for part in parts for a in part if first is not None and len(a) == len(first)]
    return [output] if isinstance(output, numpy.ndarray) else []  # (a transformer's batch: not an array)


def measured(outputs: list) -> set[tuple[int, int]]:
    """(numbers, bytes) per row of each recorded output (rows: the leading dimension)."""
    found = set()
    for output in outputs:
        arrays = [a for a in _arrays(output) if len(a)]
        if not arrays:
            continue
        if isinstance(output, tuple):  # one row is the same row of every part
            found.add((sum(int(numpy.prod(a.shape[1:])) for a in arrays),
                       sum(int(numpy.prod(a.shape[1:])) * a.itemsize for a in arrays)))
        else:
            found |= {(int(numpy.prod(a.shape[1:])), int(numpy.prod(a.shape[1:])) * a.itemsize) for a in arrays}
    return found


def _pairs(predicted: cost.LayerCost, model):
    """(layer cost, built node) walked together: the static tree is the built tree, but a
    one-layer chain, which Thinc's chain returns as that layer."""
    stack = [(predicted, model)]
    while stack:
        lc, node = stack.pop()
        while lc.layer.op == "chain" and len(lc.children) == 1 and len(node.layers) != 1:
            lc = lc.children[0]
        yield lc, node
        if lc.layer.op == "transformer":
            continue
        assert len(lc.children) == len(node.layers), (lc.layer.name, node.name)
        stack.extend(zip(lc.children, node.layers))


def assert_costs_are_measured(predicted: cost.LayerCost, model, recorded: dict, sizes: dict) -> int:
    """Every layer's numbers and bytes per output row are what its forward made; each layer's
    own FLOPs are 2 per weight it multiplies by; returns how many layers were compared."""
    compared = 0
    for lc, node in _pairs(predicted, model):
        if lc.layer.flow == "leaf" and lc.layer.name != "static_vectors":
            assert lc.layer.name == node.name
        outputs = recorded.get(id(node), [])
        if outputs and lc.numbers is not None and lc.layer.op not in ("tuplify",):
            want = (known(lc.numbers, sizes), known(lc.bytes, sizes))
            got = measured(outputs)
            if got:
                assert got == {want}, f"{lc.layer.name}: predicted {want} numbers, bytes per row, measured {got}"
                compared += 1
        own = {rows: known(v, sizes) for rows, v in lc.own_flops.items()}
        if lc.layer.op in MULTIPLIED:
            weights = node.get_param(MULTIPLIED[lc.layer.op])
            assert list(own.values()) == [2 * weights.size], (lc.layer.name, own, weights.shape)
        elif lc.layer.op == "pytorch_lstm":
            matrices = [p for name, p in node.shims[0]._model.named_parameters() if name.startswith("weight")]
            assert own == {lc.rows_in: 2 * sum(p.numel() for p in matrices)}
        elif lc.layer.op in ("sparse_linear", "sparse_linear_v2"):
            assert own == {"n-grams": 2 * node.get_dim("nO")}
        elif lc.layer.flow == "leaf":
            assert own == {}, lc.layer.name  # the rest multiply by no weight
        if lc.layer.op == "hashembed":
            assert lc.gathered == {"tokens": 4 * node.get_param("E").shape[1]}
    return compared


# -- every example, built and run ------------------------------------------------------------------

@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.stem)
def test_every_pipelines_layers_hold_and_compute_what_is_predicted(path: Path) -> None:
    table = _table(6)
    pipeline = build(path, vectors=table, labels={"entity_linker": {"entity_vector_length": 16}}
                     if "entity_linker" in path.stem else None, sample=TEXTS)
    sizes = {name: {**s, "vectors_width": table.width} for name, s in pipeline.sizes.items()}
    graph = Compilation(path, labels=sizes).graph
    costs = cost.components(graph)
    total = 0
    for name, model in pipeline.items():
        recorded = _record(model)
        model.predict(model_input(model, TEXTS))
        total += assert_costs_are_measured(costs[name].cost, model, recorded, sizes[name])
    assert total >= len(pipeline) * 2


def _input(card, model, width: int):
    """What the architecture reads: one array for the first window encoders (and the scorers of
    rows), else what test_build gives each kind (docs, lists of vectors, ragged vectors)."""
    if "WindowEncoder.v1" in card.name or card.returns.startswith("Model[Floats2d"):
        return numpy.random.default_rng(0).uniform(-1, 1, (9, width)).astype("f")
    return _inputs(card, model, width)


def _architecture(path: Path):
    data = Compilation(path).resolved.data
    if "model" not in data:  # not a model: a span getter, an initializer, a knowledge base, an objective
        return None, "", {}
    block = dict(data["model"])
    name = block.pop(next(k for k in block if k.startswith("@")))
    card = default_registry().get("architectures", name) or default_registry().get("layers", name)
    return card, name, block


BUILT = [p for p in ARCHITECTURES if (lambda card: card is not None and card.returns.startswith("Model[")
                                      and "transformers" not in card.name and card.expression is not None
                                      and "Pretrain" not in card.name)(_architecture(p)[0])]


@pytest.mark.parametrize("path", BUILT, ids=lambda p: p.stem)
def test_every_architectures_layers_hold_and_compute_what_is_predicted(path: Path) -> None:
    card, name, block = _architecture(path)
    if name == "spacy.StaticVectors.v2":
        block["nO"] = 8
    table = _table(6)
    model = build_architecture(name, labels=SIZES, vectors=table, **block)
    width = block.get("width", 8)
    X = _input(card, model, width)
    model.initialize(X=X)
    sizes = {**SIZES, "vectors_width": table.width, "tok2vec_width": width}
    layer = Expander(sizes).block({f"@{card.registry}": name, **block}).layer
    recorded = _record(model)
    model.predict(X)
    assert assert_costs_are_measured(cost.interpret(layer), model, recorded, sizes) >= 1


def test_the_comparison_covers_the_vocabulary_and_sees_a_wrong_rule(monkeypatch) -> None:
    assert set(COSTS) <= set(OPS)
    assert len(BUILT) >= 30 and len(PIPELINES) >= 5
    card, name, block = _architecture(ROOT / "examples" / "architectures" / "spacy.MaxoutWindowEncoder.v2.cfg")
    model = build_architecture(name, **block)
    X = _input(card, model, block["width"])
    model.initialize(X=X)
    layer = Expander().block({"@architectures": name, **block}).layer
    recorded = _record(model)
    model.predict(X)
    sizes = {"tok2vec_width": block["width"]}
    assert assert_costs_are_measured(cost.interpret(layer), model, recorded, sizes) >= 5
    monkeypatch.setitem(COSTS, "expand_window", lambda d: COSTS["maxout"]({"nO": 1, "nP": 1, "nI": 1}))
    with pytest.raises(AssertionError):  # a window copied as if it were one vector wide
        assert_costs_are_measured(cost.interpret(layer), model, recorded, sizes)


@settings(max_examples=12, deadline=None)
@given(width=st.integers(1, 24), depth=st.integers(1, 3), window=st.integers(1, 2), pieces=st.integers(1, 3),
       rows=st.integers(10, 200))
def test_window_encoders_of_any_size_are_measured(width, depth, window, pieces, rows) -> None:
    block = {"@architectures": "spacy.HashEmbedCNN.v2", "width": width, "depth": depth, "embed_size": rows,
             "window_size": window, "maxout_pieces": pieces, "subword_features": True, "pretrained_vectors": None}
    model = build_architecture(block.pop("@architectures"), **block)
    docs = model_input(model, TEXTS)
    model.initialize(X=docs)
    layer = Expander().block({"@architectures": "spacy.HashEmbedCNN.v2", **block}).layer
    recorded = _record(model)
    model.predict(docs)
    predicted = cost.interpret(layer)
    assert assert_costs_are_measured(predicted, model, recorded, {}) >= 8
    # the encoder: per token, each block's maxout over the window and its layer norm
    embed = 2 * width * 3 * 4 * width + 2 * width  # the 4 embeddings' reduction (3 pieces) and its norm
    assert predicted.flops == {"tokens": embed + depth * (2 * width * pieces * (2 * window + 1) * width + 2 * width)}


@settings(max_examples=8, deadline=None)
@given(half=st.integers(1, 12), depth=st.integers(1, 3))
def test_bilstms_of_any_size_are_measured(half, depth) -> None:
    pytest.importorskip("torch")
    width = 2 * half
    block = {"width": width, "depth": depth, "dropout": 0.0}
    model = build_architecture("spacy.TorchBiLSTMEncoder.v1", **block)
    X = [numpy.random.default_rng(0).uniform(-1, 1, (n, width)).astype("f") for n in (5, 2)]
    model.initialize(X=X)
    layer = Expander().block({"@architectures": "spacy.TorchBiLSTMEncoder.v1", **block}).layer
    recorded = _record(model)
    model.predict(X)
    predicted = cost.interpret(layer)
    assert assert_costs_are_measured(predicted, model, recorded, {"tok2vec_width": width}) >= 2
    # per token, each layer and direction: 4 gates of `half` from its input and its state
    assert predicted.flops == {"tokens": sum(2 * 2 * 4 * half * (width + half) for _ in range(depth))}


# -- sums, peaks and formulas ----------------------------------------------------------------------

PIPELINE = ROOT / "examples" / "pipeline_cnn.cfg"


def test_a_listener_costs_its_upstream_once_in_the_pipeline() -> None:
    compilation = archwright.compile(PIPELINE, labels={"tagger": {"n_labels": 17}, "parser": {"n_actions": 40},
                                                       "ner": {"n_actions": 14}})
    costs = cost.components(compilation.graph)
    tok2vec, tagger = costs["tok2vec"], costs["tagger"]
    assert tagger.listens_to == ("tok2vec",) and tok2vec.listens_to == ()
    assert tagger.cost.flops == {"tokens": 2 * 96 * 17}  # its softmax only
    total = cost.pipeline_report(costs)
    assert total["flops"]["tokens"] == sum(c.cost.flops["tokens"] for c in costs.values())
    assert total["param_bytes"] == 4 * compilation.graph.total_params().constant
    assert total["training_bytes"] == 4 * total["param_bytes"]
    # the parser: the lower layer precomputes nF·nO·nP per token; a state gathers them, the upper scores it
    parser = costs["parser"].cost
    assert parser.flops == {"tokens": 2 * 96 * 128 + 2 * 8 * 128 * 3 * 128, "states": 2 * 128 * 40}
    assert parser.gathered == {"states": 8 * 128 * 3}


def test_the_peak_follows_the_flow() -> None:
    from archwright.compiler import expr as x
    from archwright.compiler.static import interpret

    def peak(node, width=10):
        return cost.interpret(interpret(node, width), input_bytes=4 * width).peak

    # a chain frees each input once the next layer has read it: the largest step, not the sum
    assert peak(x.chain(x.Linear(20, 10), x.Linear(5, 20))) == (4 * (10 + 20),)
    # a residual keeps its input until the sum: input, the block's output and the sum
    assert peak(x.residual(x.Linear(10, 10))) == (4 * 30,)
    # a concatenation keeps its input and each branch's output until the join
    assert peak(x.concatenate(x.Linear(3, 10), x.Linear(4, 10))) == (4 * (10 + 3 + 4 + 7),)
    # a maxout holds its pieces before the max
    assert peak(x.Maxout(6, 10, nP=3)) == (4 * (10 + 18 + 6),)
    # doc rows are not per token: a pooled model peaks before the pooling
    assert peak(x.chain(x.list2ragged(), x.reduce("mean"), x.Linear(100, 10))) == (4 * 20,)
    retained = cost.interpret(interpret(x.chain(x.Linear(20, 10), x.Linear(5, 20)), 10), input_bytes=40).retained
    assert retained == 4 * (20 + 5)  # every output of the pass, kept for the backward pass


def test_estimates_stay_formulas_until_the_sizes_are_given() -> None:
    costs = cost.components(archwright.compile(PIPELINE).graph)
    assert cost.component_report(costs["tagger"])["flops"] == {"tokens": "192·n_labels"}
    total = cost.pipeline_report(costs)
    assert total["flops"]["states"] == "128·n_actions(ner) + 256·n_actions(parser)"
    # neither candidate is always the larger: both are kept
    assert total["peak_bytes_per_token"] == "max(384 + 4·n_labels(tagger), 12,800)"
    assert cost._most([Count.symbol("a") + 3, Count.symbol("a") + 1, 2]) == (Count.symbol("a") + 3,)


def test_a_transformer_is_from_the_hugging_face_model() -> None:
    costs = cost.components(archwright.compile(ROOT / "examples" / "transformer.cfg").graph)
    report = cost.component_report(costs["transformer"])
    assert report["unknown"] == ["transformer: from the Hugging Face model"]
    assert "transformer_params" in report["param_bytes"]
    tagger = cost.component_report(costs["tagger"])
    assert tagger["unknown"] == [] and costs["tagger"].listens_to == ("transformer",)


# -- where the estimates are shown ----------------------------------------------------------------

def test_graph_nodes_carry_their_own_costs() -> None:
    graph = archwright.compile(PIPELINE, labels={"tagger": {"n_labels": 17}}).graph.layers
    maxouts = [d for _, d in graph.nodes(data=True) if d["name"] == "maxout" and d["component"] == "tok2vec"]
    assert {json.dumps(d["flops"]) for d in maxouts} == {json.dumps({"tokens": 2 * 96 * 3 * 384}),
                                                         json.dumps({"tokens": 2 * 96 * 3 * 288})}
    assert all(d["activations"] == {"per": "tokens", "numbers": 96, "bytes": 384} for d in maxouts)
    embeds = [d for _, d in graph.nodes(data=True) if d["name"] == "hashembed" and d["component"] == "tok2vec"]
    assert embeds and all(d["gathered"] == {"tokens": 4 * 96} and d["flops"] == {} for d in embeds)
    chains = [d for _, d in graph.nodes(data=True) if d["kind"] == "combinator"]
    assert chains and all(d["flops"] == {} for d in chains)  # a node's own, as its params


def test_summary_shows_and_exports_the_estimates(capsys) -> None:
    code, out, _ = run_cli(capsys, "summary", str(PIPELINE), "--component", "parser", "--labels", "parser=3")
    assert code == 0
    assert ("  compute: 811,008 FLOPs per token + 768 per parse state (+ the tok2vec it listens to); gathers 3,072 "
            "floats per parse state\n  memory: peak activations 12.8 kB per token; weights 1.6 MB, 6.6 MB to train "
            "with Adam\n") in out
    code, out, _ = run_cli(capsys, "summary", str(PIPELINE), "--format", "json", "--labels", "tagger=17")
    report = json.loads(out)
    tagger = report["components"]["tagger"]
    assert tagger["cost"]["flops"] == {"tokens": 2 * 96 * 17}
    assert tagger["cost"]["param_bytes"] == 4 * tagger["params"]
    assert tagger["layers"][-1]["activations"] == {"per": "tokens", "numbers": 17, "bytes": 68}
    assert report["cost"]["flops"]["tokens"] == sum(c["cost"]["flops"]["tokens"] for c in report["components"].values())


def test_the_python_api_returns_them() -> None:
    compilation = archwright.compile(PIPELINE, labels={"tagger": {"n_labels": 17}})
    costs = compilation.costs
    assert set(costs) == {"tok2vec", "tagger", "parser", "ner"}
    assert costs["tagger"].cost.flops == {"tokens": 2 * 96 * 17}
    assert archwright.compile("[x]\ny = ${z}\n").costs is None


def test_the_layers_around_a_transformer_hold_what_is_predicted(tmp_path: Path) -> None:
    """A tiny BERT made on the spot (tests/test_build_transformers.py): its own cost stays
    unknown, the pooling, listeners and tagger after it are measured like any layer."""
    pytest.importorskip("transformers")
    from test_build_transformers import _pipeline_config, _save_tiny_bert

    from archwright.compiler.thinc.transformers import model_sizes

    tiny = _save_tiny_bert(tmp_path / "tiny-bert")
    text = _pipeline_config(tiny)
    pipeline = build(text, labels={"tagger": {"n_labels": 5}}, sample=TEXTS)
    sizes = {"transformer": model_sizes(tiny), "tagger": {"n_labels": 5, **model_sizes(tiny)},
             "tok2vec": model_sizes(tiny)}
    costs = cost.components(Compilation(text, labels=sizes).graph)
    compared = 0
    for name, model in pipeline.items():
        recorded = _record(model)
        model.predict(model_input(model, TEXTS))
        compared += assert_costs_are_measured(costs[name].cost, model, recorded, sizes[name])
        assert costs[name].cost.opaque == (() if name == "tagger" else ("transformer: from the Hugging Face model",))
    assert compared >= 5


def test_thincs_forward_holds_what_the_estimates_say() -> None:
    """Measured with tracemalloc (numpy reports its arrays to it) on one long doc, per token:
    no forward can hold less than the flow's peak, nor more than a training pass keeps
    (`retained`); Thinc's combinators keep every layer's callback (and so its arrays) until they
    return, so a model of combinators holds about what `retained` counts (a listener runs its
    upstream here: both are counted). The parser's model lets its tok2vec's arrays go before it
    precomputes its features, so it holds the larger of the two, not their sum."""
    import tracemalloc

    sizes = {"tagger": {"n_labels": 17}, "parser": {"n_actions": 40}, "ner": {"n_actions": 14}}
    pipeline = build(PIPELINE, labels=sizes)
    costs = archwright.compile(PIPELINE, labels=sizes).costs
    text = " ".join(["The quick brown fox jumps over the lazy dog near Berlin in May ."] * 300)
    for name, model in pipeline.items():
        docs = model_input(model, [text])
        model.predict(model_input(model, ["warm up ."]))
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            model.predict(docs)
            held = (tracemalloc.get_traced_memory()[1] - before) / len(docs[0])
        finally:
            tracemalloc.stop()
        estimate = costs[name].cost
        retained = estimate.retained + sum(costs[u].cost.retained for u in costs[name].listens_to)
        assert max(estimate.peak) <= held <= 1.25 * retained, (name, estimate.peak, held, retained)
        if model.name != "parser_model":
            assert 0.8 <= retained / held, (name, retained, held)


def test_a_layer_whose_dims_are_not_known_has_an_unknown_cost() -> None:
    from archwright.compiler.static import Layer

    tree = Layer("chain", {}, children=(Layer("maxout", {"nO": 4, "nP": None, "nI": 3}, op="maxout"),
                                        Layer("extract_features", {}, op="extract_features")), op="chain",
                 flow="sequence")
    estimate = cost.interpret(tree)
    assert estimate.flops == {} and estimate.opaque == ("maxout: its dims are not known",
                                                        "extract_features: its dims are not known")
