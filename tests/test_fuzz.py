"""The bounded, seeded fuzzer (scripts/fuzz.py, which also runs for hours when asked): every CLI
command and the public API on mutated corpus configs, generated text, extreme sizes and random
overrides, each input in a forked child with a time and an address-space limit. Not one input may
give a traceback, a time-out or a limit breach. About a minute on two busy cores.

The fuzzer runs in a process of its own: forking pytest's process (whose other tests may have
left threads running) could deadlock a child on a lock some thread held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201
INPUTS_PER_COMMAND = 30
COMMANDS = 20  # the ten CLI commands and ten API functions scripts/fuzz.py runs


@pytest.mark.fuzz
def test_no_input_to_any_command_gives_a_traceback_a_hang_or_a_blow_up(tmp_path) -> None:
    figures = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--seed", str(SEED),
                             "--inputs", str(INPUTS_PER_COMMAND * COMMANDS), "--time-limit", "30",
                             "--json", str(figures), "--crashes", str(tmp_path / "crashes")],
                            capture_output=True, text=True, timeout=900,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    data = json.loads(figures.read_text(encoding="utf-8"))
    counts = data["commands"]
    assert len(counts) == COMMANDS and all(sum(c.values()) == INPUTS_PER_COMMAND for c in counts.values()), counts
    failed = {command: c for command, c in counts.items() if set(c) - {"ok"}}
    reports = sorted((tmp_path / "crashes").glob("*/README"))
    assert not failed and result.returncode == 0, result.stdout[-3000:] + "\n\n" + "\n\n".join(
        r.read_text(encoding="utf-8")[:3000] for r in reports[:5])
