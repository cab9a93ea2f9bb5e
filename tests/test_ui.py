"""The Streamlit explorer, headless (streamlit.testing AppTest): every page and interaction,
asserting on what is rendered (the DOT of the graphs, table rows, diagnostics with their lines).
Expected figures come from archwright's own compiler, not from hard-coded numbers."""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import archwright
from archwright.compiler.architectures import FAMILIES, SPEC_CARDS
from archwright.compiler.graph import summary
from archwright.ui import examples, views

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "archwright" / "ui" / "app.py"
CNN = ROOT / "examples" / "pipeline_cnn.cfg"
BROKEN = ROOT / "docs" / "broken_example.cfg"
FAMILY_OF = {card.name: family.FAMILY for family in FAMILIES for card in family.CARDS}


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)  # 3 s default is too tight on busy CI cores
    at.run()
    assert not at.exception, at.exception
    return _first_graph_drawn(at)


def _first_graph_drawn(at: AppTest) -> AppTest:
    """What the browser does once it has drawn a session's first graph (AppTest runs no JS): say
    so, which runs the rest of the page."""
    from archwright.ui import inpage

    if inpage.DRAWN not in at.session_state:
        at.session_state[inpage.DRAWN] = True
        at.run()
        assert not at.exception, at.exception
    return at


@contextmanager
def _audited(*events: str) -> Iterator[list[str]]:
    """The first argument (a path, a module name) of each audit event of `events` raised inside."""
    seen: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event in events:
            seen.append(str(args[0]))

    sys.addaudithook(hook)  # cannot be removed: `watching` switches it off after the block
    try:
        yield seen
    finally:
        watching[0] = False


@pytest.fixture
def at(monkeypatch) -> AppTest:
    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    return _app()


def _dots(at: AppTest) -> list[str]:
    """The DOT of every graph drawn: Streamlit's charts, then the explorer's own graph views."""
    views_ = [json.loads(c.proto.json)["dot"] for c in at.get("bidi_component")
              if c.proto.component_name == "archwright_graph"]
    return [chart.proto.spec for chart in at.get("graphviz_chart")] + views_


def _editor(at: AppTest) -> dict:
    """The arguments the editor was drawn with (its text, annotations and markers)."""
    editor = [c for c in at.get("component_instance") if c.proto.component_name.startswith("code_editor")]
    assert len(editor) == 1
    return json.loads(editor[0].proto.json_args)


def _charts(at: AppTest) -> list:
    """The data of each bar chart, as DataFrames."""
    import pyarrow

    return [pyarrow.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
            for chart in at.get("vega_lite_chart")]


def _table(at: AppTest, column: str):
    """The table that has this column (component, path, argument)."""
    return next(frame.value for frame in at.table if column in frame.value.columns)


def _paste(at: AppTest, text: str) -> AppTest:
    at.sidebar.radio(key="source").set_value("Paste text").run()
    at.sidebar.text_area(key="paste").input(text).run()
    assert not at.exception, at.exception
    return at


def _cnn_summary(**kwargs) -> dict:
    return summary(archwright.compile(CNN, **kwargs).graph)["components"]


# -- config explorer -------------------------------------------------------------------------------

def test_the_explorer_opens_on_the_four_component_pipeline(at: AppTest) -> None:
    assert at.title[0].value == "Config explorer"
    assert at.sidebar.radio(key="page").value == "Config explorer"
    assert at.sidebar.selectbox(key="example").value == "pipeline_cnn.cfg"
    assert len(at.error) == 0 and len(at.warning) == 0
    pipeline, layers = _dots(at)
    for name in ("tok2vec", "tagger", "parser", "ner"):
        assert f"\t{name} [label=" in pipeline
        if name != "tok2vec":  # listener edges carry the width they receive
            assert f'tok2vec -> {name} [label="width 96" style=dashed]' in pipeline
    expected = _cnn_summary()
    components = _table(at, "component")
    assert list(components["component"]) == list(expected)
    assert list(components["parameters"]) == [
        f"{row['params']:,}" if isinstance(row["params"], int) else row["params"] for row in expected.values()]
    assert list(components["receptive field"]) == ["9 tokens"] * 4
    # the layer DAG of the first component: its hash tables, edges labelled with widths
    assert '"tok2vec/0/2/0/0/1" [label="hashembed' in layers and "[label=96]" in layers
    shapes = _table(at, "path")
    assert [row.strip("\u2003") for row in shapes["layer"]] == [layer["name"] for layer in expected["tok2vec"]["layers"]]
    assert shapes["output shape"][0] == "(tokens, 96)"
    assert shapes["receptive field"][0] == "9 tokens"


