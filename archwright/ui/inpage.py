"""Two small scripts that run in the explorer's page itself (Streamlit's inline components,
`st.components.v2`: no iframe, no bundle to load), for what Python cannot do from the server:

- `first_graph_drawn`: a session's first run sends only the top of the page and the pipeline
  graph; once the browser has drawn that graph it asks for the rest (the editor, the tables, the
  charts). The browser shows nothing of a run until the code of every kind of element in it has
  loaded, so a first run with the editor and the charts in it kept the graph back by a second or
  more (benchmarks/ui.py);
- `scroll_editor`: scrolls the config editor (Ace, in streamlit-code-editor's iframe, which has no
  scroll API of its own) to a line and puts the cursor there, and keeps Ace's text level with its
  gutter (undoes the browser's own scrolling of Ace's scroller)."""

from __future__ import annotations

import streamlit as st

DRAWN = "_first_graph_drawn"  # set once the browser says the session's first graph is drawn
EDITOR = 'iframe[title="code_editor.code_editor"]'
GRAPH = ".aw-graph svg g.node"  # a node of a graph view (graphview.py) drawn in the page

# Ask for the rest once the graph's nodes are in the page, or after 2 s whatever happened.
_SIGNAL_JS = """
const asked = new WeakSet();
export default function({ parentElement, data, setTriggerValue }) {
  if (asked.has(parentElement)) return;
  asked.add(parentElement);
  const started = performance.now();
  const check = () => {
    const drawn = !!document.querySelector(data.graph);
    if (drawn || performance.now() - started > 2000) setTimeout(() => setTriggerValue("drawn", true), 30);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}
"""

# Keep Ace's scroller unscrolled by the browser, and scroll Ace to `data.line` (1-based) once per
# `data.id`, waiting up to 5 s for the editor to load. The browser scrolls Ace's overflow-hidden
# scroller by itself to show its hidden text input at the cursor (a click or a paste at the end of
# a long line); Ace does not know, and its text is then drawn rows and columns off its gutter.
_SCROLL_JS = """
const guarded = new WeakSet();
const done = new WeakMap();
export default function({ parentElement, data }) {
  const wanted = data.line ? data.id : null;
  const started = performance.now();
  const go = () => {
    let editor = null;
    try {
      const frame = document.querySelector(data.editor);
      const element = frame && frame.contentDocument && frame.contentDocument.querySelector(".ace_editor");
      editor = element && element.env && element.env.editor;
    } catch (e) { return; }
    if (!editor || editor.session.getLength() < (data.line || 1)) {
      if (performance.now() - started < 5000) setTimeout(go, 50);
      return;
    }
    const scroller = editor.renderer.scroller;
    if (!guarded.has(scroller)) {
      guarded.add(scroller);
      scroller.addEventListener("scroll", () => { scroller.scrollTop = 0; scroller.scrollLeft = 0; });
      scroller.scrollTop = 0; scroller.scrollLeft = 0;
    }
    if (wanted !== null && done.get(parentElement) !== wanted) {
      done.set(parentElement, wanted);
      editor.gotoLine(data.line, 0, false);
      editor.scrollToLine(data.line - 1, true, false, () => {});
    }
  };
  go();
}
"""


_signal = st.components.v2.component("archwright_first_graph", js=_SIGNAL_JS)
_scroll = st.components.v2.component("archwright_scroll_editor", js=_SCROLL_JS)


def first_graph_drawn() -> bool:
    """Whether this session's first graph is drawn; when not, puts the script that says so in
    the page (the caller then stops, and the browser's signal runs the page again)."""
    if st.session_state.get(DRAWN):
        return True
    _signal(data={"graph": GRAPH}, key="_first_graph_signal", on_drawn_change=_drawn)
    return False


def _drawn() -> None:
    st.session_state[DRAWN] = True


def scroll_editor(line: int | None, id_: str = "") -> None:
    """Scroll the editor to `line` (1-based), once for each `id_` (a pick of a problem); with no
    line, only keep the editor's text level with its gutter."""
    _scroll(data={"editor": EDITOR, "line": line, "id": id_}, key="_scroll_editor")
