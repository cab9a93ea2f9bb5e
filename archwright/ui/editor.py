"""The config editor in the main area: line numbers, INI syntax colouring, each diagnostic as a
gutter marker with its message on hover and its line tinted, and a re-check shortly after typing
stops.

It is streamlit-code-editor (react-ace): maintained (releases through 2024), shipped whole in its
wheel (no network at run time), and it passes Ace's own `annotations` (gutter markers with a
message) and `markers` (tinted ranges) through, which is what inline diagnostics need; its
"debounce" mode sends the text 0.3 s after the last keystroke. streamlit-ace has neither
annotations nor a release since 2021.

The text lives in the session (`TEXT`): opening a config puts it there and gives the editor a new
key (a fresh editor), and every edit the editor sends replaces it."""

from __future__ import annotations

import hashlib

import streamlit as st

from ..diagnostics import Diagnostic

TEXT = "config_text"  # the session's current config text
LOADED = "_config_loaded"  # what was opened last: a new one replaces the text
_SEEN = "_editor_event"  # the id of the editor's last event already taken
DEBOUNCE_MS = 300
CSS = (".aw-error{position:absolute;background:rgba(220,38,38,.16)}"
       ".aw-warning{position:absolute;background:rgba(234,179,8,.18)}"
       ".aw-focus{position:absolute;background:rgba(37,99,235,.16)}")


def open_config(origin: str, text: str) -> None:
    """Put `text` in the editor when `origin` (the source and its name) was not the last opened."""
    digest = hashlib.sha256(f"{origin}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if st.session_state.get(LOADED) != digest:
        st.session_state[LOADED] = digest
        st.session_state[TEXT] = text


def annotations(diagnostics: list[Diagnostic], line_count: int) -> list[dict]:
    """Ace's gutter annotations (0-based rows): the code and message on hover."""
    out = []
    for d in diagnostics:
        row = min(max((d.span.line if d.span else 1) - 1, 0), max(line_count - 1, 0))
        text = f"{d.code}: {d.message}" + (f"\nhint: {d.hint}" if d.hint else "")
        out.append({"row": row, "column": max((d.span.column if d.span else 1) - 1, 0), "text": text,
                    "type": "error" if d.severity.value == "error" else "warning"})
    return out


def markers(diagnostics: list[Diagnostic], focus: tuple[int, int] | None) -> list[dict]:
    """Tinted lines: each diagnostic's, and `focus` (first and last line, 1-based) when given."""
    out = [{"startRow": d.span.line - 1, "startCol": 0, "endRow": d.span.end_line - 1, "endCol": 1,
            "className": f"aw-{d.severity.value}", "type": "fullLine"} for d in diagnostics if d.span]
    if focus:
        out.append({"startRow": focus[0] - 1, "startCol": 0, "endRow": focus[1] - 1, "endCol": 1,
                    "className": "aw-focus", "type": "fullLine"})
    return out


def _key() -> str:
    return f"editor:{st.session_state.get(LOADED)}"  # a new config opened: a fresh editor


def take_edit() -> None:
    """Put the editor's latest edit (sent before this run) in the session's text, for the page to
    check it in this run: before the editor is drawn, so that an edit costs one run, not two."""
    _take(st.session_state.get(_key()))


def _take(response) -> bool:
    """Take the editor's `response` if it is new; whether it changed the text."""
    if not response or not response.get("id") or response["id"] == st.session_state.get(_SEEN):
        return False
    st.session_state[_SEEN] = response["id"]
    if response.get("type") != "change" or response.get("text") in (None, st.session_state.get(TEXT)):
        return False
    st.session_state[TEXT] = response["text"]
    return True


def editor(diagnostics: list[Diagnostic], focus: tuple[int, int] | None = None) -> str:
    """Draw the editor on the session's text; returns the text after the user's latest edit."""
    from code_editor import code_editor

    text = st.session_state.get(TEXT, "")
    lines = text.count("\n") + 1
    response = code_editor(
        text, lang="ini", height=[18, 40], response_mode="debounce", key=_key(),
        options={"showLineNumbers": True, "wrap": False, "tabSize": 4},
        props={"annotations": annotations(diagnostics, lines), "markers": markers(diagnostics, focus),
               "debounceChangePeriod": DEBOUNCE_MS, "scrollMargin": [0, 0, 0, 0]},  # a top margin shifts the text from the gutter when scrolled
        component_props={"globalCSS": CSS})
    if _take(response):  # an edit take_edit did not see (the page did not call it): check it now
        st.rerun()
    return st.session_state.get(TEXT, "")