def test_choosing_a_component_shows_its_layers_shapes_and_parameters(at: AppTest) -> None:
    at.selectbox(key="component").select("parser").run()
    assert "Layers of parser" in [s.value for s in at.subheader]
    layers = _dots(at)[1]
    assert "precomputable_affine" in layers and "hashembed" not in layers
    expected = _cnn_summary()["parser"]["layers"]
    shapes = _table(at, "path")
    assert list(shapes["path"]) == [layer["path"] for layer in expected]
    charts = _charts(at)[:2]  # (the cost charts that follow: tests/test_ui_costs.py)
    assert [list(frame.columns)[:2] for frame in charts] == [["component", "parameters"], ["layer", "parameters"]]
    constant = {name: archwright.compile(CNN).graph.components[name].params.constant for name in _cnn_summary()}
    assert dict(zip(charts[0]["component"], charts[0]["parameters"])) == constant  # by component
    assert "precomputable_affine" in " ".join(charts[1]["layer"])  # by layer of the parser
    assert any("precomputable_affine" in caption.value or "n_actions" in caption.value for caption in at.caption)


def test_every_bundled_example_opens_without_error(at: AppTest) -> None:
    names = at.sidebar.selectbox(key="example").options
    assert "pipeline_cnn.cfg" in names and len(names) >= len(SPEC_CARDS) + 1
    for name in names:
        at.sidebar.selectbox(key="example").select(name).run()
        assert not at.exception, (name, at.exception)
        assert [e.value for e in at.error] == [], name
        assert at.caption[0].value == f"Bundled example `{name}`"
        assert _editor(at)["code"] == examples.bundled()[name]  # opened in the editor
        assert _dots(at), f"{name}: no graph drawn"


def test_overrides_recompute_everything(at: AppTest) -> None:
    at.number_input(key="ov:components.tok2vec.model.encode.depth").set_value(8).run()
    at.number_input(key="ov:components.tok2vec.model.encode.width").set_value(128).run()
    expected = _cnn_summary(overrides={"components.tok2vec.model.encode.depth": 8,
                                       "components.tok2vec.model.encode.width": 128})
    components = _table(at, "component")
    assert components["parameters"][0] == f"{expected['tok2vec']['params']:,}"
    assert list(components["receptive field"]) == ["17 tokens"] * 4  # 2 * 1 * 8 + 1
    pipeline = _dots(at)[0]
    assert 'tok2vec -> parser [label="width 128" style=dashed]' in pipeline
    assert f"{expected['tok2vec']['params']:,} parameters" in pipeline


def test_label_counts_make_counts_exact(at: AppTest) -> None:
    at.number_input(key="size:tagger:n_labels").set_value(17).run()
    expected = _cnn_summary(labels={"tagger": {"n_labels": 17}})["tagger"]["params"]
    assert isinstance(expected, int)
    assert _table(at, "component")["parameters"][1] == f"{expected:,}"


def test_opening_another_config_resets_its_fields(at: AppTest) -> None:
    at.number_input(key="ov:components.tok2vec.model.encode.depth").set_value(2).run()
    at.sidebar.selectbox(key="example").select("spancat.cfg").run()
    at.sidebar.selectbox(key="example").select("pipeline_cnn.cfg").run()
    assert at.number_input(key="ov:components.tok2vec.model.encode.depth").value == 4


def test_a_broken_config_shows_its_diagnostics_at_their_lines(at: AppTest) -> None:
    text = BROKEN.read_text(encoding="utf-8")
    _paste(at, text)
    expected = sorted(archwright.validate(text), key=lambda d: (d.span.line, d.span.column))
    shown = [e.value for e in at.error] + [w.value for w in at.warning]
    assert len(shown) == len(expected)
    for d in expected:
        assert any(s.startswith(f"Line {d.span.line}, column {d.span.column} · {d.code}: ") for s in shown), d
    assert any(s.startswith("Line 15, column 11 · AW201: `${training.dropuot}`") for s in shown)
    source = at.code[0].value  # the diagnostics drawn under the source lines
    assert "     15 | dropout = ${training.dropuot}" in source and "^^^^^^^^^^^^^^^^^^^" in source
    editor = _editor(at)  # and in the editor: a gutter marker and a tinted line each
    assert editor["code"] == text
    assert sorted((a["row"] + 1, a["text"].split(":")[0]) for a in editor["props"]["annotations"]) == \
        sorted((d.span.line, d.code) for d in expected)
    assert {m["startRow"] + 1 for m in editor["props"]["markers"]} == {d.span.line for d in expected}


