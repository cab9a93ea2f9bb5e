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
from archwright.present.render import LEVELS, RenderError, to_dot, to_json, write
from conftest import REAL, needs_shared

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "examples" / "pipeline_cnn.cfg"
EXAMPLES = sorted((ROOT / "examples").rglob("*.cfg"))


def test_dot_at_each_level() -> None:
    graph = archwright.compile(PIPELINE, labels={"tagger": {"n_labels": 6}}).graph
    pipeline = to_dot(graph, "pipeline")
    assert 'tok2vec -> tagger [label="width 96" style=dashed]' in pipeline
    assert "tagger\\ntagger (spacy.Tagger.v2)\\n582 parameters" in pipeline
    blocks = to_dot(graph, "blocks")
    assert '"components.tok2vec.model.embed" -> "components.tok2vec.model" [label="embed (96)"]' in blocks
    assert "spacy.MaxoutWindowEncoder.v2\\nModel[List[Floats2d], List[Floats2d]]\\n333,696 parameters, width 96" \
        in blocks
    layers = to_dot(graph, "layers", "tagger")
    assert "subgraph cluster_tagger" in layers
    assert 'label="softmax\\nnO=6, nI=96\\n582 parameters"' in layers
    assert 'label="tok2vec-listener\\nnO=96\\n0 parameters\\nsees 9 tokens"' in layers
    assert '"tagger/0" -> "tagger/1/0" [label=96]' in layers


def test_json_is_node_link_and_round_trips() -> None:
    graph = archwright.compile(PIPELINE).graph
    data = json.loads(to_json(graph, "pipeline"))
    rebuilt = nx.node_link_graph(data, edges="edges")
    assert list(rebuilt.nodes) == ["tok2vec", "tagger", "parser", "ner"]
    assert rebuilt.nodes["tagger"]["params"] == "97·n_labels"


def test_svg_and_png(tmp_path: Path) -> None:
    assert shutil.which("dot"), "Graphviz's `dot` is missing: scripts/install-system-packages.sh installs it"
    graph = archwright.compile(PIPELINE).graph
    write(graph, tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text() and "precomputable_affine" in (tmp_path / "g.svg").read_text()
    write(graph, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(RenderError, match="unknown output format"):
        write(graph, tmp_path / "g.gif")


def test_without_dot_svg_and_png_say_what_to_install(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = archwright.compile(PIPELINE).graph
    for suffix in (".svg", ".png"):
        out = tmp_path / f"g{suffix}"
        with pytest.raises(RenderError, match="needs Graphviz's `dot` program"):
            write(graph, out)
        assert not out.exists()
    assert main(["graph", str(PIPELINE), "-o", str(tmp_path / "g.svg")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_graph_command(tmp_path: Path, capsys) -> None:
    out = tmp_path / "g.dot"
    assert main(["graph", str(PIPELINE), "-o", str(out), "--level", "blocks"]) == 0
    assert out.read_text().startswith("digraph archwright {")
    assert main(["graph", str(PIPELINE), "-o", str(out), "--component", "nope"]) == 1
    assert "no component `nope`" in capsys.readouterr().err


def _summary_and_graph_work(path: Path, out: Path, formats: tuple[str, ...]) -> None:
    """`summary` in both formats, and `graph` in each format at every level, through the CLI."""
    assert main(["summary", str(path)]) == 0
    assert main(["summary", str(path), "--format", "json"]) == 0
    for level in LEVELS:
        for fmt in formats:
            target = out / f"{level}.{fmt}"
            assert main(["graph", str(path), "-o", str(target), "--level", level]) == 0, (level, fmt)
            assert target.stat().st_size > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_example_summarises_and_renders_in_every_format(path: Path, tmp_path: Path, capsys) -> None:
    graph = archwright.compile(path).graph
    assert graph is not None and all(model.expansion for model in graph.components.values())
    _summary_and_graph_work(path, tmp_path, ("dot", "json", "svg", "png"))
    for level in LEVELS:
        json.loads((tmp_path / f"{level}.json").read_text())
        assert (tmp_path / f"{level}.dot").read_text().startswith("digraph archwright {")


ACCEPTED = [p.name for p in sorted(REAL.glob("*.cfg")) if Compilation(p).ok] if REAL.is_dir() else []


@needs_shared
@pytest.mark.parametrize("name", ACCEPTED)
def test_every_real_config_the_checker_accepts_summarises_and_renders(name: str, tmp_path: Path, capsys) -> None:
    graph = Compilation(Path(REAL / name)).graph
    assert graph is not None and list(graph.pipeline.nodes) == list(graph.components)
    # DOT and JSON at every level; SVG and PNG (a run of `dot` each) at the default level
    _summary_and_graph_work(REAL / name, tmp_path, ("dot", "json"))
    for fmt in ("svg", "png"):
        assert main(["graph", str(REAL / name), "-o", str(tmp_path / f"g.{fmt}")]) == 0
