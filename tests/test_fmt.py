"""`archwright fmt`: the canonical layout keeps every comment and never changes what a config means.

Golden files: tests/golden/fmt/NAME.cfg with NAME.expected, the output of
`archwright fmt --check --diff NAME.cfg` (exit code, stderr, stdout), and NAME.formatted, the
formatted text (absent when the config cannot be formatted). Regenerate with
ARCHWRIGHT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from confection import Config
from conftest import REAL, needs_shared, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import archwright
from archwright.authoring import fmt as fmt_module
from archwright.authoring.fmt import format_file, format_text, normalise_json, same

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "fmt"
UPDATE = os.environ.get("ARCHWRIGHT_UPDATE_GOLDEN") == "1"


def _check(path: Path, actual: str | None) -> None:
    if UPDATE:
        if actual is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(actual, encoding="utf-8")
    if actual is None:
        assert not path.exists(), f"{path.name} should not exist"
        return
    assert path.is_file(), f"{path.name} is missing: run with ARCHWRIGHT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def _confection(text: str, interpolate: bool):
    try:
        return Config().from_str(text, interpolate=interpolate)
    except Exception:  # noqa: BLE001 - any failure of the reference means "not comparable"
        return None


# -- the whole corpus ---------------------------------------------------------------------------

@needs_shared
def test_fmt_is_idempotent_and_keeps_the_meaning_of_every_real_config() -> None:
    compared = formatted_count = 0
    for path in sorted(REAL.glob("*.cfg")):
        text = path.read_text(encoding="utf-8")
        reference = _confection(text, interpolate=False)
        result = format_text(text)
        if reference is None:
            continue
        assert result.text is not None, f"{path.name}: confection parses it, fmt refused: {result.diagnostics}"
        formatted_count += result.text != text
        assert format_text(result.text).text == result.text, f"{path.name}: not idempotent"
        for interpolate in (False, True):
            before = _confection(text, interpolate)
            after = _confection(result.text, interpolate)
            if before is None:
                assert after is None, f"{path.name}: fmt made a failing config parse"
                continue
            assert same(json.loads(json.dumps(before)), json.loads(json.dumps(after))), path.name
        for interpolate in (False, True):
            ours = archwright.resolve(text, interpolate=interpolate) if before is not None else None
            if ours is not None:
                assert same(ours, archwright.resolve(result.text, interpolate=interpolate)), path.name
        compared += 1
    assert compared > 450 and formatted_count > 200  # the corpus has 498 that confection parses


@needs_shared
def test_fmt_formats_fragments_and_refuses_only_syntax_errors() -> None:
    refused = []
    for path in sorted(REAL.glob("*.cfg")):
        result = format_text(path.read_text(encoding="utf-8"))
        if result.text is None:
            refused.append(path.name)
            assert any(d.is_error and d.code.startswith("AW1") for d in result.diagnostics), path.name
    assert len(refused) < 5


# -- golden files -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.cfg")), ids=lambda p: p.stem)
def test_golden(path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT).as_posix()
    before = path.read_bytes()
    code, out, err = run_cli(capsys, "fmt", "--check", "--diff", relative)
    assert path.read_bytes() == before, "--check must never write"
    _check(path.with_suffix(".expected"), f"exit {code}\n{err}{out}")
    result = format_text(path.read_text(encoding="utf-8"))
    _check(path.with_suffix(".formatted"), result.text)
    if result.text is not None:
        assert code == (0 if result.text == path.read_text(encoding="utf-8") else 1)
        assert format_text(result.text).text == result.text


def test_every_comment_survives_in_order() -> None:
    text = (GOLDEN / "comments.cfg").read_text(encoding="utf-8")
    formatted = format_text(text).text
    comments = [line.strip() for line in text.splitlines() if line.strip()[:1] in ("#", ";")]
    assert [line.strip() for line in formatted.splitlines() if line.strip()[:1] in ("#", ";")] == comments
    assert "[nlp] # a comment after the header" in formatted
    assert "# about [nlp], directly above its header\n[nlp]" in formatted  # stays attached


# -- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ('[1,2]', '[1, 2]'),
    ('{"a":1 , "b" :[ ]}', '{"a": 1, "b": []}'),
    ('[1.50, 1e-8, -0.0]', '[1.50, 1e-8, -0.0]'),  # number spelling kept
    ('["a, b", "c:d", "e\\"f"]', '["a, b", "c:d", "e\\"f"]'),  # strings untouched
    ('["caf\\u00e9"]', '["caf\\u00e9"]'),
    ('[NaN, Infinity]', '[NaN, Infinity]'),
    ('[True, None]', '[True, None]'),  # not JSON: a string to spaCy, kept
    ('[1, 2,]', '[1, 2,]'),
    ("['a']", "['a']"),
    ('1e3', '1e3'),  # scalars keep their spelling
    ('True', 'True'),
    ('"5"', '"5"'),
])
def test_json_values_are_respaced_only_when_the_value_stays_the_same(raw: str, expected: str) -> None:
    assert normalise_json(raw) == expected
    for text in (raw, expected):
        config = Config().from_str(f"[a]\nx = {text}\n")
        assert same(config["a"]["x"], Config().from_str(f"[a]\nx = {raw}\n")["a"]["x"]) or raw != text


def test_the_design_cards_reference_spelling_is_rewritten() -> None:
    text = "[a]\nx = 1\ny = $<a.x>\nz = \"v$<a.x>\"\n"
    formatted = format_text(text).text
    assert formatted == "[a]\nx = 1\ny = ${a.x}\nz = \"v${a.x}\"\n"
    assert archwright.resolve(formatted) == {"a": {"x": 1, "y": 1, "z": "v1"}}
    assert [d.code for d in archwright.validate(text)] == ["AW250", "AW250"]  # spaCy cannot read them
    assert [d.code for d in format_text(text).diagnostics] == ["AW156", "AW156"]  # fmt says what it rewrote
    assert not [d for d in archwright.validate(formatted) if d.code == "AW250"]


def test_multi_line_values_keep_their_relative_indentation_and_blank_lines() -> None:
    text = "[a]\n  x = [\n        1,\n\n      # inside\n          2\n    ]\ny: 2\n"
    formatted = format_text(text).text
    assert formatted == "[a]\nx = [\n        1,\n\n      # inside\n          2\n    ]\ny = 2\n"
    assert Config().from_str(formatted) == Config().from_str(text)


# -- refusals and files -----------------------------------------------------------------------------

def test_a_config_with_syntax_errors_is_left_untouched(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.cfg"
    path.write_text("[a]\nx = [\n1\n]\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "fmt", str(path))
    assert code == 1 and "AW102" in err and out == ""
    assert path.read_text(encoding="utf-8") == "[a]\nx = [\n1\n]\n"


def test_fmt_refuses_when_the_layout_would_change_the_meaning(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "c.cfg"
    path.write_text("[a]\nx = 1\n", encoding="utf-8")
    monkeypatch.setattr(fmt_module, "format_tree", lambda tree, text: "[a]\nx = 2\n")
    code, _, err = run_cli(capsys, "fmt", str(path))
    assert code == 1 and "AW111" in err
    assert path.read_text(encoding="utf-8") == "[a]\nx = 1\n"


def test_fmt_writes_atomically_and_keeps_the_mode(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.cfg"
    path.write_text("[a]\nx=[1,2]\n", encoding="utf-8")
    os.chmod(path, 0o640)
    code, _, err = run_cli(capsys, "fmt", str(tmp_path))
    assert code == 0 and f"reformatted {path}" in err
    assert path.read_text(encoding="utf-8") == "[a]\nx = [1, 2]\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["c.cfg"]  # no temporary file left behind
    assert run_cli(capsys, "fmt", "--check", str(path))[0] == 0


def test_windows_line_ends_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.cfg"
    path.write_bytes(b"[a]\r\nx=1\r\n")
    assert format_file(str(path)).written
    assert path.read_bytes() == b"[a]\r\nx = 1\r\n"


def test_a_file_changed_on_disk_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "c.cfg"
    path.write_text("[a]\nx=1\n", encoding="utf-8")
    problem = fmt_module.write_atomic(str(path), "[a]\nx = 1\n", expected=b"something else")
    assert problem is not None and problem.code == "AW112"
    assert path.read_text(encoding="utf-8") == "[a]\nx=1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.cfg"]


def test_an_unwritable_directory_is_a_diagnostic(tmp_path: Path) -> None:
    problem = fmt_module.write_atomic(str(tmp_path / "missing" / "c.cfg"), "[a]\n")
    assert problem is not None and problem.code == "AW113"


def test_standard_input_is_formatted_to_standard_output(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"[a]\nx=1\n")))
    code, out, err = run_cli(capsys, "fmt", "-")
    assert (code, out, err) == (0, "[a]\nx = 1\n", "")


def test_the_python_api(tmp_path: Path) -> None:
    assert archwright.fmt("[a]\nx=1\n") == "[a]\nx = 1\n"
    path = tmp_path / "c.cfg"
    path.write_text("[a]\nx=1\n", encoding="utf-8")
    assert archwright.fmt(path) == "[a]\nx = 1\n" and path.read_text() == "[a]\nx=1\n"
    archwright.fmt(path, write=True)
    assert path.read_text() == "[a]\nx = 1\n"
    with pytest.raises(archwright.ConfigError) as error:
        archwright.fmt("x = 1\n")
    assert error.value.diagnostics[0].code == "AW101"


# -- property: random layouts of random configs -----------------------------------------------------

_VALUES = st.sampled_from(['1', '1.50', '1e-8', '"x"', '[1,2]', '{"a" :1}', 'True', 'null', 'hello world',
                           '"5"', '[ ]', '${s0.k0}', '"v${s0.k0}"', '$$5', '$<s0.k0>', "'q'", '1 # c'])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def _configs(draw) -> str:
    lines = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            lines.append(draw(_SPACE) + "# comment " + str(i))
        lines.append(f"{draw(_SPACE)}[s{i}]{draw(st.sampled_from(['', ' # after']))}")
        for j in range(draw(st.integers(1 if i == 0 else 0, 4))):
            delimiter = draw(st.sampled_from(["=", " = ", ":", " :  "]))
            lines.append(f"k{j}{delimiter}{draw(_VALUES)}{draw(_SPACE)}")
            if draw(st.integers(0, 5)) == 0:
                lines.append(draw(st.sampled_from(["    more", "  ; inside", "", "\t[x]"])) + "")
                lines.append("      tail")
            lines.extend([""] * draw(st.integers(0, 2)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=200, deadline=None)
@given(_configs())
def test_fmt_is_idempotent_and_keeps_the_meaning_of_generated_configs(text: str) -> None:
    result = format_text(text)
    if result.text is None:  # only for text spaCy cannot read either (a header indented into a value ...)
        assert any(d.code.startswith("AW1") for d in result.diagnostics)
        assert _confection(text, interpolate=False) is None
        return
    assert format_text(result.text).text == result.text
    for interpolate in (False, True):
        before = _confection(text.replace("$<s0.k0>", "${s0.k0}"), interpolate)
        after = _confection(result.text, interpolate)
        assert (before is None) == (after is None)
        if before is not None:
            assert same(json.loads(json.dumps(before)), json.loads(json.dumps(after)))


def test_the_bundled_configs_are_in_the_canonical_layout(capsys) -> None:
    """What the archwright-fmt pre-commit hook checks, on this repository's own configs."""
    code, _, _ = run_cli(capsys, "fmt", "--check", str(ROOT / "examples"), str(ROOT / "docs"))
    assert code == 0