def test_pasted_text_over_the_cap_is_refused_with_a_message(at: AppTest) -> None:
    _paste(at, "[a]\nb = 1\n" + "# filler\n" * (views.MAX_INPUT_BYTES // 9 + 1))
    assert "the explorer reads at most" in at.error[0].value
    assert _dots(at) == []


def test_an_encoder_too_deep_to_expand_is_refused_before_it_is_expanded(at: AppTest) -> None:
    example = next(c for c in SPEC_CARDS if c.name == "spacy.MaxoutWindowEncoder.v2").example
    _paste(at, example.replace("depth = 4", "depth = 5000"))  # the compiler allows it; the page does not
    assert any("expands at most" in w.value for w in at.warning)
    assert _dots(at) == []
    _paste(at, example.replace("depth = 4", "depth = 300000000"))  # refused by the compiler itself
    assert any("AW310" in e.value for e in at.error)
    assert _dots(at) == []


def test_an_uploaded_file_is_explored(at: AppTest) -> None:
    at.sidebar.radio(key="source").set_value("Upload a file").run()
    assert "Upload a spaCy config" in at.info[0].value
    at.sidebar.file_uploader(key="upload").set_value(("mine.cfg", CNN.read_bytes(), "text/plain")).run()
    assert not at.exception, at.exception
    assert list(_table(at, "component")["component"]) == ["tok2vec", "tagger", "parser", "ner"]
    at.sidebar.file_uploader(key="upload").set_value(("bad.cfg", b"[a]\nb = \xff\n", "text/plain")).run()
    assert "not UTF-8" in at.error[0].value


def test_the_receptive_field_view_highlights_what_a_token_sees(at: AppTest) -> None:
    words = "one two three four five six seven eight nine ten eleven twelve thirteen"
    at.text_input(key="sentence").input(words).run()
    at.selectbox(key="token").select(6).run()
    view = next(m.value for m in at.markdown if "<span" in m.value and "Legend" not in m.value)
    assert view.count("background-color") == 9  # 4 on each side and the token itself
    assert "font-weight:bold;text-decoration:underline;padding:2px 3px;border-radius:3px\">seven<" in view
    at.number_input(key="ov:components.tok2vec.model.encode.depth").set_value(1).run()
    view = next(m.value for m in at.markdown if "<span" in m.value and "Legend" not in m.value)
    assert view.count("background-color") == 3


def test_sentence_text_is_escaped(at: AppTest) -> None:
    at.text_input(key="sentence").input('<img src=x onerror="alert(1)"> hi').run()
    view = next(m.value for m in at.markdown if "<span" in m.value and "Legend" not in m.value)
    assert "<img" not in view and "&lt;" in view and "&quot;" in view


def test_the_downloads_are_offered(at: AppTest) -> None:
    labels = {button.key: button.label for button in at.download_button}
    assert labels == {"download_dot": "Layer graph (DOT)", "download_svg": "Layer graph (SVG)",
                      "download_json": "Layer graph (JSON)", "download_cfg": "Formatted config"}


def test_the_models_run_on_a_sentence(at: AppTest) -> None:
    from archwright.compiler.thinc import shape_of

    sentence = "Models run on this short sentence ."
    at.text_input(key="run_sentence").input(sentence).run()
    at.button(key="run_models").click().run()
    assert not at.exception, at.exception
    built = archwright.build(archwright.compile(CNN), max_params=20_000_000)
    outputs = _table(at, "sizes used")
    assert list(outputs["component"]) == list(built)
    assert list(outputs["output shape"]) == [shape_of(built.predict(name, [sentence])) for name in built]
    assert outputs["output shape"][0] == "[(7, 96)]"  # a row per token, as wide as the tok2vec
    assert any("no n_labels for component 'tagger'" in i.value for i in at.info)  # assumed, and said so


def test_a_model_over_the_budget_is_not_built(at: AppTest) -> None:
    at.number_input(key="ov:components.tok2vec.model.encode.width").set_value(2000).run()
    at.button(key="run_models").click().run()
    assert not at.exception, at.exception
    assert any("over the budget" in e.value for e in at.error)


def test_a_knowledge_base_file_is_never_loaded(at: AppTest) -> None:
    at.sidebar.selectbox(key="example").select("entity_linker.cfg").run()
    at.button(key="run_models").click().run()
    assert any("`entity_linker` is not built here" in i.value for i in at.info)
    assert "entity_linker" not in list(_table(at, "sizes used")["component"])


def test_a_rerun_of_the_four_component_page_compiles_nothing_again(at: AppTest, monkeypatch) -> None:
    """The Compilation is cached per text: a rerun draws the page from the cache (the time it
    takes is in benchmarks/ui.py)."""
    calls = []
    explore = views.explore
    monkeypatch.setattr(views, "explore", lambda *args, **kwargs: calls.append(args) or explore(*args, **kwargs))
    at.run()
    at.run()
    assert len(_table(at, "component")) == 4
    assert calls == []


def test_a_config_never_opens_files_or_imports_what_it_names(at: AppTest, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    with _audited("open", "import") as seen:
        text = CNN.read_text(encoding="utf-8").replace("train = null", f'train = "{secret}"', 1)
        text += f'\n[custom]\n@misc = "aw_never_imported_module.thing"\npath = "{secret}"\n'
        _paste(at, text)
        assert any("aw_never_imported_module" in w.value for w in at.warning)  # named, never imported
        at.sidebar.text_area(key="paste").input(text.split("\n[custom]")[0]).run()  # clean: lowered, drawn
        assert not at.exception and _dots(at)
    assert not [s for s in seen if str(secret) in s or "aw_never_imported_module" in s]


def test_the_file_given_on_the_command_line_opens_first(monkeypatch, tmp_path) -> None:
    config = tmp_path / "mine.cfg"
    config.write_bytes(CNN.read_bytes())
    monkeypatch.setenv(examples.CONFIG_VARIABLE, str(config))
    at = _app()
    assert at.sidebar.radio(key="source").value == "File from the command line"
    assert at.caption[0].value == f"`{config}`"
    assert len(_table(at, "component")) == 4
    monkeypatch.setenv(examples.CONFIG_VARIABLE, str(tmp_path / "missing.cfg"))
    at = _app()
    assert "Cannot read" in at.error[0].value


# -- architecture browser ----------------------------------------------------------------------

def _browse(at: AppTest, name: str) -> AppTest:
    at.sidebar.radio(key="page").set_value("Architecture browser").run()
    family = FAMILY_OF[name]
    at.sidebar.selectbox(key="family").select(family).run()
    at.sidebar.selectbox(key=f"arch:{family}").select(name).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("card", SPEC_CARDS, ids=lambda c: c.name)
def test_every_architecture_has_a_page(at: AppTest, card) -> None:
    _browse(at, card.name)
    assert at.title[0].value == card.name
    assert [e.value for e in at.error] == []
    if card.args:
        assert list(_table(at, "argument")["argument"]) == [("*" if a.kind == "positional" else "") + a.name
                                                            for a in card.args]  # as `explain` writes them
    assert at.text_area(key=f"example:{card.name}").value == card.example
    dots = _dots(at)
    assert dots and f"{card.name}" in dots[0]  # the blocks graph names the card's block
    compiled = archwright.compile(card.example)
    assert compiled.ok
    metrics = {m.label: m.value for m in at.metric}
    top = [k for k, v in compiled.resolved.data.items()
           if isinstance(v, dict) and ("@architectures" in v or "@layers" in v)]
    if not top:  # a section of a training config, or a block that is not a model: only its blocks
        assert "no model block" in at.info[0].value
        return
    model = views.explore(card.example).graph.components[top[0]]
    if model.expansion is None:
        assert "not available" in metrics["Parameters"]
        assert any("not available yet" in i.value for i in at.info)
    else:
        assert metrics["Parameters"] == str(model.params)
        assert metrics["Receptive field"] == views.field_text(
            archwright.compiler.static.receptive_field_tokens(model.expansion))
        assert len(dots) == 2 and "parameters" in dots[1]
        assert _table(at, "path")["layer"][0] == model.expansion.layer.name


def test_editing_an_example_redraws_it(at: AppTest) -> None:
    _browse(at, "spacy.HashEmbedCNN.v2")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Receptive field"] == "9 tokens"
    area = at.text_area(key="example:spacy.HashEmbedCNN.v2")
    area.input(area.value.replace("depth = 4", "depth = 2")).run()
    assert {m.label: m.value for m in at.metric}["Receptive field"] == "5 tokens"
    assert _dots(at)[1].count("expand_window") == 2
    area = at.text_area(key="example:spacy.HashEmbedCNN.v2")
    area.input(area.value.replace("depth = 2", "depth = -1")).run()
    line = 1 + area.value.split("\n").index("depth = -1")
    assert any(e.value.startswith(f"Line {line}, column 9 · AW307") for e in at.error)


def test_each_family_keeps_its_own_choice(at: AppTest) -> None:
    _browse(at, "spacy.TextCatBOW.v2")
    at.sidebar.selectbox(key="family").select("tok2vec").run()
    at.sidebar.selectbox(key="family").select("textcat").run()
    assert at.title[0].value == "spacy.TextCatBOW.v2"


# -- the CLI command -----------------------------------------------------------------------------

def test_archwright_ui_serves_the_packaged_app_on_loopback(capsys, monkeypatch) -> None:
    from archwright import cli

    calls = []
    monkeypatch.setattr(cli, "_serve", lambda command, env: calls.append((command, env)) or 0)
    code, out, _ = run_cli(capsys, "ui", str(CNN), "--port", "8765")
    assert code == 0 and "http://127.0.0.1:8765/" in out
    command, env = calls[0]
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"] and Path(command[4]) == APP
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[command.index("--client.toolbarMode") + 1] == "viewer"  # no Deploy button
    assert env[examples.CONFIG_VARIABLE] == os.path.abspath(CNN)
    calls.clear()
    assert run_cli(capsys, "ui")[0] == 0 and examples.CONFIG_VARIABLE not in calls[0][1]
    code, _, err = run_cli(capsys, "ui", "no/such.cfg")
    assert code == 1 and "is not a file" in err


# -- the views, directly ------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 60), index=st.integers(0, 59), depth=st.integers(0, 10))
def test_a_token_sees_its_window_clipped_to_the_sentence(n: int, index: int, depth: int) -> None:
    index %= n
    flags = views.seen(n, index, 2 * depth + 1)
    assert flags[index]
    assert sum(flags) == min(index, depth) + min(n - 1 - index, depth) + 1
    assert views.seen(n, index, "the whole document") == [True] * n


def test_a_token_under_a_transformer_sees_the_windows_that_hold_it() -> None:
    from archwright.compiler.static import Window

    # windows of 4 tokens, one every 2: [0, 4) [2, 6) [4, 8) [6, 9)
    assert views.seen(9, 3, Window(4, 2)) == [True] * 6 + [False] * 3
    assert views.seen(9, 0, Window(4, 2)) == [True] * 4 + [False] * 5
    assert views.seen(9, 8, Window(4, 4)) == [False] * 8 + [True]  # the last window holds what is left


def test_tokens_are_words_and_punctuation() -> None:
    assert views.tokenize("Don't stop, 2 go!") == ["Don", "'", "t", "stop", ",", "2", "go", "!"]
    assert len(views.tokenize("a " * 10_000)) == views.MAX_SENTENCE_CHARS // 2


def test_svg_and_formatted_config_downloads() -> None:
    text = CNN.read_text(encoding="utf-8")
    graph = archwright.compile(text).graph
    from archwright.present.render import to_dot

    image, problem = views.svg(to_dot(graph, "layers"))
    if image is None:
        assert "dot" in problem
    else:
        assert b"<svg" in image and b"hashembed" in image
    formatted = views.formatted(text)
    assert archwright.resolve(formatted) == archwright.resolve(text)
    assert "${components.tok2vec.model.encode.width}" in formatted  # references kept
    assert views.formatted("[a\n") is None


def test_the_svg_download_is_drawn_when_clicked(monkeypatch) -> None:
    from archwright.present.render import to_dot
    from archwright.ui import cached, explorer

    dot = to_dot(archwright.compile(CNN.read_text(encoding="utf-8")).graph, "layers")
    image = explorer._svg_file(dot)  # what the button's deferred data gives
    assert image == views.svg(dot)[0] or b"apt-get install graphviz" in image
    monkeypatch.setattr(cached, "svg", lambda dot: (None, "`dot` ran out of time <10 s>"))
    failed = explorer._svg_file(dot)
    assert failed.startswith(b"<svg") and b"ran out of time &lt;10 s&gt;" in failed


def test_size_guards() -> None:
    assert views.too_large("x" * views.MAX_INPUT_BYTES) == ""
    assert "at most" in views.too_large("é" * (views.MAX_INPUT_BYTES // 2 + 1))
    assert views.size_problem({"a": {"depth": views.MAX_DEPTH}}) == ""
    assert "`a.b.depth`" in views.size_problem({"a": {"b": {"depth": views.MAX_DEPTH + 1}}})
    assert "tables" in views.size_problem({"e": {"rows": [1] * (views.MAX_TABLES + 1)}})
    text, problem = views.decode_upload(b"\xef\xbb\xbf" * (views.MAX_INPUT_BYTES // 3 + 1))
    assert text is None and "at most" in problem


def test_override_fields_are_the_plain_numbers_as_written() -> None:
    fields = dict(views.override_fields(CNN.read_text(encoding="utf-8")))
    assert fields["components.tok2vec.model.encode.width"] == 96
    assert "components.tok2vec.model.embed.width" not in fields  # a reference: overridden at its target
    assert not any(re.search(r"\.(nO|upstream)$", path) for path in fields)  # nO = null is not a number


def test_running_a_transformer_pipeline_never_opens_the_model_directory_it_names(at: AppTest, tmp_path) -> None:
    model = tmp_path / "tiny-model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "bert"}')
    text = (ROOT / "examples" / "transformer.cfg").read_text(encoding="utf-8").replace('"roberta-base"', f'"{model}"')
    assert str(model) in text
    with _audited("open", "os.listdir", "os.scandir", "os.stat") as seen:
        _paste(at, text)
        at.button(key="run_models").click().run()
    assert not at.exception, at.exception
    assert any("reading such files is turned off" in e.value for e in at.error)
    assert not [s for s in seen if str(model) in s]


# -- errors never hide what compiles; the editor; click-through; collapse; compare ---------------

LISTENER = ('[components.tagger.model.tok2vec]\n@architectures = "spacy.Tok2VecListener.v1"\n'
            'width = ${components.tok2vec.model.encode.width}')


def _broken_cnn() -> str:
    """The CNN pipeline with the tagger's listener 64 wide (its tok2vec gives 96) and the
    parser's hidden width negative."""
    text = CNN.read_text(encoding="utf-8")
    assert LISTENER in text and "hidden_width = 128" in text
    return text.replace(LISTENER, LISTENER.replace("${components.tok2vec.model.encode.width}", "64")) \
        .replace("hidden_width = 128", "hidden_width = -5")


def test_a_broken_config_still_draws_its_pipeline_with_the_mistakes_in_red(at: AppTest) -> None:
    text = _broken_cnn()
    codes = sorted(d.code for d in archwright.validate(text) if d.severity.value == "error")
    assert codes == ["AW307", "AW411"]  # the compiler's verdict: two errors, no graph of its own
    assert archwright.Compilation(text).graph is None
    _paste(at, text)
    assert sorted(e.value.split(" · ")[1].split(":")[0] for e in at.error) == codes
    pipeline, layers = _dots(at)[:2]
    for name in ("tok2vec", "tagger", "parser", "ner"):
        assert f"\t{name} [label=" in pipeline
    # the listener edge carries both widths, in red; the other listeners are drawn as usual
    assert re.search(r'tok2vec -> tagger \[label="width 64 ≠ 96 \(AW411\)" color="#dc2626"', pipeline)
    assert 'tok2vec -> parser [label="width 96" style=dashed]' in pipeline
    assert re.search(r'\tparser \[label="parser\\n[^"]*AW307[^"]*" color="#dc2626"', pipeline)  # the bad block
    assert "hashembed" in layers  # the tok2vec's layers are still drawn
    assert list(_table(at, "component")["component"]) == ["tok2vec", "tagger", "parser", "ner"]
    at.selectbox(key="component").select("parser").run()
    layers = _dots(at)[1]
    assert re.search(r'"parser/\d+" \[label="[^"]*" color="#dc2626"', layers)  # the parser's layers, in red


def test_picking_a_problem_tints_its_line_and_selects_its_component(at: AppTest) -> None:
    _paste(at, _broken_cnn())
    found = sorted((d for d in archwright.validate(_broken_cnn())), key=lambda d: (d.span.line, d.span.column))
    pick = next(i for i, d in enumerate(found) if d.code == "AW307")
    at.selectbox(key="focus").select(pick).run()
    assert at.selectbox(key="component").value == "parser"
    focus = [m for m in _editor(at)["props"]["markers"] if m["className"] == "aw-focus"]
    assert [m["startRow"] + 1 for m in focus] == [found[pick].span.line]
    assert at.selectbox(key="layer:parser").value.startswith("parser")
    scroll = _inpage(at, "archwright_scroll_editor")  # and the editor is scrolled to the line
    assert len(scroll) == 1 and scroll[0]["line"] == found[pick].span.line
    assert scroll[0]["editor"] == 'iframe[title="code_editor.code_editor"]'
    other = next(i for i, d in enumerate(found) if d.code == "AW411")
    at.selectbox(key="focus").select(other).run()
    again = _inpage(at, "archwright_scroll_editor")
    assert again[0]["line"] == found[other].span.line and again[0]["id"] != scroll[0]["id"]  # scrolled anew
    at.selectbox(key="focus").select(None).run()
    assert _inpage(at, "archwright_scroll_editor")[0]["line"] is None  # no problem picked: not scrolled


def _inpage(at: AppTest, name: str) -> list[dict]:
    """The data each of the explorer's in-page scripts (inpage.py) was given."""
    return [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.component_name == name]


def test_a_sessions_first_run_sends_the_pipeline_graph_before_the_heavy_parts(monkeypatch) -> None:
    from archwright.ui import inpage

    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    dots = _dots(at)  # the pipeline graph alone
    assert len(dots) == 1 and "rankdir=LR" in dots[0] and "tok2vec -> tagger" in dots[0]
    assert not [c for c in at.get("component_instance") if c.proto.component_name.startswith("code_editor")]
    assert len(at.table) == 0 and not at.get("arrow_vega_lite_chart") and len(at.code) == 0
    assert not [m for m in at.markdown if m.value.startswith('<div style="font-size:0.8em')]  # nor the legend (HTML)
    assert _inpage(at, "archwright_first_graph") == [{"graph": inpage.GRAPH}]  # asks for the rest once drawn
    _first_graph_drawn(at)  # the browser's signal
    assert len(_dots(at)) == 2 and _editor(at)["code"] == examples.bundled()["pipeline_cnn.cfg"]
    assert len(at.table) > 0 and _inpage(at, "archwright_first_graph") == []
    at.run()  # and later runs send the whole page at once
    assert _inpage(at, "archwright_first_graph") == [] and len(_dots(at)) == 2


def test_an_edit_in_the_editor_is_checked_again(at: AppTest) -> None:
    from archwright.ui import editor

    text = at.session_state[editor.TEXT]
    at.session_state[editor.TEXT] = text.replace("depth = 4", "depth = 2")  # what the editor sends
    at.run()
    assert list(_table(at, "component")["receptive field"]) == ["5 tokens"] * 4
    at.session_state[editor.TEXT] = text.replace("depth = 4", "depth = -2")
    at.run()
    assert any("AW307" in e.value for e in at.error)
    annotations = _editor(at)["props"]["annotations"]
    line = 1 + text.split("\n").index("depth = 4")
    assert [(a["row"] + 1, a["type"]) for a in annotations] == [(line, "error")]
    assert at.selectbox(key="example").value == "pipeline_cnn.cfg"  # an edit is not another config


def test_the_editors_response_is_checked_in_the_run_it_starts(at: AppTest, monkeypatch) -> None:
    import streamlit as st

    from archwright.ui import editor

    reruns = []
    monkeypatch.setattr(st, "rerun", lambda *a, **k: reruns.append(1))  # a second run would go through here
    text = at.session_state[editor.TEXT]
    key = f"editor:{at.session_state[editor.LOADED]}"
    at.session_state[key] = {"id": "edit-1", "type": "change", "text": text.replace("depth = 4", "depth = 2")}
    at.run()  # what the editor's message does: a run with its value set
    assert not at.exception and reruns == []
    assert list(_table(at, "component")["receptive field"]) == ["5 tokens"] * 4  # the edit, checked
    assert _editor(at)["code"] == text.replace("depth = 4", "depth = 2")
    at.session_state[editor.TEXT] = text  # the same response again (a later run) is not taken twice
    at.run()
    assert list(_table(at, "component")["receptive field"]) == ["9 tokens"] * 4 and reruns == []


def _node(name: str, block: str) -> str:
    """The id of the CNN pipeline's layer `name` from `block`."""
    layers = archwright.compile(CNN).graph.layers
    return next(n for n, d in layers.nodes(data=True) if d["name"] == name and d["block"] == block)


def test_a_node_selected_shows_its_card_and_config_lines(at: AppTest) -> None:
    node = _node("maxout", "components.tok2vec.model.embed")  # the embedding's maxout
    at.selectbox(key="layer:tok2vec").select(node).run()
    card = dict(zip(*_table(at, "value").to_dict("list").values()))
    data = archwright.compile(CNN).graph.layers.nodes[node]
    assert card["layer"] == "maxout" and card["block"] == "components.tok2vec.model.embed"
    assert card["dims"] == "nO=96, nI=384, nP=3" and card["output shape"] == data["output"] == "(tokens, 96)"
    assert card["parameters (own)"] == f"{data['params']:,}" == "110,880"
    text = CNN.read_text(encoding="utf-8").split("\n")
    first = text.index("[components.tok2vec.model.embed]") + 1
    lines = next(c.value for c in at.code if "[components.tok2vec.model.embed]" in c.value)
    assert lines.split("\n")[0] == f"{first:>4} | [components.tok2vec.model.embed]"
    assert "include_static_vectors = false" in lines and "[components.tok2vec.model.encode]" not in lines
    assert f'"{node}" [label="maxout\\nnO=96, nI=384, nP=3\\n110,880 params\\n→ (tokens, 96)" color="#2563eb"' in \
        _dots(at)[1]  # drawn selected


def test_a_click_on_a_graph_node_selects_it(at: AppTest) -> None:
    node = _node("layernorm", "components.tok2vec.model.embed")
    at.session_state["graph:layers:tok2vec"] = node  # the value the graph view sends on a click
    at.run()
    assert at.selectbox(key="layer:tok2vec").value == node
    at.session_state["graph:pipeline"] = "ner"
    at.run()
    assert at.selectbox(key="component").value == "ner"


def test_repeated_blocks_are_drawn_once_until_expanded(at: AppTest) -> None:
    layers = _dots(at)[1]
    assert layers.count('label="clone ×4') == 1 and layers.count("expand_window") == 1
    at.toggle(key="expand:tok2vec").set_value(True).run()
    layers = _dots(at)[1]
    assert "×4" not in layers and "clone (4 copies)" in layers and layers.count("expand_window") == 4
    at.number_input(key="ov:components.tok2vec.model.encode.depth").set_value(2).run()
    assert layers.count("expand_window") == 4 and _dots(at)[1].count("expand_window") == 2  # 2 are drawn as 2


def test_each_graph_has_a_legend_of_its_edges(at: AppTest) -> None:
    legends = [m.value for m in at.markdown if m.value.startswith('<div style="font-size:0.8em')]
    assert len(legends) == 2
    assert "<b>listener</b>" in legends[0] and "<b>pipeline order</b>" in legends[0]
    assert "<b>data</b>" in legends[1] and "<b>contains</b>" in legends[1] and "<b>problem</b>" in legends[1]


def test_tables_show_their_values_whole(at: AppTest) -> None:
    assert len(at.dataframe) == 0  # static tables: values wrap instead of being cut off
    parser = _cnn_summary()["parser"]["params"]
    assert isinstance(parser, str) and parser in list(_table(at, "component")["parameters"])
    _browse(at, "spacy.TransitionBasedParser.v2")
    arguments = _table(at, "argument")
    assert "extra_state_tokens" in list(arguments["argument"]) and "recommended" in arguments.columns


def test_the_compare_view_shows_what_changes_in_the_architecture(at: AppTest) -> None:
    at.sidebar.radio(key="page").set_value("Compare configs").run()
    assert at.title[0].value == "Compare configs"
    at.radio(key="compare_source_b").set_value("Paste text").run()
    wider = CNN.read_text(encoding="utf-8").replace("width = 96", "width = 128").replace("depth = 4", "depth = 2")
    at.text_area(key="compare_paste_b").input(wider).run()
    assert not at.exception, at.exception
    changes = _table(at, "change")
    assert {"components.tok2vec.model.encode.width", "components.tok2vec.model.encode.depth"} <= set(changes["path"])
    compared = _table(at, "status")
    a, b = _cnn_summary(), summary(archwright.compile(wider).graph)["components"]
    row = compared[compared["component"] == "tok2vec"].iloc[0]
    assert row["status"] == "changed" and row["parameters A"] == f"{a['tok2vec']['params']:,}"
    assert row["parameters B"] == f"{b['tok2vec']['params']:,}" and row["receptive field B"] == "5 tokens"
    dots = _dots(at)
    assert len(dots) == 4  # both pipelines, both layer graphs
    assert 'tok2vec [label="tok2vec' in dots[0] and 'color="#ea580c"' in dots[0]  # changed: orange
    assert 'color="#ea580c"' in dots[3] and "nO=128" in dots[3] and "nO=128" not in dots[2]
    layers = _table(at, "dims B")
    assert any("nO=128" in value for value in layers["dims B"])


def test_the_same_config_compared_changes_nothing(at: AppTest) -> None:
    at.sidebar.radio(key="page").set_value("Compare configs").run()
    at.selectbox(key="compare_example_b").select("pipeline_cnn.cfg").run()
    assert "mean the same" in at.success[0].value
    assert set(_table(at, "status")["status"]) == {"same"}
    assert all('color="#ea580c"' not in dot for dot in _dots(at))


def test_no_view_opens_a_file_or_imports_what_a_config_names(at: AppTest, tmp_path) -> None:
    """The audit hook over the new views: a broken config's partial graph, a node's card, the
    expanded layers and the compare page."""
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    with _audited("open", "import", "os.listdir", "os.scandir") as seen:
        text = _broken_cnn().replace("train = null", f'train = "{secret}"', 1)
        text += f'\n[custom]\n@misc = "aw_never_imported_module.thing"\npath = "{secret}"\n'
        _paste(at, text)
        assert len(_dots(at)) >= 2  # drawn despite the errors
        at.selectbox(key="layer:tok2vec").select(_node("maxout", "components.tok2vec.model.embed")).run()
        at.toggle(key="expand:tok2vec").set_value(True).run()
        at.sidebar.radio(key="page").set_value("Compare configs").run()
        at.radio(key="compare_source_a").set_value("The config in the explorer").run()
        at.radio(key="compare_source_b").set_value("Paste text").run()
        at.text_area(key="compare_paste_b").input(text.replace("width = 64", "width = 96")).run()
        assert not at.exception, at.exception
    assert not [s for s in seen if str(secret) in s or "aw_never_imported_module" in s]


def test_archwright_ui_stops_streamlit_on_sigterm_and_leaves_nothing(tmp_path) -> None:
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != examples.CONFIG_VARIABLE}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    process = subprocess.Popen([sys.executable, "-m", "archwright", "ui", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        start = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() - start < 60, process.stdout.read()
            time.sleep(0.2)
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 1  # the streamlit server
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)
    streamlit = int(children[0])
    assert subprocess.run(["ps", "-o", "stat=", "-p", str(streamlit)], capture_output=True,
                          text=True).stdout.strip() in ("", "Z")  # gone (or a zombie being reaped)
    with socket.socket() as s:  # nothing listens on the port any more (connections closed may linger)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()
