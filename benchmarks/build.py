"""archwright's built models against spaCy's own, in one process, on the same config blocks:
build+initialize time (target <= 1.0x spaCy's) and forward-pass words per second (target >=
1.0x spaCy's), one case per architecture family spaCy can build and run outside a pipeline.
Both read the same spaCy Docs, and each case first checks that the two models are the same
model: the same parameter count and the same output shapes on the benchmark's batch.

The parser's forward is not spaCy's `predict` on both sides: spaCy's model only prepares a
step model (token vectors and the precomputed lower layer) that its parser then asks for the
scores of parse states; archwright's forward scores one state per token. So spaCy's side here
is its forward followed by its step model scoring those same states (see `_spacy_state_scores`
and benchmarks/README.md). Left out: the listeners (they need a pipeline's upstream
component), the pretraining objectives (a function of a tok2vec, not a model of docs). Prints
a table; needs spaCy (the `parity` extra), torch for the BiLSTM and spacy-transformers with
transformers for the transformer (a tiny random BERT written to a temporary directory: nothing
is downloaded); a case whose packages are missing is reported and skipped.

    python benchmarks/build.py [--quick] [CASE-SUBSTRING ...]
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: no network, ever
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archwright.compiler.compilation import Compilation
from archwright.compiler.thinc import build_architecture, sum_params

N_LABELS = 4
TEXT = ("The quick brown fox jumps over the lazy dog while seven Swiss cats watch from a tall wooden fence "
        "near Berlin in late May. ") * 3
EMBED = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64, "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
         "rows": [5000, 1000, 2500, 2500], "include_static_vectors": False}


class Case(NamedTuple):
    title: str
    block: Callable[[], dict]  # the [model] block both tools build
    inputs: str = "docs"  # what the forward reads: docs, spans (docs and spans), entities (docs with entities)
    needs: tuple[str, ...] = ()  # modules the case needs besides spaCy
    vectors: bool = False  # the docs' vocab (spaCy) and the vectors table (archwright) have vectors
    labels: bool = False  # initialize learns the label count from Y (TextCatEnsemble.v2)


def _example(config: str, component: str | None = None, keep_nO: bool = False,
             **settings: Any) -> Callable[[], dict]:
    """The [model] block of an example config (a component's), with the label count a component
    would set before initializing (unless `keep_nO`), and `settings` over it."""
    def block() -> dict:
        data = Compilation(ROOT / "archwright" / "examples" / config).resolved.data
        found = dict(data["components"][component]["model"] if component else data["model"])
        if "nO" in found and found["nO"] is None and not keep_nO:
            found["nO"] = N_LABELS
        found.update(settings)
        return found
    return block


def _tok2vec(encode: dict, embed: dict = EMBED) -> Callable[[], dict]:
    return lambda: {"@architectures": "spacy.Tok2Vec.v2", "embed": dict(embed), "encode": dict(encode)}


def _ensemble() -> dict:
    block = _example("textcat_ensemble.cfg", "textcat", keep_nO=True)()
    block["linear_model"] = {**block["linear_model"], "nO": N_LABELS}
    return block  # its own nO stays null: spaCy learns it from the labels at initialize


def _transformer() -> dict:
    return {"@architectures": "spacy-transformers.TransformerModel.v3", "name": str(_tiny_bert()),
            "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 32, "stride": 24},
            "tokenizer_config": {"use_fast": True}, "transformer_config": {}, "mixed_precision": False,
            "grad_scaler_config": {}}


CASES = [
    Case("HashEmbedCNN.v2 (pipeline_cnn.cfg's tok2vec)", _example("pipeline_cnn.cfg", "tok2vec")),
    Case("HashEmbedCNN.v1 (legacy)", _example("architectures/spacy.HashEmbedCNN.v1.cfg")),
    Case("Tok2Vec.v2 (MultiHashEmbed.v2 + MaxoutWindowEncoder.v2)", _example("architectures/spacy.Tok2Vec.v2.cfg")),
    Case("Tok2Vec.v1 (legacy; CharacterEmbed.v2 + MaxoutWindowEncoder.v2)",
         _example("architectures/spacy.Tok2Vec.v1.cfg")),
    Case("CharacterEmbed.v2", _example("architectures/spacy.CharacterEmbed.v2.cfg")),
    Case("MultiHashEmbed.v2 with StaticVectors.v2", _tok2vec(
        {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1, "maxout_pieces": 3,
         "depth": 2}, {**EMBED, "include_static_vectors": True}), vectors=True),
    Case("MishWindowEncoder.v2 (in Tok2Vec.v2)", _tok2vec(
        {"@architectures": "spacy.MishWindowEncoder.v2", "width": 64, "window_size": 1, "depth": 4})),
    Case("TorchBiLSTMEncoder.v1 (in Tok2Vec.v2)", _tok2vec(
        {"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 64, "depth": 2, "dropout": 0.0}), needs=("torch",)),
    Case("Tagger.v2", _example("architectures/spacy.Tagger.v2.cfg")),
    Case("TransitionBasedParser.v2 (ner; scoring one state per token)",
         _example("architectures/spacy.TransitionBasedParser.v2.cfg", nO=N_LABELS)),
    Case("SpanCategorizer.v1", _example("architectures/spacy.SpanCategorizer.v1.cfg",
                                        scorer={"@layers": "spacy.LinearLogistic.v1", "nO": N_LABELS}), "spans"),
    Case("SpanFinder.v1", _example("architectures/spacy.SpanFinder.v1.cfg")),
    Case("TextCatCNN.v2 (the spec's example)", _example("architectures/spacy.TextCatCNN.v2.cfg")),
    Case("TextCatBOW.v3 (textcat_bow.cfg's textcat)", _example("textcat_bow.cfg", "textcat")),
    Case("TextCatEnsemble.v2 (textcat_ensemble.cfg's textcat)", _ensemble, labels=True),
    Case("TextCatParametricAttention.v1", _example("architectures/spacy.TextCatParametricAttention.v1.cfg")),
    Case("TextCatReduce.v1", _example("architectures/spacy.TextCatReduce.v1.cfg")),
    Case("EntityLinker.v2", _example("architectures/spacy.EntityLinker.v2.cfg"), "entities"),
    Case("spacy-transformers TransformerModel.v3 (tiny random BERT)", _transformer,
         needs=("torch", "transformers", "spacy_transformers")),
]


# -- the tiny transformer: written here, random weights, a WordPiece vocab of the text's words -------

_TINY: list[Path] = []


def _tiny_bert() -> Path:
    if _TINY:
        return _TINY[0]
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    top = tempfile.mkdtemp(prefix="archwright-build-bench-")
    atexit.register(shutil.rmtree, top, ignore_errors=True)
    directory = Path(top) / "tiny-bert"
    directory.mkdir()
    words = sorted({w.strip(".").lower() for w in TEXT.split()} | {"hello", "there"})
    vocab = list(dict.fromkeys(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz.,!?")
                               + words))
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(str(directory / "vocab.txt")).save_pretrained(str(directory))
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=128, max_position_embeddings=64)).save_pretrained(str(directory))
    _TINY.append(directory)
    return directory


# -- inputs ----------------------------------------------------------------------------------------

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


def _entities(docs: list) -> list:
    """The docs with an entity on each capitalized word (what an entity linker reads)."""
    from spacy.tokens import Span

    for doc in docs:
        doc.ents = [Span(doc, i, i + 1, label="X") for i, token in enumerate(doc) if token.text[:1].isupper()]
    return docs


INPUTS = {"docs": lambda docs: docs, "spans": _spans, "entities": _entities}


# -- the two sides ---------------------------------------------------------------------------------

def _spacy_model(block: dict):
    from spacy.util import registry

    return registry.resolve({"model": block})["model"]


def _ours(block: dict, vectors: Any):
    """archwright's model; a label count the block leaves null is given as a component gives it."""
    block = dict(block)
    return build_architecture(block.pop(next(k for k in block if k.startswith("@"))), vectors=vectors,
                              labels={"n_labels": N_LABELS}, **block)


def _state_ids(lengths: list[int], nF: int):
    """The states archwright's parser forward scores, in spaCy's step model's terms (a row of
    the batch's token vectors, -1 for an empty slot): token i at the front of the buffer, the
    previous token of the same doc on top of the stack."""
    import numpy

    n = sum(lengths)
    ids = numpy.full((n, nF), -1, dtype="i")
    ids[:, 0] = numpy.arange(n)
    if nF > 1 and n:
        ids[1:, 1] = numpy.arange(n - 1)
        starts = numpy.cumsum([0] + lengths[:-1])
        ids[starts[starts < n], 1] = -1
    return ids


def _spacy_state_scores(model, docs: list):
    """spaCy's parser model as its parser runs it, on the states archwright scores: its
    forward (the step model: token vectors, precomputed lower layer), then the step model's
    state2vec (spaCy's C sum of each state's rows, bias, maxout or relu) and upper layer."""
    step = model.predict(docs)
    vectors = step.state2vec.predict(_state_ids([len(doc) for doc in docs], step.state2vec.nF))
    return step.vec2scores.predict(vectors) if step.vec2scores is not None else vectors


def _forward(case: Case, side: str) -> Callable[[Any, Any], Any]:
    if side == "spacy" and "TransitionBasedParser" in case.title:
        return _spacy_state_scores
    return lambda model, X: model.predict(X)


def _shape(output: Any) -> tuple:
    """An output's shape, as rows and numbers per row: a list of arrays (one per doc) counts
    their rows together; a ragged array is its data; a transformer's output is its wordpiece
    vectors (spans, wordpieces, width)."""
    if hasattr(output, "dataXd"):
        return tuple(output.dataXd.shape)
    if hasattr(output, "model_output"):  # spacy-transformers' FullTransformerBatch: (spans, wordpieces, width)
        return tuple(output.model_output.last_hidden_state.shape)
    if isinstance(output, (list, tuple)) and output and all(hasattr(o, "shape") or hasattr(o, "dataXd")
                                                            for o in output):
        shapes = [_shape(o) for o in output]
        return (sum(s[0] for s in shapes),) + shapes[0][1:]
    if hasattr(output, "shape"):
        return tuple(output.shape)
    return (type(output).__name__,)


def _median_seconds(make: Callable[[], Any], runs: int) -> float:
    """The median CPU time of this process over the runs: on a shared machine, wall time also
    counts the other work that took the processor away (both tools run the same BLAS)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        make()
        times.append(time.process_time() - started)
    return statistics.median(times)


def _paired(make: dict[str, Callable[[], Any]], rounds: int, runs: int) -> tuple[dict[str, float], list[float]]:
    """Each side's median time over `rounds` alternating rounds (a warm-up round first, not
    counted), and the per-round ratios ours / spaCy's (their spread is the noise)."""
    for name in ("spacy", "ours"):
        _median_seconds(make[name], 1)
    times = {"spacy": [], "ours": []}
    for i in range(rounds):
        for name in (("spacy", "ours") if i % 2 == 0 else ("ours", "spacy")):
            times[name].append(_median_seconds(make[name], runs))
    ratios = [o / s for o, s in zip(times["ours"], times["spacy"])]
    return {name: statistics.median(t) for name, t in times.items()}, ratios


