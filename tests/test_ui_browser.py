"""The explorer end to end: a real `streamlit run` server on a free loopback port, driven by
Debian's headless Chromium through Playwright, as a person uses it: a broken config pasted into
the editor still shows its pipeline with the bad listener edge in red, a click on a layer shows
its config lines, repeated blocks expand, two configs compare. Saves a screenshot of each page
(into docs/screenshots/ when ARCHWRIGHT_UPDATE_SCREENSHOTS=1, else into the test's temporary
directory, kept as test artifacts).

Chromium and Playwright are requirements of this test, not options: CI installs both
(`apt-get install chromium`, the `test` extra), so their absence fails with a message. Playwright's
own browser download is never used: the system Chromium is launched by its path."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "archwright" / "ui" / "app.py"
BROKEN = ROOT / "docs" / "broken_example.cfg"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
GRAPH = '[data-testid="stGraphVizChart"] svg'
VIEW = ".aw-graph"  # the explorer's pan/zoom/click graphs (graphview.py, drawn in the page itself)
EDITOR = 'iframe[title="code_editor.code_editor"]'


def _sync_api():
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("Playwright is not installed: pip install -e '.[test]' (never `playwright install`: "
                    "the test uses the system Chromium)")
    return sync_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "ARCHWRIGHT_UI_CONFIG"}
    # `streamlit run archwright/ui/app.py` as a person types it: no toolbar flag (the app's own
    # .streamlit/config.toml hides the Deploy button; `archwright ui` adds the flag as well)
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        start = time.monotonic()
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() - start > 60:
                pytest.fail(f"streamlit was not healthy after 60 s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()  # this one process; streamlit stops cleanly on SIGTERM
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (CI installs it)")
    sync_api = _sync_api()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    _view(page, 0).locator("svg g.node").first.wait_for()
    yield page
    context.close()


def _screenshot(page, name: str, tmp_path: Path, start=None) -> Path:
    """The page from its top, or from the element `start` (a locator) down, 2,600 px at most."""
    folder = SCREENSHOTS if os.environ.get("ARCHWRIGHT_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    # the app scrolls inside its main block, so a full-page shot needs a viewport as tall as it
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(1000, height), 8000)})
    page.wait_for_timeout(1000)  # let the grid and chart finish painting at the new size
    top = int(start.bounding_box()["y"]) if start is not None else 0
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": top, "width": 1400, "height": min(height - top, 2600)})
    assert path.stat().st_size > 10_000  # a real picture, not a blank page
    return path


def _view(page, index: int):
    """The index-th graph view of the page."""
    return page.locator(VIEW).nth(index)


def _view_has(page, index: int, text: str) -> None:
    _view(page, index).locator("svg", has_text=text).first.wait_for()


def _cell(page, text: str):
    cell = page.locator('[data-testid="stTable"] td', has_text=text)
    cell.first.wait_for(state="attached")
    return cell


def _type_into_editor(page, text: str) -> None:
    """Select everything in the editor and paste `text` over it, as a person does."""
    content = page.frame_locator(EDITOR).locator(".ace_content")
    content.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def _sidebar(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def test_the_explorer_draws_the_pipeline_its_layers_and_tables(page, tmp_path) -> None:
    sync_api = _sync_api()
    sync_api.expect(page.get_by_role("heading", name="Config explorer")).to_be_visible()
    _view_has(page, 0, "width 96")  # a listener edge of the pipeline graph
    pipeline = _view(page, 0).locator("svg").text_content()
    for name in ("tok2vec", "tagger", "parser", "ner"):
        assert name in pipeline
    _view_has(page, 1, "clone ×4")  # the layers, repeated blocks collapsed
    assert _cell(page, "1,500,768").count() >= 1
    assert _cell(page, "409,088 + 129·n_actions").count() >= 1  # a formula shown whole
    page.frame_locator(EDITOR).locator(".ace_line").first.wait_for()  # the page is whole: its toolbar too
    assert page.locator('[data-testid="stToolbar"]').count() == 1
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0  # no Deploy button in the DOM
    assert page.get_by_text("Deploy", exact=True).count() == 0
    page.frame_locator(EDITOR).locator(".ace_line", has_text="[components.tok2vec.model.embed]").first.wait_for()
    _screenshot(page, "explorer.png", tmp_path)


def test_the_cost_charts_show_what_each_component_computes_and_holds(page, tmp_path) -> None:
    """compiler/cost.py's estimates drawn (ui/costs.py): compute per component, weights and
    training memory, and the chosen component's layers."""
    heading = page.get_by_role("heading", name="What the pipeline costs")
    heading.wait_for()
    page.get_by_role("heading", name="What tok2vec costs, by layer").wait_for()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(4).wait_for()  # parameters by component and by layer, then the four cost charts
    assert charts.count() >= 6
    assert page.get_by_text("tagger: 192·n_labels FLOPs per token").count() >= 1  # what a bar cannot show
    _screenshot(page, "costs.png", tmp_path, start=heading)


