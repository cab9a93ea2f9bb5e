"""archwright's built models against spaCy's own, in one process, on the same config blocks:
build+initialize time (target <= 1.0x spaCy's) and forward-pass words per second (target >=
1.0x spaCy's), one case per architecture family. Both read the same spaCy Docs. Left out:
TextCatEnsemble.v2 and EntityLinker.v1, which spaCy cannot initialize outside a pipeline, and the
transformers (a model directory). Prints a table; needs spaCy (the `parity` extra).

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

from archwright.compiler.thinc import build_architecture
from archwright.compiler.compilation import Compilation

# (title, example config, component or None for its [model], settings a pipeline would add, inputs)
CASES = [("pipeline_cnn.cfg: tok2vec (HashEmbedCNN-style Tok2Vec)", "pipeline_cnn.cfg", "tok2vec", {}, None),
         ("Tok2Vec.v2 (MultiHashEmbed + MaxoutWindowEncoder)", "architectures/spacy.Tok2Vec.v2.cfg", None, {}, None),
         ("CharacterEmbed.v2", "architectures/spacy.CharacterEmbed.v2.cfg", None, {}, None),
         ("Tagger.v1", "architectures/spacy.Tagger.v1.cfg", None, {}, None),
         ("TransitionBasedParser.v2 (ner)", "architectures/spacy.TransitionBasedParser.v2.cfg", None, {"nO": 4}, None),
         ("SpanCategorizer.v1", "architectures/spacy.SpanCategorizer.v1.cfg", None,
          {"scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": 4}}, "spans"),
         ("TextCatCNN.v2 (the spec's example)", "architectures/spacy.TextCatCNN.v2.cfg", None, {}, None),
         ("textcat_bow.cfg: textcat (TextCatBOW.v3)", "textcat_bow.cfg", "textcat", {}, None)]
N_LABELS = 4
TEXT = ("The quick brown fox jumps over the lazy dog while seven Swiss cats watch from a tall wooden fence "
        "near Berlin in late May. ") * 3


def _block(config: str, component: str | None, settings: dict) -> dict:
    data = Compilation(ROOT / "examples" / config).resolved.data
    block = dict(data["components"][component]["model"] if component else data["model"])
    if "nO" in block and block["nO"] is None:
        block["nO"] = N_LABELS  # what spaCy's component sets before initializing
    block.update(settings)
    return block


def _spans(docs: list):
    """A span categorizer's input: the docs and every other two-token span of each."""
    import numpy
    from thinc.api import get_current_ops
    from thinc.types import Ragged

    ops = get_current_ops()
    starts = [[(i, i + 2) for i in range(0, len(doc) - 2, 2)] for doc in docs]
    indices = numpy.array([span for spans in starts for span in spans], dtype="i")
    lengths = numpy.array([len(spans) for spans in starts], dtype="i")
    return docs, Ragged(ops.asarray2i(indices), ops.asarray1i(lengths))


INPUTS = {None: lambda docs: docs, "spans": _spans}


def _spacy_model(block: dict):
    from spacy.util import registry

    return registry.resolve({"model": block})["model"]


def _ours(block: dict):
    block = dict(block)
    return build_architecture(block.pop("@architectures"), **block)


def _median_seconds(make, runs: int) -> float:
    """The median CPU time of this process over the runs: on a shared machine, wall time also
    counts the other work that took the processor away (both tools run the same BLAS)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        make()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    import spacy

    runs = 3 if "--quick" in sys.argv else 7
    nlp = spacy.blank("en")
    sample = [nlp(TEXT[:120]), nlp("Hello there!")]
    batch = [nlp(TEXT) for _ in range(64)]
    words = sum(len(d) for d in batch)
    print(f"load average before: {os.getloadavg()[0]:.1f}; {runs} runs each, medians; forward on {words:,} words")
    print("| case | build+init spaCy | archwright | ratio (<= 1.0) | words/s spaCy | archwright | ratio (>= 1.0) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for title, config, component, settings, inputs in CASES:
        block = _block(config, component, settings)
        x_init, x_batch = INPUTS[inputs](sample), INPUTS[inputs](batch)
        builders = {"spacy": lambda b=block: _spacy_model(b).initialize(X=x_init),
                    "ours": lambda b=block: _ours(b).initialize(X=x_init)}
        build_times = {}
        for name in ("spacy", "ours", "spacy", "ours"):  # interleaved; the first round warms up
            build_times[name] = _median_seconds(builders[name], runs)
        models = {"spacy": builders["spacy"](), "ours": builders["ours"]()}
        speed = {}
        for name in ("spacy", "ours", "spacy", "ours"):
            speed[name] = words / _median_seconds(lambda m=models[name]: m.predict(x_batch), runs)
        print(f"| {title} | {build_times['spacy'] * 1000:.1f} ms | {build_times['ours'] * 1000:.1f} ms | "
              f"**{build_times['ours'] / build_times['spacy']:.2f}** | {speed['spacy']:,.0f} | {speed['ours']:,.0f} | "
              f"**{speed['ours'] / speed['spacy']:.2f}** |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
