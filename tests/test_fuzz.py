"""The bounded, seeded fuzzer (scripts/fuzz.py, which also runs for hours when asked): every CLI
command and the public API on mutated corpus configs, generated text, extreme sizes and random
overrides, each input in a forked child with a time and an address-space limit. Not one input may
give a traceback, a time-out or a limit breach. About a minute on two busy cores."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201
INPUTS_PER_COMMAND = 30


def _fuzzer():
    spec = importlib.util.spec_from_file_location("archwright_fuzz", ROOT / "scripts" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["archwright_fuzz"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.fuzz
def test_no_input_to_any_command_gives_a_traceback_a_hang_or_a_blow_up(tmp_path) -> None:
    fuzz = _fuzzer()
    commands = fuzz.COMMANDS + fuzz.API
    figures = fuzz.fuzz(SEED, INPUTS_PER_COMMAND * len(commands), time_limit=30, crashes=tmp_path / "crashes")
    assert set(figures.counts) == set(commands)  # every command and API function ran
    assert all(sum(figures.counts[c].values()) == INPUTS_PER_COMMAND for c in commands)
    reports = sorted((tmp_path / "crashes").glob("*/README")) if (tmp_path / "crashes").is_dir() else []
    assert figures.failures() == 0, figures.table() + "\n\n" + "\n\n".join(
        r.read_text(encoding="utf-8")[:3000] for r in reports[:5])