def test_a_broken_config_pasted_into_the_editor_keeps_its_pipeline_with_the_bad_edge_in_red(page, tmp_path) -> None:
    sync_api = _sync_api()
    text = (ROOT / "examples" / "pipeline_cnn.cfg").read_text(encoding="utf-8")
    listener = ('[components.tagger.model.tok2vec]\n@architectures = "spacy.Tok2VecListener.v1"\n'
                'width = ${components.tok2vec.model.encode.width}')
    assert listener in text
    _type_into_editor(page, text.replace(listener, listener.replace("${components.tok2vec.model.encode.width}", "64")))
    sync_api.expect(page.locator('[data-testid="stAlertContentError"]').first).to_contain_text("AW411")
    _view_has(page, 0, "width 64 ≠ 96")  # the listener edge says both widths ...
    edge = _view(page, 0).locator("g.edge", has_text="width 64 ≠ 96")
    assert edge.locator("path").first.get_attribute("stroke") == "#dc2626"  # ... in red
    for name in ("tok2vec", "tagger", "parser", "ner"):  # and the rest of the pipeline is drawn
        assert name in _view(page, 0).locator("svg").text_content()
    # the editor marks the line in its gutter, with the message on hover
    line = 1 + text.split("\n").index("upstream = \"*\"", text.split("\n").index("[components.tagger.model.tok2vec]")) - 1
    editor = page.frame_locator(EDITOR).locator(".ace_editor")
    editor.evaluate(f"e => e.env.editor.gotoLine({line}, 0, false)")  # the cursor there: scrolled to it
    page.frame_locator(EDITOR).locator(".ace_gutter-cell.ace_error", has_text=str(line)).first.wait_for()
    annotations = editor.evaluate("e => e.env.editor.getSession().getAnnotations()")
    assert [(a["row"] + 1, a["type"]) for a in annotations] == [(line, "error")]
    assert "AW411" in annotations[0]["text"]
    _screenshot(page, "diagnostics.png", tmp_path)


