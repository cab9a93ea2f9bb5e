"""IR-4: the layer graph at three levels, `archwright.compile`, and `archwright summary`."""

from __future__ import annotations

import json
from pathlib import Path

import archwright
import networkx as nx
from archwright.cli import main
from archwright.compiler.graph import summary

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "examples" / "pipeline_cnn.cfg"
SIZES = {"tagger": {"n_labels": 6}, "parser": {"n_actions": 3}, "ner": {"n_actions": 14}}


def test_three_levels_with_listener_edges() -> None:
    graph = archwright.compile(PIPELINE).graph
    assert list(graph.pipeline.nodes) == ["tok2vec", "tagger", "parser", "ner"]
    listeners = {(a, b) for a, b, kind in graph.pipeline.edges(data="kind") if kind == "listener"}
    assert listeners == {("tok2vec", "tagger"), ("tok2vec", "parser"), ("tok2vec", "ner")}
    assert graph.blocks.has_edge("components.tok2vec.model", "components.tok2vec.model.embed")
    assert graph.blocks.nodes["components.tagger.model.tok2vec"]["architecture"] == "spacy.Tok2VecListener.v1"
    assert {data["name"] for _, data in graph.layers.nodes(data=True)} >= {"hashembed", "maxout", "softmax",
                                                                        "precomputable_affine"}


def test_nodes_and_edges_carry_paths_types_widths_and_fields() -> None:
    graph = archwright.compile(PIPELINE, labels=SIZES).graph
    encode = graph.blocks.nodes["components.tok2vec.model.encode"]
    assert encode == {"architecture": "spacy.MaxoutWindowEncoder.v2", "returns": "Model[List[Floats2d], List[Floats2d]]",
                      "line": 42, "column": 2, "width": 96, "params": "333,696", "receptive_field": 9}
    assert graph.blocks.edges["components.tagger.model", "components.tagger.model.tok2vec"] == {
        "argument": "tok2vec", "type": "Model[List[Doc], List[Floats2d]]", "width": 96}
    layers = graph.layers
    table = layers.nodes["tok2vec/0/2/0/1/1"]  # embed's chain > with_array > concatenate > NORM's chain > table
    assert table == {"kind": "layer", "name": "hashembed", "label": "hashembed", "component": "tok2vec",
                     "block": "components.tok2vec.model.embed", "dims": {"nO": 96, "nV": 1000}, "params": 96_000,
                     "output": "(tokens, 96)", "receptive_field": 1,
                     # a lookup of 4 hashed rows per token: memory traffic, no FLOPs (compiler/cost.py)
                     "flops": {}, "gathered": {"tokens": 4 * 96},
                     "activations": {"per": "tokens", "numbers": 96, "bytes": 4 * 96}}
    assert layers.nodes["tok2vec/1/0"]["block"] == "components.tok2vec.model.encode"


