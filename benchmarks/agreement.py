"""archwright's verdicts against spaCy's `spacy train` stages on random one-edit mutations.

    python benchmarks/agreement.py [--seed N] [--per-base N]

Prints the seed, recall (spaCy rejects -> archwright reports an error), precision (archwright
reports an error -> spaCy rejects; the stricter-than-spaCy codes counted apart), the share of
errors located at the edit, and every disagreement. Needs spaCy (the `parity` extra) and
../shared beside the checkout.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from agreement import base_files, compare  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed (printed)")
    parser.add_argument("--per-base", type=int, default=10, help="mutations of each base config")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    real = ROOT.parent / "shared" / "corpus" / "real"
    bases = [(p.name, p.read_text(encoding="utf-8")) for p in base_files(real)]
    if not bases:
        print(f"no base configs: {real} is absent", file=sys.stderr)
        return 1
    started = time.perf_counter()
    tally = compare(bases, seed, args.per_base)
    print(tally.summary())
    print(f"{len(tally.environment)} rejected by spaCy for a file missing on this machine; "
          f"{time.perf_counter() - started:.0f} s")
    print(tally.disagreements())
    return 0


if __name__ == "__main__":
    sys.exit(main())