# -- the diff -------------------------------------------------------------------------------------

def _apply(diff: str, before: str) -> str:
    """`patch`'s work, strictly: every context and removed line must be where the hunk says."""
    old = before.splitlines(keepends=True)
    lines = diff.splitlines(keepends=True)
    assert lines[0].startswith("--- ") and lines[1].startswith("+++ ")
    out: list[str] = []
    at = 0  # lines of `old` consumed
    k = 2
    while k < len(lines):
        header = lines[k].split()
        assert header[0] == "@@" and header[3] == "@@", lines[k]
        start, _, length = header[1][1:].partition(",")
        start, length = int(start), int(length or 1)
        begin = start - 1 if length else start
        assert begin >= at, "hunks overlap or go backwards"
        out += old[at:begin]
        at = begin
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            line = lines[k]
            if k + 1 < len(lines) and lines[k + 1] == "\\ No newline at end of file\n":
                line = line[:-1]
                k += 1
            if line[0] in " -":
                assert old[at] == line[1:], (at, old[at], line)
                at += 1
            if line[0] in " +":
                out.append(line[1:])
            k += 1
    return "".join(out + old[at:])


def _fmt_diffs() -> list[tuple[str, str]]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").rglob("*.cfg"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.cfg"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(REAL.glob("*.cfg"))] if REAL.is_dir() else []
    pairs = []
    for text in texts:
        # the same config written carelessly: spaces around `=`, indented keys, blank lines
        for messy in (text, text.replace(" = ", "=").replace("\n\n", "\n\n\n"), text.replace("\n[", "\n  \n[")
                      .replace("\n", "\n\n", 3), "\n\n" + text.replace("\n\n", "\n").rstrip("\n")):
            result = format_text(messy)
            if result.text is not None and result.text != messy:
                pairs.append((messy, result.text))
    return pairs


