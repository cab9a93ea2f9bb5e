"""Shared test fixtures. `../shared` (the spec and corpus) sits beside the checkout in CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REAL = CORPUS / "real"
SKIP_REASON = f"../shared is absent ({SHARED}): the spec and corpus tests need it beside the checkout"

needs_shared = pytest.mark.skipif(not CORPUS.is_dir(), reason=SKIP_REASON)


def real_configs(step: int = 1):
    """(file name, text) of every `step`-th config of the shared corpus that is UTF-8."""
    for path in sorted(REAL.glob("*.cfg"))[::step]:
        try:
            yield path.name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def confection_cases() -> list[dict]:
    path = CORPUS / "confection_cases.jsonl"
    return load_jsonl(path) if path.is_file() else []


def oracle_rows() -> list[dict]:
    path = REAL / "oracle.jsonl"
    return load_jsonl(path) if path.is_file() else []


def same_value(a, b) -> bool:
    """Equality that also treats NaN as equal to NaN and insists on equal types (1 is not True)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def same_ordered(a, b) -> bool:
    """same_value, and dict keys in the same order at every level."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_ordered(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_ordered(x, y) for x, y in zip(a, b))
    return same_value(a, b)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """archwright's main() in-process; argparse's own exits (bad invocations) count as the exit code."""
    from archwright.cli import main

    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def registry():
    """The shared registry, restored afterwards: --code adds to it (cards, factories, languages)
    for the whole process."""
    import sys

    from archwright import code_files
    from archwright.compiler import registry as registry_module

    shared = registry_module.default_registry()
    cards = dict(shared._cards)
    loaded = dict(code_files._loaded_code)
    added = [(d, dict(d)) for d in (registry_module._added_factories, registry_module._added_settings,
                                    registry_module._added_weights, registry_module._added_languages)]
    modules = set(sys.modules)
    yield shared
    shared._cards.clear()
    shared._cards.update(cards)
    code_files._loaded_code.clear()
    code_files._loaded_code.update(loaded)
    for table, saved in added:
        table.clear()
        table.update(saved)
    for name in set(sys.modules) - modules:
        if name.startswith("_archwright_code_"):
            del sys.modules[name]
