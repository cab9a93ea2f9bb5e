"""`archwright diff`: changes by meaning, with the line on each side.

Golden files: tests/golden/diff/NAME.old.cfg and NAME.new.cfg, with NAME.expected (text),
NAME.resolved.expected (--resolved) and NAME.json (--format json): exit code, stderr, stdout.
Regenerate with ARCHWRIGHT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import REAL, needs_shared, run_cli

import archwright
from archwright.authoring.diff import Change, diff, render_text
from archwright.authoring.fmt import format_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "diff"
UPDATE = os.environ.get("ARCHWRIGHT_UPDATE_GOLDEN") == "1"
PAIRS = sorted(p.name[:-len(".old.cfg")] for p in GOLDEN.glob("*.old.cfg"))


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path.name} is missing: run with ARCHWRIGHT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("variant", ["text", "resolved", "json"])
def test_golden(name: str, variant: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    old, new = (f"tests/golden/diff/{name}.{side}.cfg" for side in ("old", "new"))
    extra = {"text": [], "resolved": ["--resolved"], "json": ["--format", "json"]}[variant]
    code, out, err = run_cli(capsys, "diff", old, new, *extra)
    suffix = {"text": ".expected", "resolved": ".resolved.expected", "json": ".json"}[variant]
    _check(GOLDEN / f"{name}{suffix}", f"exit {code}\n{err}{out}")
    assert "\x1b[" not in out  # not a terminal: no colour
    if variant == "json":
        data = json.loads(out)
        assert code == (1 if data["changes"] else 0)
        for change in data["changes"]:
            side = old if change["change"] == "removed" else new
            line = change["old_line"] if change["change"] == "removed" else change["new_line"]
            text = Path(side).read_text(encoding="utf-8").splitlines()[line - 1]
            assert change["parts"][-1] in text or change["kind"] == "section" or "{" in text


def test_a_changed_variable_shows_at_every_key_it_reaches_when_resolved() -> None:
    old = "[vars]\nwidth = 96\n\n[a]\nw = ${vars.width}\n\n[b]\nw = ${vars.width}\nother = 1\n"
    new = old.replace("width = 96", "width = 128")
    written = diff(old, new)[0]
    assert [(c.change, c.path, c.old, c.new) for c in written] == [("changed", ("vars", "width"), 96, 128)]
    resolved = diff(old, new, resolved=True)[0]
    assert [(c.path, c.old, c.new, c.old_line, c.new_line) for c in resolved] == [
        (("vars", "width"), 96, 128, 2, 2), (("a", "w"), 96, 128, 5, 5), (("b", "w"), 96, 128, 8, 8)]


def test_sections_and_keys_added_and_removed_carry_their_lines() -> None:
    old = "[a]\nx = 1\ny = 2\n\n[a.sub]\nz = 3\n"
    new = "[a]\nx = 1\nw = 4\n\n[b]\nq = 5\n"
    changes = diff(old, new)[0]
    assert [(c.change, ".".join(c.path), c.section, c.old_line, c.new_line) for c in changes] == [
        ("removed", "a.y", False, 3, None), ("added", "a.w", False, None, 3),
        ("removed", "a.sub", True, 5, None), ("removed", "a.sub.z", False, 6, None),
        ("added", "b", True, None, 5), ("added", "b.q", False, None, 6)]


def test_a_section_that_became_a_value() -> None:
    changes = diff("[a]\n\n[a.b]\nc = 1\n", "[a]\nb = 2\n")[0]
    assert [(c.change, ".".join(c.path)) for c in changes] == [
        ("added", "a.b"), ("removed", "a.b"), ("removed", "a.b.c")]  # keys before subsections


def test_fragments_without_parent_sections_still_diff() -> None:
    changes = diff("[components.tagger.model]\nnO = 3\n", "[components.tagger.model]\nnO = 4\n")[0]
    assert [(c.path, c.old, c.new) for c in changes] == [(("components", "tagger", "model", "nO"), 3, 4)]


def test_a_config_that_contains_itself_terminates() -> None:
    text = "[a]\nx = 1\n\n[a.b]\ny = ${a}\n"
    changes = diff(text, text.replace("x = 1", "x = 2"), resolved=True)[0]
    assert ("changed", ("a", "x")) in [(c.change, c.path) for c in changes]


def test_colour_only_on_a_terminal() -> None:
    changes = [Change("changed", ("a", "x"), False, 1, 2, 2, 2)]
    plain = render_text(changes, "old", "new")
    assert "- x = 1  (old:2)\n+ x = 2  (new:2)" in plain and "\x1b[" not in plain
    assert "\x1b[31m- x = 1\x1b[0m" in render_text(changes, "old", "new", colour=True)


def test_errors_are_reported_and_exit_1(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.cfg"
    bad.write_text("x = 1\n", encoding="utf-8")
    good = tmp_path / "good.cfg"
    good.write_text("[a]\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "diff", str(good), str(bad))
    assert code == 1 and "AW101" in err and out == ""
    code, _, err = run_cli(capsys, "diff", str(good), str(tmp_path / "missing.cfg"))
    assert code == 1 and "AW108" in err
    with pytest.raises(archwright.ConfigError):
        archwright.diff("[a]\n", "x = 1\n")


def test_the_python_api() -> None:
    changes = archwright.diff("[a]\nx = 1\n", "[a]\nx = 2\n")
    assert [c.to_dict()["path"] for c in changes] == ["a.x"]


@needs_shared
def test_fmt_changes_nothing_by_meaning_on_the_corpus() -> None:
    compared = 0
    for path in sorted(REAL.glob("*.cfg"))[::3]:
        text = path.read_text(encoding="utf-8")
        formatted = format_text(text).text
        if formatted is None or formatted == text:
            continue
        changes, _ = diff(text, formatted)
        assert changes == [], path.name
        compared += 1
    assert compared > 50


@needs_shared
def test_one_changed_value_is_found_at_its_line_on_the_corpus() -> None:
    checked = 0
    for path in sorted(REAL.glob("*.cfg"))[::7]:
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^(dropout|max_steps|seed) = (\d+(\.\d+)?)$", text, re.MULTILINE)
        if match is None:
            continue
        line = text[:match.start()].count("\n") + 1
        new = text[:match.start(2)] + "12345" + text[match.end(2):]
        changes, _ = diff(text, new)
        if changes is None:
            continue
        assert [(c.change, c.path[-1], c.new, c.old_line, c.new_line) for c in changes] == [
            ("changed", match.group(1), 12345, line, line)], path.name
        checked += 1
    assert checked > 20


def test_a_resolved_diff_of_shared_sections_stops_and_says_so(tmp_path: Path, capsys) -> None:
    """30 levels of sections that each reference the one below twice: 2^30 keys once resolved."""
    lines = ["[s0]", "x = 1"]
    for i in range(1, 31):
        lines += [f"[s{i}]", f"p = ${{s{i - 1}}}", f"q = ${{s{i - 1}}}"]
    (tmp_path / "a.cfg").write_text("\n".join(lines) + "\n")
    (tmp_path / "b.cfg").write_text("\n".join(lines).replace("x = 1", "x = 2") + "\n")
    code, out, _ = run_cli(capsys, "diff", str(tmp_path / "a.cfg"), str(tmp_path / "b.cfg"), "--resolved")
    assert code == 1 and out.rstrip().endswith("compare without --resolved)")
    code, out, _ = run_cli(capsys, "diff", str(tmp_path / "a.cfg"), str(tmp_path / "b.cfg"))
    assert code == 1 and out.rstrip().endswith("0 added, 0 removed, 1 changed")
