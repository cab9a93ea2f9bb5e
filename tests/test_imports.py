"""Validating a config must stay light: no thinc, numpy, networkx or streamlit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ["thinc", "numpy", "networkx", "streamlit", "torch", "spacy"]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pipeline_cnn.cfg"


def _modules_after(code: str) -> set[str]:
    script = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_python_validation_imports_nothing_heavy() -> None:
    modules = _modules_after(
        f"import archwright\nfrom pathlib import Path\n"
        f"assert archwright.validate(Path({str(EXAMPLE)!r})) == []\n"
        f"archwright.resolve('[a]\\nx = ${{a.y}}\\ny = 1', overrides={{'a.y': 2}})")
    assert "archwright.compiler.resolve" in modules  # the phases really ran
    assert _heavy(modules) == set()


def test_cli_validation_imports_nothing_heavy() -> None:
    modules = _modules_after(
        f"from archwright.cli import main\nassert main(['validate', {str(EXAMPLE)!r}]) == 0")
    assert "archwright.grammar.parser" in modules
    assert _heavy(modules) == set()


def test_validation_does_not_import_lark() -> None:
    # the LALR tables are built from the grammar at release time (archwright/grammar/tables.py)
    modules = _modules_after(
        f"from archwright.cli import main\nassert main(['validate', {str(EXAMPLE)!r}]) == 0")
    assert "archwright.grammar.lalr" in modules
    assert {m for m in modules if m.split(".")[0] == "lark"} == set()


def test_compiling_imports_networkx_but_not_thinc_or_streamlit() -> None:
    modules = _modules_after(
        f"import archwright\nfrom pathlib import Path\n"
        f"assert archwright.compile(Path({str(EXAMPLE)!r})).graph is not None")
    assert "networkx" in modules
    assert _heavy(modules) == {m for m in modules if m.split(".")[0] == "networkx"}


def test_the_language_server_checks_hovers_and_completes_without_anything_heavy() -> None:
    modules = _modules_after(
        "from lsprotocol import types\nfrom archwright.lsp import server, hover, complete, outline\n"
        "from archwright.lsp.document import Document\n"
        f"text = open({str(EXAMPLE)!r}).read()\n"
        "doc = Document('file:///x.cfg', text)\n"
        "assert doc.diagnostics == []\n"
        "lines = text.split('\\n')\n"
        "line = next(i for i, l in enumerate(lines) if l.startswith('window_size'))\n"
        "assert hover.hover(doc, types.Position(line, 1)) is not None\n"
        "line = next(i for i, l in enumerate(lines) if l.startswith('@architectures'))\n"
        "assert hover.hover(doc, types.Position(line, 20)) is not None\n"
        "assert complete.complete(doc, types.Position(line, 18)) is not None\n"
        "assert outline.symbols(doc) and outline.folding(doc)\n")
    assert "archwright.lsp.server" in modules and "pygls" in modules
    assert _heavy(modules) == set()
