"""The README's commands and outputs are real: its test command is what CI runs, and its
console example is what archwright prints."""

from __future__ import annotations

import os
import re
from pathlib import Path

from archwright.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", README, re.S)


def test_ci_runs_the_readmes_test_command() -> None:
    test_command = next(b for b in _bash_blocks() if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_validate_example_is_what_archwright_prints(capsys, monkeypatch) -> None:
    block = re.search(r"```console\n\$ archwright validate (\S+)\n(.*?)```", README, re.S)
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(os.environ, "NO_COLOR", "1")
    assert main(["validate", block.group(1)]) == 1
    assert capsys.readouterr().out == block.group(2)


def test_the_python_example_runs_as_shown(monkeypatch) -> None:
    import doctest

    block = next(b for b in re.findall(r"```python\n(.*?)```", README, re.S) if ">>>" in b)
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_the_summary_example_is_what_archwright_prints(capsys, monkeypatch) -> None:
    block = re.search(r"```console\n\$ archwright (summary [^\n]+)\n(.*?)```", README, re.S)
    monkeypatch.chdir(ROOT)
    assert main(block.group(1).split()) == 0
    assert capsys.readouterr().out == block.group(2)