def test_the_diff_turns_the_original_into_the_formatted_text() -> None:
    import difflib

    pairs = _fmt_diffs()
    assert len(pairs) > 20
    for before, after in pairs:
        diff = fmt_module.unified_diff(before, after, "x.cfg")
        assert _apply(diff, before) == after
        # and it shows no more changed lines with text than difflib's longest-match diff does
        # (blank lines can pair differently: fmt's diff keeps them next to the lines they were next to)
        changed = _solid_changes(diff.splitlines(True))
        reference = _solid_changes(list(difflib.unified_diff(before.splitlines(True), after.splitlines(True))))
        assert changed <= reference, (changed, reference, diff)


def _solid_changes(lines: list[str]) -> int:
    return sum(1 for line in lines if line[:1] in "+-" and line[:3] not in ("---", "+++") and line[1:].strip())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "a", "b", "a ", "[s]", "x = 1", "x=1"]), max_size=30),
       st.lists(st.sampled_from(["", " ", "a", "b", "[s]", "x = 1"]), max_size=30), st.booleans())
def test_the_diff_is_correct_for_any_two_texts(a: list[str], b: list[str], newline: bool) -> None:
    before, after = "\n".join(a) + "\n" * newline, "\n".join(b)
    diff = fmt_module.unified_diff(before, after, "x.cfg")
    if before.splitlines(keepends=True) == after.splitlines(keepends=True):
        assert diff == ""
    else:
        assert _apply(diff, before) == after


