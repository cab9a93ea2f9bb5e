"""archwright's built models against spaCy's own, in one process, on the same config blocks:
build+initialize time (target <= 1.0x spaCy's) and forward-pass words per second (target >=
0.95x spaCy's). Both read the same spaCy Docs. (TextCatEnsemble.v2 is left out: spaCy cannot
initialize it outside a pipeline with `nO` set.) Prints a table; needs spaCy (the `parity` extra).

    python benchmarks/build.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archwright.compiler.build import build_architecture
from archwright.compiler.compilation import Compilation

CASES = [("pipeline_cnn.cfg: tok2vec (HashEmbedCNN-style Tok2Vec)", "pipeline_cnn.cfg", "tok2vec"),
         ("TextCatCNN.v2 (the spec's example)", "architectures/spacy.TextCatCNN.v2.cfg", None),
         ("textcat_bow.cfg: textcat (TextCatBOW.v3)", "textcat_bow.cfg", "textcat")]
N_LABELS = 4
TEXT = ("The quick brown fox jumps over the lazy dog while seven Swiss cats watch from a tall wooden fence "
        "near Berlin in late May. ") * 3


def _block(config: str, component: str | None) -> dict:
    data = Compilation(ROOT / "examples" / config).resolved.data
    block = dict(data["components"][component]["model"] if component else data["model"])
    if "nO" in block and block["nO"] is None:
        block["nO"] = N_LABELS  # what spaCy's component sets before initializing
    return block


def _spacy_model(block: dict):
    from spacy.util import registry

    return registry.resolve({"model": block})["model"]


def _ours(block: dict):
    block = dict(block)
    return build_architecture(block.pop("@architectures"), **block)


def _median_seconds(make, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        make()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    import spacy

    runs = 3 if "--quick" in sys.argv else 7
    nlp = spacy.blank("en")
    sample = [nlp(TEXT[:120]), nlp("Hello there!")]
    batch = [nlp(TEXT) for _ in range(64)]
    words = sum(len(d) for d in batch)
    print(f"load average before: {os.getloadavg()[0]:.1f}; {runs} runs each, medians; forward on {words:,} words")
    print("| case | build+init spaCy | archwright | ratio (<= 1.0) | words/s spaCy | archwright | ratio (>= 0.95) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for title, config, component in CASES:
        block = _block(config, component)
        builders = {"spacy": lambda b=block: _spacy_model(b).initialize(X=sample),
                    "ours": lambda b=block: _ours(b).initialize(X=sample)}
        build_times = {}
        for name in ("spacy", "ours", "spacy", "ours"):  # interleaved; the first round warms up
            build_times[name] = _median_seconds(builders[name], runs)
        models = {"spacy": builders["spacy"](), "ours": builders["ours"]()}
        speed = {}
        for name in ("spacy", "ours", "spacy", "ours"):
            speed[name] = words / _median_seconds(lambda m=models[name]: m.predict(batch), runs)
        print(f"| {title} | {build_times['spacy'] * 1000:.1f} ms | {build_times['ours'] * 1000:.1f} ms | "
              f"**{build_times['ours'] / build_times['spacy']:.2f}** | {speed['spacy']:,.0f} | {speed['ours']:,.0f} | "
              f"**{speed['ours'] / speed['spacy']:.2f}** |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
