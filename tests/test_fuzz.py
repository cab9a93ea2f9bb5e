"""The bounded, seeded fuzzer (scripts/fuzz.py, which also runs for hours when asked): every CLI
command and the public API on mutated corpus configs, generated text, extreme sizes and random
overrides, each input under a time and an address-space limit in a pool of worker processes.
Not one input may give a traceback, a time-out or a limit breach. About a minute on two busy cores.

The fuzzer runs in a process of its own: forking pytest's process (whose other tests may have
left threads running) could deadlock a worker on a lock some thread held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201
INPUTS_PER_COMMAND = 40
COMMANDS = 22  # the ten CLI commands, the two servers (ui, lsp) and ten API functions scripts/fuzz.py runs


def _fuzz(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, dict, list[Path]]:
    figures = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "fuzz.py"), *options, "--json", str(figures),
                             "--crashes", str(tmp_path / "crashes")], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert figures.is_file(), result.stdout[-2000:] + result.stderr[-2000:]
    return result, json.loads(figures.read_text(encoding="utf-8")), sorted((tmp_path / "crashes").glob("*/README"))


@pytest.mark.fuzz
def test_no_input_to_any_command_gives_a_traceback_a_hang_or_a_blow_up(tmp_path) -> None:
    result, data, reports = _fuzz(tmp_path, "--seed", str(SEED), "--inputs", str(INPUTS_PER_COMMAND * COMMANDS),
                                  "--time-limit", "30", "--workers", "2")
    counts = data["commands"]
    assert len(counts) == COMMANDS and all(sum(c.values()) == INPUTS_PER_COMMAND for c in counts.values()), counts
    failed = {command: c for command, c in counts.items() if set(c) - {"ok"}}
    assert not failed and result.returncode == 0, result.stdout[-3000:] + "\n\n" + "\n\n".join(
        r.read_text(encoding="utf-8")[:3000] for r in reports[:5])


@pytest.mark.fuzz
def test_the_fuzzer_catches_each_kind_of_failure_and_replaces_the_worker(tmp_path) -> None:
    """Inputs that break each limit on purpose (the fuzzer's probes): a CPU loop is a time-out
    (the CPU-time limit), a sleep is a time-out (the wall clock: five times the limit), a 64 GiB
    allocation a limit breach, an exception a traceback; an ordinary input after each of them
    still runs, in a fresh worker."""
    probes = ["probe.spin", "probe.ok", "probe.allocate", "probe.ok", "probe.fail", "probe.ok", "probe.hang",
              "probe.ok"]
    result, data, reports = _fuzz(tmp_path, "--seed", "1", "--inputs", "16", "--time-limit", "1", "--workers", "2",
                                  *[word for probe in probes for word in ("--only", probe)])
    counts = data["commands"]
    assert counts == {"probe.spin": {"timeout": 2}, "probe.ok": {"ok": 8}, "probe.allocate": {"limit": 2},
                      "probe.fail": {"traceback": 2}, "probe.hang": {"timeout": 2}}, counts
    assert result.returncode == 1 and data["total"] == 16
    assert len(reports) == 8
    for report in reports:  # each failure saved with the line that replays it
        assert "python scripts/fuzz.py --seed 1 --replay " in report.read_text(encoding="utf-8")
    hung = [r.read_text(encoding="utf-8") for r in reports if "probe.hang" in r.parent.name]
    assert len(hung) == 2 and all("s waiting without computing" in r and "0.0 s of CPU" in r for r in hung), hung
    failed = [r for r in reports if "probe.fail" in r.parent.name]
    assert len(failed) == 2 and all("KeyError: 'an internal error'" in r.read_text(encoding="utf-8") for r in failed)