def test_the_layer_graph_is_the_dataflow() -> None:
    """Concatenated branches fan out from one input and join; a residual block adds a skip edge;
    a repeat is drawn once unless expanded; a listener reads its upstream's output."""
    graph = archwright.compile(PIPELINE, labels=SIZES).graph.layers
    data = nx.DiGraph((a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "data")
    join = "tok2vec/0/2/0/join"
    assert graph.nodes[join]["name"] == "concatenate"
    tables = sorted(data.predecessors(join))
    assert [graph.nodes[n]["name"] for n in tables] == ["hashembed"] * 4
    assert {next(iter(data.predecessors(next(iter(data.predecessors(n)))))) for n in tables} == {"tok2vec/0/1"}
    assert [graph.edges[join, n]["width"] for n in data.successors(join)] == [384]  # 4 x 96 into the maxout
    encoder = graph.nodes["tok2vec/1/0"]
    assert (encoder["name"], encoder["repeat"], encoder["collapsed"]) == ("clone", 4, True)
    residual = "tok2vec/1/0/0/join"
    assert graph.nodes[residual]["name"] == "add" and data.in_degree(residual) == 2
    assert nx.is_directed_acyclic_graph(data)
    for component in ("tok2vec", "tagger", "parser", "ner"):
        assert nx.has_path(data, f"{component}/input", f"{component}/output")
    listener = next(n for n, d in graph.nodes(data=True) if d["name"] == "tok2vec-listener" and d["component"] == "tagger")
    assert graph.edges["tok2vec/output", listener] == {"kind": "data", "listener": True, "width": 96}
    expanded = archwright.compile(PIPELINE, labels=SIZES).checked
    from archwright.compiler.graph import lower
    full = lower(expanded, archwright.compile(PIPELINE).resolved, SIZES, expand=True).layers
    assert sum(1 for _, d in full.nodes(data=True) if d["name"] == "add" and d["component"] == "tok2vec") == 4


def test_listener_widths_on_the_pipeline_graph() -> None:
    graph = archwright.compile(PIPELINE, labels=SIZES).graph
    assert graph.pipeline.edges["tok2vec", "tagger"]["width"] == 96


def test_counts_stay_formulas_until_the_sizes_are_given() -> None:
    symbolic = summary(archwright.compile(PIPELINE).graph)
    assert symbolic["components"]["tagger"]["params"] == "97·n_labels"
    assert symbolic["components"]["parser"]["params"] == "409,088 + 129·n_actions"
    assert symbolic["total_params"] == ("1,941,152 + 65·n_actions(ner) + 129·n_actions(parser) + "
                                        "97·n_labels(tagger)")
    exact = summary(archwright.compile(PIPELINE, labels=SIZES).graph)
    # the shared tok2vec is counted once: listeners hold no weights
    assert {name: c["params"] for name, c in exact["components"].items()} == {
        "tok2vec": 1_500_768, "tagger": 582, "parser": 409_475, "ner": 32_206}
    assert exact["total_params"] == 1_500_768 + 582 + 409_475 + 32_206
    assert {c["receptive_field"] for c in exact["components"].values()} == {9}


def test_summary_json_contract(capsys) -> None:
    words = ["summary", str(PIPELINE), "--format", "json", "--labels", "tagger=6", "--labels", "parser=3",
             "--labels", "ner=14"]
    assert main(words) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"components", "total_params", "cost"}
    assert set(report["cost"]) == {"flops", "gathered", "peak_bytes_per_token", "param_bytes", "training_bytes",
                                   "unknown"}
    for component in report["components"].values():
        assert set(component) == {"architecture", "params", "output_width", "receptive_field", "layers", "cost"}
        assert set(component["cost"]) == {"flops", "gathered", "peak_bytes_per_token", "retained_bytes_per_token",
                                          "param_bytes", "training_bytes", "listens_to", "unknown"}
        assert all(set(layer) == {"name", "path", "dims", "params", "output", "receptive_field", "flops", "gathered",
                                  "activations"} for layer in component["layers"])
    tok2vec = report["components"]["tok2vec"]
    # each residual window block widens the view by one token a side (window 1, depth 4)
    blocks = [(layer["output"], layer["receptive_field"]) for layer in tok2vec["layers"] if layer["name"] == "residual"]
    assert blocks == [("(tokens, 96)", 3), ("(tokens, 96)", 5), ("(tokens, 96)", 7), ("(tokens, 96)", 9)]
    assert report["components"]["tagger"]["layers"][0]["output"] == "(tokens, 6)"
    assert tok2vec["layers"][0]["params"] == tok2vec["params"] == 1_500_768  # a layer counts what it holds
    assert report["total_params"] == 1_943_031


def test_summary_table_and_errors(capsys) -> None:
    assert main(["summary", str(PIPELINE), "--component", "tagger"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tagger (spacy.Tagger.v2): 97·n_labels parameters, output width n_labels, "
                          "receptive field 9 tokens")
    assert main(["summary", str(PIPELINE), "--component", "tagr"]) == 1
    assert "no component `tagr`" in capsys.readouterr().err
    assert main(["summary", str(PIPELINE), "--labels", "nope=3"]) == 1
    broken = ROOT / "docs" / "broken_example.cfg"
    assert main(["summary", str(broken)]) == 1
    assert "AW208" in capsys.readouterr().err


def test_a_transformers_width_is_one_symbol_across_its_listeners(capsys) -> None:
    transformer = ROOT / "examples" / "transformer.cfg"
    report = summary(archwright.compile(transformer).graph)
    assert "hidden_width(transformer)·n_labels(tagger)" in report["total_params"]
    assert "hidden_width(tagger)" not in report["total_params"]
    given = summary(archwright.compile(transformer, labels={"transformer": {"hidden_width": 768}}).graph)
    assert given["components"]["tagger"]["params"] == "769·n_labels"
