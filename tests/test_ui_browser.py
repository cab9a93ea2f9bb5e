"""The explorer end to end: a real `streamlit run` server on a free loopback port, driven by
Debian's headless Chromium through Playwright. Asserts that the graphs and tables render in the
browser and saves a screenshot of each page (into docs/screenshots/ when
ARCHWRIGHT_UPDATE_SCREENSHOTS=1, else into the test's temporary directory).

Chromium and Playwright are requirements of this test, not options: CI installs both
(`apt-get install chromium`, the `test` extra), so their absence fails with a message. Playwright's
own browser download is never used: the system Chromium is launched by its path."""

from __future__ import annotations

import os
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
    page.wait_for_selector(GRAPH)
    yield page
    context.close()


def _screenshot(page, name: str, tmp_path: Path) -> Path:
    folder = SCREENSHOTS if os.environ.get("ARCHWRIGHT_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    # the app scrolls inside its main block, so a full-page shot needs a viewport as tall as it
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(1000, height), 8000)})
    page.wait_for_timeout(1000)  # let the grid and chart finish painting at the new size
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a real picture, not a blank page
    return path


def _graph_has(page, text: str) -> None:
    page.wait_for_function(
        "text => [...document.querySelectorAll('[data-testid=\"stGraphVizChart\"] svg')]"
        ".some(svg => svg.textContent.includes(text))", arg=text)


def _cell(page, text: str):
    cell = page.locator('[data-testid="stDataFrame"] [role="gridcell"]', has_text=text)
    cell.first.wait_for(state="attached")  # the grid paints after the graph
    return cell


def test_the_explorer_draws_the_pipeline_and_its_tables(page, tmp_path) -> None:
    sync_api = _sync_api()
    sync_api.expect(page.get_by_role("heading", name="Config explorer")).to_be_visible()
    _graph_has(page, "width 96")  # a listener edge of the pipeline graph
    pipeline = page.locator(GRAPH).first.text_content()
    for name in ("tok2vec", "tagger", "parser", "ner"):
        assert name in pipeline
    _graph_has(page, "hashembed")  # the layer DAG of the first component
    assert _cell(page, "1,500,768").count() >= 1  # tok2vec's parameters in the components table
    assert _cell(page, "9 tokens").count() >= 1
    sync_api.expect(page.get_by_role("heading", name="Receptive field")).to_be_visible()
    page.get_by_role("button", name="Build and run the pipeline's models").click()
    assert _cell(page, "n_labels=3").count() == 1  # the tagger, built by Thinc with an assumed label count
    _screenshot(page, "explorer.png", tmp_path)


def test_the_architecture_browser_draws_an_architecture(page, tmp_path) -> None:
    sync_api = _sync_api()
    page.locator('[data-testid="stSidebar"]').get_by_text("Architecture browser").click()
    sync_api.expect(page.get_by_role("heading", name="spacy.Tok2Vec.v2")).to_be_visible()
    _graph_has(page, "spacy.MaxoutWindowEncoder.v2")  # the blocks graph
    _graph_has(page, "maxout_window_encoder")  # the layer DAG
    assert _cell(page, "embed").count() >= 1  # the argument table
    _screenshot(page, "browser.png", tmp_path)


def test_a_pasted_broken_config_shows_its_diagnostics(page, tmp_path) -> None:
    sync_api = _sync_api()
    page.locator('[data-testid="stSidebar"]').get_by_text("Paste text").click()
    area = page.locator('[data-testid="stSidebar"] [data-testid="stTextArea"] textarea')
    area.fill(BROKEN.read_text(encoding="utf-8"))
    area.press("Control+Enter")  # a text area commits on Ctrl+Enter or blur
    sync_api.expect(page.locator('[data-testid="stAlertContentError"]').first).to_contain_text(
        "Line 8, column 2 · AW208")
    sync_api.expect(page.get_by_text("Line 15, column 11 · AW201", exact=False)).to_be_visible()
    _screenshot(page, "diagnostics.png", tmp_path)
