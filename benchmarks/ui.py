"""Server time of the explorer's config page for the bundled four-component pipeline, measured
with Streamlit's AppTest (no browser): the first load, a rerun (the Compilation cached per
text), a changed override (a new compilation) and a component switch. Target: a rerun under 1 s.
There is no reference tool to compare with, so the figures are absolute. Needs the `ui` extra.

    python benchmarks/ui.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP = ROOT / "archwright" / "ui" / "app.py"


def _seconds(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    from streamlit.testing.v1 import AppTest

    runs = 3 if "--quick" in sys.argv else 10
    at = AppTest.from_file(str(APP), default_timeout=120)
    first = _seconds(at.run)
    reruns = [_seconds(at.run) for _ in range(runs)]
    depths = [_seconds(lambda d=d: at.number_input(key="ov:components.tok2vec.model.encode.depth")
                       .set_value(d).run()) for d in range(2, 2 + runs)]
    components = ["tagger", "parser", "ner", "tok2vec"]
    switches = [_seconds(lambda c=components[i % 4]: at.selectbox(key="component").select(c).run())
                for i in range(runs)]
    assert not at.exception, at.exception
    print("| step (pipeline_cnn.cfg, 4 components) | median | max | target |")
    print("|---|---:|---:|---:|")
    print(f"| first load (imports included) | {first * 1000:.0f} ms | | |")
    for name, times in (("rerun", reruns), ("changed depth (recompiles)", depths), ("switch component", switches)):
        target = "< 1000 ms" if name == "rerun" else ""
        print(f"| {name} | {statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms | {target} |")


if __name__ == "__main__":
    main()
