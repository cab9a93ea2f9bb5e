"""The closed set of codes, its documentation, and the renderers."""

from __future__ import annotations

import difflib
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from archwright.diagnostics import (CODES, CompilerBug, Diagnostic, Related, Span, nearest, render_human,
                                    render_json, use_colour)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"


def test_codes_equal_the_documented_codes() -> None:
    documented = re.findall(r"^### (AW\d{3})\n\*\*(.+?)\*\* \((error|warning)\)", DOCS.read_text(), re.M)
    assert {code: (severity, title) for code, title, severity in documented} == {
        code: (severity.value, title) for code, (severity, title) in CODES.items()}


def test_unknown_codes_are_a_bug_not_a_diagnostic() -> None:
    with pytest.raises(CompilerBug):
        Diagnostic("AW999", "nope")


def test_human_output_points_at_the_span_and_colours_only_on_request() -> None:
    source = "[a]\nwidth = ${b.x}\n"
    diagnostic = Diagnostic("AW201", "undefined", Span(2, 9, 2, 15), "a.width", "fix it",
                            (Related("see here", Span(1, 1, 1, 4), "a"),))
    plain = render_human([("c.cfg", source, [diagnostic])])
    assert plain.splitlines()[:5] == [
        "c.cfg:2:9: error AW201: undefined",
        "  at a.width",
        "      2 | width = ${b.x}",
        "        |         ^^^^^^",
        "  note: c.cfg:1:1: see here",
    ]
    assert "\x1b[" not in plain
    assert "\x1b[" in render_human([("c.cfg", source, [diagnostic])], colour=True)
    assert use_colour(io.StringIO()) is False


def test_json_output_follows_the_contract() -> None:
    diagnostic = Diagnostic("AW150", "w", Span(3, 5, 3, 9), "a.x", "h")
    data = json.loads(render_json([("c.cfg", "", [diagnostic])]))
    record, = data["files"][0]["diagnostics"]
    assert {"code", "severity", "message", "line", "column", "end_line", "end_column", "config_path",
            "hint"} <= set(record)
    assert (record["severity"], record["line"], record["end_column"]) == ("warning", 3, 9)
    assert data["summary"] == {"files": 1, "errors": 0, "warnings": 1}


_NAME = st.text(alphabet="abcdeprt_.v12", max_size=9)


@settings(max_examples=3000, deadline=None)
@given(_NAME, st.lists(_NAME, max_size=12), st.sampled_from([0.0, 0.5, 0.6, 0.75, 0.8, 1.0]))
def test_nearest_is_difflibs_closest_match(word, candidates, cutoff) -> None:
    """nearest works out fewer full ratios than get_close_matches, and answers the same."""
    expected = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    assert nearest(word, candidates, cutoff) == (expected[0] if expected else "")