def _missing(case: Case) -> list[str]:
    import importlib.util

    return [m for m in case.needs if importlib.util.find_spec(m) is None]


def _vectors(nlp) -> dict:
    """One vector per word of the text, in the spaCy vocab and as archwright's table."""
    import numpy

    table = {}
    for i, word in enumerate(sorted({t.text for t in nlp.make_doc(TEXT)})):
        table[word] = numpy.linspace(-1, 1, 50).astype("f") * (i + 1) / 10
        nlp.vocab.set_vector(word, table[word])
    return table


def run_case(case: Case, rounds: int, runs: int) -> str:
    import spacy

    if "torch" in case.needs:  # one thread, as BLAS: CPU time then counts the work, not threads spinning
        import torch

        torch.set_num_threads(1)
    nlp = spacy.blank("en")
    table = _vectors(nlp) if case.vectors else None
    sample = [nlp(TEXT[:120]), nlp("Hello there!")]
    batch = [nlp(TEXT) for _ in range(64)]
    words = sum(len(d) for d in batch)
    block = case.block()
    x_init, x_batch = INPUTS[case.inputs](sample), INPUTS[case.inputs](batch)
    y_init = None
    if case.labels:
        import numpy

        y_init = numpy.zeros((len(sample), N_LABELS), dtype="f")
    builders = {"spacy": lambda: _spacy_model(block).initialize(X=x_init, Y=y_init),
                "ours": lambda: _ours(block, table).initialize(X=x_init, Y=y_init)}
    models = {name: make() for name, make in builders.items()}
    forwards = {name: _forward(case, name) for name in models}
    outputs = {name: forwards[name](models[name], x_batch) for name in models}
    counts = {name: sum_params(model) for name, model in models.items()}
    shapes = {name: _shape(output) for name, output in outputs.items()}
    if counts["ours"] != counts["spacy"] or shapes["ours"] != shapes["spacy"]:
        raise SystemExit(f"{case.title}: not the same model: parameters {counts}, output shapes {shapes}")
    build_times, build_ratios = _paired(builders, rounds, runs)
    seconds, speed_ratios = _paired({name: (lambda n=name: forwards[n](models[n], x_batch)) for name in models},
                                    rounds, runs)
    speed = {name: words / s for name, s in seconds.items()}
    build_ratio, speed_ratio = build_times["ours"] / build_times["spacy"], speed["ours"] / speed["spacy"]
    inverse = sorted(1 / r for r in speed_ratios)
    return (f"| {case.title} | {counts['ours']:,} | {shapes['ours']} "
            f"| {build_times['spacy'] * 1000:.1f} ms | {build_times['ours'] * 1000:.1f} ms "
            f"| **{build_ratio:.2f}** {min(build_ratios):.2f}-{max(build_ratios):.2f} "
            f"{_verdict(build_ratio <= 1.0, min(build_ratios) <= 1.0)} "
            f"| {speed['spacy']:,.0f} | {speed['ours']:,.0f} "
            f"| **{speed_ratio:.2f}** {inverse[0]:.2f}-{inverse[-1]:.2f} "
            f"{_verdict(speed_ratio >= 1.0, inverse[-1] >= 1.0)} |")


def _verdict(met: bool, within_noise: bool) -> str:
    """met; or "noise" when the median misses the target but a round met it (the per-round
    range straddles it); else NOT met."""
    return "met" if met else "noise" if within_noise else "NOT met"


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    rounds, runs = (2, 3) if quick else (6, 5)
    print(f"load average before: {os.getloadavg()[0]:.2f}; {rounds} alternating rounds of {runs} runs per side "
          f"(after a warm-up), medians of CPU time; forward on 64 docs, 4,800 words")
    print("| case | parameters (both) | output shape (both) | build+init spaCy | archwright "
          "| ratio (<= 1.0), per-round range, verdict | words/s spaCy | archwright "
          "| ratio (>= 1.0), per-round range, verdict |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        if wanted and not any(w.lower() in case.title.lower() for w in wanted):
            continue
        missing = _missing(case)
        if missing:
            print(f"| {case.title} | not run: {', '.join(missing)} not installed | | | | | | | |")
            continue
        print(run_case(case, rounds, runs), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
