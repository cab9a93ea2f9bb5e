"""Rendering the layer graph: DOT at every level, JSON node-link, SVG/PNG only with `dot`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest

import archwright
from archwright.cli import main
from archwright.compiler.compilation import Compilation
from archwright.render import LEVELS, RenderError, to_dot, to_json, write
from conftest import REAL, needs_shared, oracle_rows

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "examples" / "pipeline_cnn.cfg"
EXAMPLES = sorted((ROOT / "examples").rglob("*.cfg"))


def test_dot_at_each_level() -> None:
    graph = archwright.compile(PIPELINE, labels={"tagger": {"n_labels": 6}}).graph
    pipeline = to_dot(graph, "pipeline")
    assert 'tok2vec -> tagger [label="width 96" style=dashed]' in pipeline
    assert "tagger\\ntagger (spacy.Tagger.v2)\\n582 parameters" in pipeline
    blocks = to_dot(graph, "blocks")
    assert '"components.tok2vec.model.embed" -> "components.tok2vec.model" [label=embed]' in blocks
    layers = to_dot(graph, "layers", "tagger")
    assert "subgraph cluster_tagger" in layers
    assert 'label="softmax\\nnO=6, nI=96\\n582 parameters"' in layers
    assert '"tagger/0" -> "tagger/1" [label=96]' in layers


def test_json_is_node_link_and_round_trips() -> None:
    graph = archwright.compile(PIPELINE).graph
    data = json.loads(to_json(graph, "pipeline"))
    rebuilt = nx.node_link_graph(data, edges="edges")
    assert list(rebuilt.nodes) == ["tok2vec", "tagger", "parser", "ner"]
    assert rebuilt.nodes["tagger"]["params"] == "97·n_labels"


def test_svg_and_png_need_the_dot_program(tmp_path: Path) -> None:
    graph = archwright.compile(PIPELINE).graph
    for suffix in (".svg", ".png"):
        out = tmp_path / f"g{suffix}"
        if shutil.which("dot") is None:
            with pytest.raises(RenderError, match="needs Graphviz's `dot` program"):
                write(graph, out)
            assert not out.exists()
        else:
            write(graph, out)
            assert out.stat().st_size > 0
    with pytest.raises(RenderError, match="unknown output format"):
        write(graph, tmp_path / "g.gif")


def test_graph_command(tmp_path: Path, capsys) -> None:
    out = tmp_path / "g.dot"
    assert main(["graph", str(PIPELINE), "-o", str(out), "--level", "blocks"]) == 0
    assert out.read_text().startswith("digraph archwright {")
    assert main(["graph", str(PIPELINE), "-o", str(out), "--component", "nope"]) == 1
    assert "no component `nope`" in capsys.readouterr().err


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_example_compiles_at_every_level(path: Path) -> None:
    graph = archwright.compile(path).graph
    assert graph is not None
    for level in LEVELS:
        assert to_dot(graph, level).startswith("digraph archwright {")
        json.loads(to_json(graph, level))


CLEAN = [row["file"] for row in oracle_rows() if row["spacy_load"]["status"] == "ok"]


@needs_shared
@pytest.mark.parametrize("name", CLEAN)
def test_every_real_config_spacy_loads_compiles(name: str) -> None:
    compilation = Compilation(Path(REAL / name))
    graph = compilation.graph
    assert graph is not None and list(graph.pipeline.nodes) == list(graph.components)
    for level in LEVELS:
        assert to_dot(graph, level)