def test_the_diff_of_a_wide_config_is_one_pass(monkeypatch, tmp_path: Path, capsys) -> None:
    """A generated config of thousands of sections with the same keys took 20 s of CPU with
    difflib's matcher (quadratic on near-identical lines); the diff pairs lines in one pass."""
    import difflib

    def quadratic(*args, **kwargs):
        raise AssertionError("fmt --diff used difflib's matcher")

    monkeypatch.setattr(difflib, "SequenceMatcher", quadratic)
    text = "".join(f"[s{i}]\n" + "".join(f"k{j}={j}\n" for j in range(10)) for i in range(3000))
    path = tmp_path / "wide.cfg"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run_cli(capsys, "fmt", "--check", "--diff", str(path))
    assert code == 1 and out.count("\n-k0=0\n") == 3000 and out.count("\n+k0 = 0\n") == 3000
    assert path.read_text(encoding="utf-8") == text
    assert _apply(out, text) == format_text(text).text


def test_the_language_servers_formatting_of_a_wide_config_is_one_pass(monkeypatch) -> None:
    """The editor's "format document" made its line edits with difflib's matcher too."""
    import difflib

    from lsp_session import apply_edits

    from archwright.lsp.actions import formatting
    from archwright.lsp.document import Document

    def quadratic(*args, **kwargs):
        raise AssertionError("formatting used difflib's matcher")

    monkeypatch.setattr(difflib, "SequenceMatcher", quadratic)
    text = "".join(f"[s{i}]\n" + "".join(f"k{j}={j}\n" for j in range(10)) + "\n" * (i % 3) for i in range(2000))
    edits = formatting(Document("file:///wide.cfg", text, encoding="utf-32"))
    assert 2000 <= len(edits) <= 4000  # each section's keys, and the blank lines between sections
    assert apply_edits(text, edits) == format_text(text).text
