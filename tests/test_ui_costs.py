"""The explorer's cost charts (ui/costs.py), headless: the data each chart is drawn from, read
back from the page, is the compiler's estimates (compiler/cost.py), per component and per layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import archwright
from archwright.compiler.dims import count
from archwright.ui import examples

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "archwright" / "ui" / "app.py"
CNN = ROOT / "examples" / "pipeline_cnn.cfg"


@pytest.fixture
def at(monkeypatch) -> AppTest:
    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    from archwright.ui import inpage

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    # a session's first run draws the pipeline alone; the browser then asks for the rest of the
    # page (AppTest runs no JS: say so, as tests/test_ui.py does)
    at.session_state[inpage.DRAWN] = True
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at: AppTest) -> dict[tuple[str, ...], list[dict]]:
    """Each bar chart's data by its columns, as rows."""
    import pyarrow

    out = {}
    for chart in at.get("vega_lite_chart"):
        frame = pyarrow.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
        out[tuple(frame.columns)] = frame.to_dict("records")
    return out


def test_the_pipelines_compute_and_memory_are_charted_per_component(at: AppTest) -> None:
    costs = archwright.compile(CNN).costs
    charts = _charts(at)
    flops = charts[("component", "per", "FLOPs")]
    names = {"tokens": "token", "states": "parse state"}
    assert {(r["component"], r["per"]): r["FLOPs"] for r in flops} == {
        (name, names[rows]): count(value).constant for name, c in costs.items() for rows, value in c.cost.flops.items()}
    memory = charts[("component", "color -- streamlit-generated", "value -- streamlit-generated")]
    weights = {r["component"]: r["value -- streamlit-generated"] for r in memory
               if r["color -- streamlit-generated"] == "weights (MB)"}
    training = {r["component"]: r["value -- streamlit-generated"] for r in memory
                if r["color -- streamlit-generated"] == "to train with Adam (MB)"}
    assert weights == {name: count(c.cost.param_bytes).constant / 1e6 for name, c in costs.items()}
    assert training == {name: 4 * weights[name] for name in weights}
    assert weights["tok2vec"] == 4 * 1_500_768 / 1e6
    captions = " ".join(c.value for c in at.caption)
    assert "tagger: 192·n_labels FLOPs per token" in captions  # what the bars cannot show whole


def test_a_components_layers_are_charted(at: AppTest) -> None:
    at.selectbox(key="component").select("parser").run()
    assert "What parser costs, by layer" in [s.value for s in at.subheader]
    charts = _charts(at)
    parser = archwright.compile(CNN).costs["parser"].cost
    leaves = [(i, c) for i, c in enumerate(parser.walk()) if not c.children]
    flops = {r["layer"]: (r["per"], r["FLOPs"]) for r in charts[("layer", "per", "FLOPs")]}
    assert flops == {f"{i:02d} {c.layer.name}": ({"tokens": "token", "states": "parse state"}[rows],
                                                 count(v).constant)
                     for i, c in leaves for rows, v in c.own_flops.items()}
    assert flops["05 precomputable_affine"] == ("token", 2 * 8 * 128 * 3 * 128)
    held = {r["layer"]: r["bytes"] for r in charts[("layer", "per", "bytes")]}
    assert held["05 precomputable_affine"] == 4 * 8 * 128 * 3  # every token's features, precomputed
    assert held["02 tok2vec-listener"] == 4 * 96
    captions = " ".join(c.value for c in at.caption)
    assert "Peak of live activations: 12.8 kB per token" in captions and "(+ what tok2vec computes)" in captions


def test_a_transformers_cost_is_not_guessed(at: AppTest) -> None:
    at.sidebar.selectbox(key="example").select("transformer.cfg").run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    # the transformer (the first component, shown by default): its FLOPs are the Hugging Face model's
    assert "Compute: unknown (+ the transformer's, from the Hugging Face model)" in captions
    assert "transformer: the transformer's, from the Hugging Face model" in captions  # left out of the bars