def test_picking_a_problem_far_down_scrolls_the_editor_to_its_line(page, tmp_path) -> None:
    sync_api = _sync_api()
    text = (ROOT / "examples" / "pipeline_cnn.cfg").read_text(encoding="utf-8")
    listener = "[components.ner.model.tok2vec]"  # the last component, past the editor's 40 rows
    start = text.index(listener)
    end = text.index("\n\n", start)
    text = text[:start] + text[start:end].replace("${components.tok2vec.model.encode.width}", "64") + text[end:]
    _type_into_editor(page, text)
    sync_api.expect(page.locator('[data-testid="stAlertContentError"]').first).to_contain_text("AW411")
    frame = next(f for f in page.frames if "code_editor" in f.url)
    visible = "() => { const e = document.querySelector('.ace_editor').env.editor; " \
              "return [e.getFirstVisibleRow(), e.getLastVisibleRow(), e.getCursorPosition().row] }"
    frame.evaluate("() => document.querySelector('.ace_editor').env.editor.scrollToLine(0, false, false)")
    option = page.get_by_role("option", name=re.compile("AW411"))
    for _ in range(3):  # the editor losing the focus reruns the page, which can close the list at once
        page.locator('[data-testid="stSelectbox"]', has_text="Go to a problem").click()
        try:
            option.wait_for(timeout=5000)
            break
        except sync_api.TimeoutError:
            pass
    line = int(re.match(r"line (\d+) ·", option.text_content()).group(1))
    assert line > 100
    first, last, _ = frame.evaluate(visible)
    assert not first <= line - 1 <= last  # out of sight before the pick
    option.click()
    frame.wait_for_function("row => { const e = document.querySelector('.ace_editor').env.editor; "
                            "return e.getFirstVisibleRow() <= row && row <= e.getLastVisibleRow() }", arg=line - 1)
    assert frame.evaluate(visible)[2] == line - 1  # the cursor is on the line
    # drawn level with its gutter: the line's number and its text at the same height
    frame.wait_for_function(
        "line => { const y = el => Math.round(el.getBoundingClientRect().top); "
        "const all = selector => [...document.querySelectorAll(selector)]; "
        "const number = all('.ace_gutter-cell').find(c => c.textContent.trim() === String(line)); "
        "const text = all('.ace_text-layer .ace_line').find(l => l.textContent.trim() === 'width = 64'); "
        "return number && text && y(number) === y(text) }", arg=line, timeout=10_000)
    page.frame_locator(EDITOR).locator(".ace_gutter-cell.ace_error", has_text=str(line)).first.wait_for()
    _view_has(page, 0, "width 64 ≠ 96")  # and the bad edge is still marked


def test_a_click_on_a_layer_shows_its_config_lines_and_repeats_expand(page, tmp_path) -> None:
    sync_api = _sync_api()
    _view_has(page, 1, "hashembed")
    _view(page, 1).locator("g.node", has_text="nV=5000").first.click()  # the first hash table
    code = page.locator('[data-testid="stCode"]', has_text="[components.tok2vec.model.embed]")
    sync_api.expect(code.first).to_contain_text("rows = [5000, 1000, 2500, 2500]")
    assert _cell(page, "nO=96, nV=5000").count() >= 1  # the node's card: its dims
    page.get_by_text("Expand repeated blocks").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.aw-graph')].some(g => { const t = g.textContent; "
        "return t.includes('4 copies') && (t.match(/expand_window/g) || []).length === 4 })")
    _screenshot(page, "layers.png", tmp_path)


def test_the_compare_view_draws_both_configs(page, tmp_path) -> None:
    sync_api = _sync_api()
    _sidebar(page, "Compare configs")
    sync_api.expect(page.get_by_role("heading", name="Compare configs")).to_be_visible()
    page.locator('[data-testid="stSelectbox"]', has_text="Example B").click()
    page.get_by_role("option", name="spancat.cfg").click()  # against the CNN pipeline (A)
    sync_api.expect(page.get_by_role("heading", name="Layers of tok2vec")).to_be_visible()  # shared by both
    assert _cell(page, "removed").count() >= 1 and _cell(page, "added").count() >= 1  # tagger, parser, ner; spancat
    _view(page, 3).locator("svg g.node").first.wait_for()  # both pipelines, both tok2vec layer graphs
    assert 'stroke="#ea580c"' in _view(page, 0).locator("svg").inner_html()  # changed components in orange
    _screenshot(page, "compare.png", tmp_path)


def test_the_architecture_browser_draws_an_architecture(page, tmp_path) -> None:
    sync_api = _sync_api()
    _sidebar(page, "Architecture browser")
    sync_api.expect(page.get_by_role("heading", name="spacy.Tok2Vec.v2")).to_be_visible()
    page.wait_for_function(
        "text => [...document.querySelectorAll('[data-testid=\"stGraphVizChart\"] svg')]"
        ".some(svg => svg.textContent.includes(text))", arg="spacy.MaxoutWindowEncoder.v2")
    assert _cell(page, "embed").count() >= 1  # the argument table
    _screenshot(page, "browser.png", tmp_path)
