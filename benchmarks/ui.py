"""The explorer's speed as a person sees it, measured in the real browser: a `streamlit run`
server on a free loopback port and Debian's headless Chromium driven by Playwright.

- first graph: from the page being requested to the first graph drawn (a node of the pipeline's
  SVG in the page, on the page's own clock: performance.now() when a MutationObserver sees it), on
  the first visit after the server started (imports included) and on later
  visits (a new browser context each: a new session on a warm server);
- edit: from the text being typed into the editor (select all, paste an edited config) to the
  pipeline graph showing the edit (on the page's clock, seen by a MutationObserver), for each
  bundled pipeline; that includes the editor's
  pause before it sends (editor.DEBOUNCE_MS), which is also shown subtracted.

Targets (issue 16): first graph <= 1.5 s, an edit re-rendered <= 0.5 s. The reference measured in
the same run is the least Streamlit itself takes: a one-chart page (`st.graphviz_chart`) on a
server of its own, so the ratio says what the explorer adds on this machine. Then the server's own time per rerun with
Streamlit's AppTest (no browser). Needs the `ui` and `test` extras and /usr/bin/chromium.

    python benchmarks/ui.py [--quick]
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP = ROOT / "archwright" / "ui" / "app.py"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
VIEW = ".aw-graph"  # the explorer's graph views (ui/graphview.py), drawn in the page itself
EDITOR = 'iframe[title="code_editor.code_editor"]'
WIDTH = re.compile(r"^(width = )(\d+)$", re.M)


def _seconds(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _server(app: Path = APP) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "ARCHWRIGHT_UI_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
                                "--server.address", "127.0.0.1", "--server.port", str(port),
                                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                               stdout=log, stderr=subprocess.STDOUT, env=env,
                               cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("streamlit did not start within 60 s")


# the page's own clock (0 = the page requested) when a node of the first graph is in the page:
# a MutationObserver installed before the page's scripts, not Playwright's polling
_WATCH = """selector => {
  window.__aw_drawn = null;
  new MutationObserver((_, observer) => {
    if (document.querySelector(selector)) { window.__aw_drawn = performance.now(); observer.disconnect(); }
  }).observe(document, {subtree: true, childList: true});
}"""


def _first_graph(browser, url: str, reference: bool = False) -> tuple[float, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    selector = '[data-testid="stGraphVizChart"] svg g.node' if reference else f"{VIEW} svg g.node"
    page.add_init_script(f"({_WATCH})({selector!r})")
    page.goto(url)
    page.wait_for_function("() => window.__aw_drawn !== null")
    return page.evaluate("window.__aw_drawn") / 1000, page


# the reference: the least a Streamlit page with a graph takes on the same machine, in the same run
REFERENCE_APP = 'import streamlit as st\nst.title("reference")\nst.graphviz_chart("digraph { a -> b -> c }")\n'


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _open_example(page, name: str, text: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').click()
    page.get_by_role("option", name=name, exact=True).click()
    first = text.split("\n", 1)[0]
    page.wait_for_function(f"() => document.querySelectorAll('{EDITOR}').length === 1")  # the old one gone
    page.frame_locator(EDITOR).first.locator(".ace_line", has_text=first[:40]).first.wait_for()
    page.locator(VIEW).first.locator("svg g.node").first.wait_for()


def _pipeline_svg(page) -> str:
    return page.locator(VIEW).first.locator("svg").inner_html()


def _edit(page, text: str, width: str) -> float:
    """Paste `text` with its first plain width set to `width`; seconds until the pipeline
    graph is redrawn (its parameter counts or listener widths change with the width)."""
    edited = WIDTH.sub(lambda m: m.group(1) + width, text, count=1)
    page.frame_locator(EDITOR).first.locator(".ace_content").click()
    page.keyboard.press("Control+A")
    # the page's clock when the pipeline's SVG changes, seen by a MutationObserver
    started = page.evaluate("""before => {
      window.__aw_redrawn = null;
      const drawn = () => { const svg = document.querySelector('""" + VIEW + """ svg');
                            return svg && svg.innerHTML !== before; };
      new MutationObserver((_, observer) => {
        if (drawn()) { window.__aw_redrawn = performance.now(); observer.disconnect(); }
      }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
      return performance.now();
    }""", _pipeline_svg(page))
    page.keyboard.insert_text(edited)
    page.wait_for_function("() => window.__aw_redrawn !== null")
    return (page.evaluate("window.__aw_redrawn") - started) / 1000


def browser_figures(runs: int) -> list[str]:
    from playwright.sync_api import sync_playwright

    from archwright.ui import editor, examples

    pipelines = {name: text for name, text in examples.bundled().items()
                 if name.endswith(".cfg") and "[nlp]" in text and WIDTH.search(text)}
    folder = tempfile.TemporaryDirectory()
    reference_app = Path(folder.name) / "reference_app.py"
    reference_app.write_text(REFERENCE_APP)
    process, url = _server()
    reference_process, reference_url = _server(reference_app)
    lines = ["| in the browser | median | max | runs | target |", "|---|---:|---:|---:|---:|"]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            cold, page = _first_graph(browser, url)
            page.context.close()
            _first_graph(browser, reference_url, reference=True)[1].context.close()  # its first visit
            warm, reference = [], []
            for _ in range(runs):  # one visit of each in turn: both see the same load of the machine
                for times, address, is_reference in ((warm, url, False), (reference, reference_url, True)):
                    seconds, page = _first_graph(browser, address, reference=is_reference)
                    times.append(seconds)
                    page.context.close()
            lines.append(f"| first graph, first visit after the server started | {cold * 1000:.0f} ms | | 1 | |")
            lines.append(f"| first graph, a new visit | {statistics.median(warm) * 1000:.0f} ms | "
                         f"{max(warm) * 1000:.0f} ms | {runs} | <= 1500 ms |")
            lines.append(f"| reference: a one-chart Streamlit page, a new visit | {statistics.median(reference) * 1000:.0f} "
                         f"ms | {max(reference) * 1000:.0f} ms | {runs} | |")
            lines.append(f"| first graph / reference | {statistics.median(warm) / statistics.median(reference):.2f} | | | |")
            _, page = _first_graph(browser, url)
            for name, text in pipelines.items():
                print(f"editing {name} ...", file=sys.stderr, flush=True)
                _open_example(page, name, text)
                original = WIDTH.search(text).group(2)
                try:
                    times = [_edit(page, text, str(int(original) + 32 * (1 + i % 2))) for i in range(runs)]
                except Exception as e:  # a timeout: say so in the table and go on with the others
                    lines.append(f"| edit of {name} | not measured: {type(e).__name__} | | | |")
                    continue
                after = [t - editor.DEBOUNCE_MS / 1000 for t in times]
                lines.append(f"| edit of {name}, typed to redrawn (incl. the editor's {editor.DEBOUNCE_MS} ms pause) | "
                             f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms | {runs} | |")
                lines.append(f"| edit of {name}, sent to redrawn | {statistics.median(after) * 1000:.0f} ms | "
                             f"{max(after) * 1000:.0f} ms | {runs} | <= 500 ms |")
            browser.close()
    finally:
        _stop(process)
        _stop(reference_process)
        folder.cleanup()
    return lines


def server_figures(runs: int) -> list[str]:
    from streamlit.testing.v1 import AppTest

    from archwright.ui import inpage

    at = AppTest.from_file(str(APP), default_timeout=120)
    first = _seconds(at.run)  # the session's first run: the pipeline graph alone
    at.session_state[inpage.DRAWN] = True  # what the browser says once it has drawn it
    rest = _seconds(at.run)
    reruns = [_seconds(at.run) for _ in range(runs)]
    depths = [_seconds(lambda d=d: at.number_input(key="ov:components.tok2vec.model.encode.depth")
                       .set_value(d).run()) for d in range(2, 2 + runs)]
    components = ["tagger", "parser", "ner", "tok2vec"]
    switches = [_seconds(lambda c=components[i % 4]: at.selectbox(key="component").select(c).run())
                for i in range(runs)]
    assert not at.exception, at.exception
    lines = ["| on the server (AppTest, pipeline_cnn.cfg) | median | max |", "|---|---:|---:|",
             f"| first run, the pipeline graph alone (imports included) | {first * 1000:.0f} ms | |",
             f"| the rest of the page, once the browser has drawn that graph | {rest * 1000:.0f} ms | |"]
    for name, times in (("rerun", reruns), ("changed depth (recompiles)", depths), ("switch component", switches)):
        lines.append(f"| {name} | {statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |")
    return lines


def main() -> None:
    import signal

    # a SIGTERM ends the run through the `finally` blocks, so the servers started here stop too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    runs = 3 if "--quick" in sys.argv else 10
    print("\n".join(browser_figures(runs)))
    print()
    print("\n".join(server_figures(runs)))


if __name__ == "__main__":
    main()
