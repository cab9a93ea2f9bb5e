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


def test_the_graph_example_writes_what_it_says(capsys, monkeypatch, tmp_path) -> None:
    block = re.search(r"```console\n\$ archwright (graph [^\n]+)\n(.*?)```", README, re.S)
    arguments = block.group(1).split()
    (tmp_path / "examples").mkdir()
    config = arguments[1]
    (tmp_path / config).write_bytes((ROOT / config).read_bytes())
    monkeypatch.chdir(tmp_path)  # the graph is written here, not into the checkout
    code, out, err = run_cli(capsys, *arguments)
    assert code == 0 and out + err == block.group(2)
    written = (tmp_path / arguments[arguments.index("-o") + 1]).read_text(encoding="utf-8")
    assert 'tok2vec -> tagger [label="width 96" style=dashed]' in written


def test_the_first_command_checks_the_examples_and_summarizes_one(capsys, monkeypatch) -> None:
    first = _bash_blocks()[0]
    monkeypatch.chdir(ROOT)
    commands = [part.split("archwright ", 1)[1].split() for part in first.split(" && ") if "/archwright " in part]
    assert [c[0] for c in commands] == ["validate", "summary"]
    code, out, _ = run_cli(capsys, *commands[0])
    count = len(list((ROOT / "examples").rglob("*.cfg")))
    assert code == 0 and out.strip() == f"{count} files checked: 0 errors, 0 warnings"
    assert f'"{count} files checked: 0 errors, 0 warnings"' in README
    code, out, _ = run_cli(capsys, *commands[1])
    assert code == 0 and out.startswith("tagger (spacy.Tagger.v2): ") and "receptive field 9 tokens" in out


def test_explain_suggests_the_cards_a_short_name_is_part_of(capsys) -> None:
    code, _, err = run_cli(capsys, "explain", "Tok2Vec")
    assert code == 1 and '"spacy.Tok2Vec.v2" (@architectures)' in err
    code, _, err = run_cli(capsys, "explain", "maxout")
    assert code == 1 and '"spacy.MaxoutWindowEncoder.v2" (@architectures)' in err and '"Maxout.v1" (@layers)' in err
    code, _, err = run_cli(capsys, "explain", "spacy.MaxoutWindowEncoder.v3")  # a typo keeps its one answer
    assert code == 1 and 'did you mean "spacy.MaxoutWindowEncoder.v2" (@architectures)?' in err
