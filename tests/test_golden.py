"""Golden files: one broken config per diagnostic code, with its expected human and JSON output.

A config may start with a header comment: `# overrides: {JSON}` (applied through the Python API)
or `# command: WORDS` (run `archwright WORDS CONFIG` instead of validating) or
`# environment: NAME=VALUE` (run `archwright validate CONFIG` with that variable set). Regenerate the expected
files with ARCHWRIGHT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from archwright.cli import main
from archwright.compiler.compilation import Compilation
from archwright.diagnostics import CODES, render_human, render_json

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ARCHWRIGHT_UPDATE_GOLDEN") == "1"
ERR_FILES = sorted((GOLDEN / "err").glob("*.cfg"))
EXAMPLES = sorted((GOLDEN.parent.parent / "examples").glob("*.cfg"))


def _header(path: Path) -> dict[str, str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    match = re.match(r"# (overrides|command|environment): (.*)", first)
    return {match.group(1): match.group(2)} if match else {}


def _outputs(path: Path, capsys, monkeypatch) -> tuple[str, str]:
    relative = path.relative_to(GOLDEN.parent.parent).as_posix()
    header = _header(path)
    if "command" in header:
        return _run(header["command"].split() + [relative], GOLDEN.parent.parent, capsys), ""
    if "environment" in header:
        name, value = header["environment"].split("=", 1)
        monkeypatch.setenv(name, value)
        return _run(["validate", relative], GOLDEN.parent.parent, capsys), ""
    overrides = json.loads(header["overrides"]) if "overrides" in header else None
    compilation = Compilation(path, path=relative, overrides=overrides)
    report = [(relative, compilation.text, compilation.diagnostics)]
    return render_human(report) + "\n", render_json(report) + "\n"


def _run(argv: list[str], cwd: Path, capsys) -> str:
    before = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(argv)
    finally:
        os.chdir(before)
    captured = capsys.readouterr()
    return f"exit {code}\n{captured.err}{captured.out}"


def _check(expected_path: Path, actual: str) -> None:
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.is_file(), f"{expected_path.name} is missing: run with ARCHWRIGHT_UPDATE_GOLDEN=1"
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ERR_FILES, ids=lambda p: p.stem)
def test_broken_config_gives_its_code(path: Path, capsys, monkeypatch) -> None:
    human, as_json = _outputs(path, capsys, monkeypatch)
    code = path.stem.split("-", 1)[0]
    assert code in human, f"{path.name} should produce {code}"
    _check(path.with_suffix(".expected"), human)
    if as_json:
        _check(path.with_suffix(".json"), as_json)
        reported = {d["code"] for f in json.loads(as_json)["files"] for d in f["diagnostics"]}
        assert code in reported


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_bundled_examples_are_clean(path: Path) -> None:
    compilation = Compilation(path)
    assert compilation.diagnostics == []
    assert compilation.resolved is not None


def test_input_too_large(tmp_path: Path, capsys) -> None:
    """AW109: the golden output of a config over 32 MiB (made here: too big to keep in the repo)."""
    (tmp_path / "huge.cfg").write_text("[a]\n" + "# padding\n" * (3_500_000), encoding="utf-8")
    _check(GOLDEN / "err" / "AW109-input-too-large.expected", _run(["validate", "huge.cfg"], tmp_path, capsys))


# codes whose cause a config file cannot carry: fmt's guard against changing a config's meaning,
# a file changed or unwritable while it is written (tests/test_fmt.py provokes each), and an
# optional package missing, which the test command installs (tests/test_build*.py hide it), and
# a file the config names while the caller turned reading them off (the explorer; test_build_transformers.py)
NOT_FROM_A_CONFIG = {"AW111", "AW112", "AW113", "AW114", "AW501", "AW509", "AW510"}


def test_every_code_has_a_golden_file() -> None:
    covered = {p.stem.split("-", 1)[0] for p in ERR_FILES} | {"AW109"} | NOT_FROM_A_CONFIG
    assert covered == set(CODES)
