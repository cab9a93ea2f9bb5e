"""IR-4: the layer graph at three levels, `archwright.compile`, and `archwright summary`."""

from __future__ import annotations

import json
from pathlib import Path

import archwright
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
    table = graph.layers.nodes["tok2vec/0/1"]
    assert table == {"name": "hashembed", "component": "tok2vec", "block": "components.tok2vec.model.embed",
                     "dims": {"nO": 96, "nV": 1000}, "params": "96,000", "output": "(tokens, 96)", "receptive_field": 1}
    assert graph.layers.nodes["tok2vec/1/3"]["block"] == "components.tok2vec.model.encode"
    assert graph.layers.nodes["tok2vec/1/3"]["receptive_field"] == 9
    assert graph.layers.edges["tagger", "tagger/1"] == {"kind": "contains", "width": 6}
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
    assert set(report) == {"components", "total_params"}
    for component in report["components"].values():
        assert set(component) == {"architecture", "params", "output_width", "receptive_field", "layers"}
        assert all(set(layer) == {"name", "path", "dims", "params", "output", "receptive_field"}
                   for layer in component["layers"])
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
