"""The README's commands and outputs are real: its test command is what CI runs, and its
console example is what archwright prints."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import run_cli

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


@pytest.mark.parametrize("command, exit_code", [("summary", 0), ("fmt", 1), ("diff", 1), ("fill", 0)])
def test_each_commands_example_is_what_archwright_prints(command: str, exit_code: int, capsys, monkeypatch) -> None:
    block = re.search(rf"```console\n\$ archwright ({command} [^\n]+)\n(.*?)```", README, re.S)
    monkeypatch.chdir(ROOT)
    code, out, err = run_cli(capsys, *block.group(1).split())
    assert code == exit_code and out + err == block.group(2)
