"""spaCy's verdict on a config: the first stage of `spacy train` that raises.

The stages are those of `spacy.training.initialize.init_nlp` and the first step of
`spacy.training.loop.train`, called the way they call them:
  parse       confection's `Config().from_str`
  load        `util.load_model_from_config(config, auto_fill=True, validate=True)`
  training    [training] resolved with ConfigSchemaTraining (seed, gpu_allocator present), and the
              train/dev corpora resolved with [paths] pointed at an empty directory
  initialize  `nlp.initialize` on three tiny sentences annotated for every trainable component
  update      the first batch [training.batcher] makes of those examples, one `nlp.update` on it,
              then `finish_update`, as the training loop does
A stage that raises gives ("<stage>", "<ExceptionClass>: <message>"); a config spaCy trains gives
("ok", ""). `verdicts` runs configs in a child process, each with a time limit, so that a hang or a
crash of spaCy counts as that config's verdict and never stops the caller.

This module needs spaCy (the `parity` extra); archwright itself never imports it.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
from typing import Iterable

SECONDS = 60  # one config's stages; a verdict "timeout" past it
MEMORY = 6 * 1024 ** 3  # address space of the child that runs spaCy

# (text, tags, heads, deps, entities as token ranges, cats)
SENTENCES = [
    ("Apple bought a startup in London .",
     ["PROPN", "VERB", "DET", "NOUN", "ADP", "PROPN", "PUNCT"],
     [1, 1, 3, 1, 1, 4, 1], ["nsubj", "ROOT", "det", "dobj", "prep", "pobj", "punct"],
     [(0, 1, "ORG"), (5, 6, "GPE")], {"POSITIVE": 1.0, "NEGATIVE": 0.0}),
    ("Maria likes green tea .",
     ["PROPN", "VERB", "ADJ", "NOUN", "PUNCT"],
     [1, 1, 3, 1, 1], ["nsubj", "ROOT", "amod", "dobj", "punct"],
     [(0, 1, "PERSON")], {"POSITIVE": 0.0, "NEGATIVE": 1.0}),
    ("The river in Paris is calm .",
     ["DET", "NOUN", "ADP", "PROPN", "AUX", "ADJ", "PUNCT"],
     [1, 4, 1, 2, 4, 4, 4], ["det", "nsubj", "prep", "pobj", "ROOT", "acomp", "punct"],
     [(3, 4, "GPE")], {"POSITIVE": 1.0, "NEGATIVE": 0.0}),
]


def _examples(nlp):
    from spacy.training import Example

    out = []
    for text, pos, heads, deps, ents, cats in SENTENCES:
        doc = nlp.make_doc(text)
        words = [t.text for t in doc]
        if len(words) != len(pos):  # a language whose tokenizer splits differently: no token labels
            out.append(Example.from_dict(doc, {"cats": cats}))
            continue
        entities = [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), label) for s, e, label in ents]
        spans = {key: entities for key in _span_keys(nlp)}
        annotations = {
            "words": words, "tags": pos, "pos": pos, "morphs": [f"Pos={p.title()}" for p in pos],
            "heads": heads, "deps": deps, "lemmas": [w.lower() for w in words],
            "entities": entities, "cats": cats, "spans": spans,
        }
        out.append(Example.from_dict(doc, annotations))
    return out


def _span_keys(nlp) -> set[str]:
    keys = {"sc"}
    for _, component in nlp.pipeline:
        key = getattr(component, "key", None)
        if isinstance(key, str):
            keys.add(key)
        cfg = getattr(component, "cfg", {})
        if isinstance(cfg, dict) and isinstance(cfg.get("spans_key"), str):
            keys.add(cfg["spans_key"])
    return keys


def stages(text: str, workdir: str) -> tuple[str, str]:
    """Run the stages on config text; (failed stage or "ok", the exception)."""
    import warnings

    from confection import Config

    warnings.filterwarnings("ignore")
    stage = "parse"
    try:
        parsed = Config().from_str(text)  # interpolated: reference errors surface here, as in init_nlp
        empty = os.path.join(workdir, "empty")
        os.makedirs(empty, exist_ok=True)
        # as `spacy train CONFIG --paths.train DIR --paths.dev DIR` reads it
        paths = parsed.get("paths") if isinstance(parsed.get("paths"), dict) else {}
        overrides = {f"paths.{key}": empty for key in ("train", "dev") if key in paths}
        config = Config().from_str(text, overrides=overrides, interpolate=False)
        stage = "load"
        from spacy import util
        from spacy.schemas import ConfigSchemaTraining
        from spacy.training.initialize import get_sourced_components, resolve_dot_names
        from thinc.api import fix_random_seed

        nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
        stage = "training"
        config = nlp.config.interpolate()
        for key in ("seed", "gpu_allocator"):
            if key not in config["training"]:
                raise ValueError(f"[training] {key} is missing (E1015)")
        if config["training"]["seed"] is not None:
            fix_random_seed(config["training"]["seed"])
        sourced = get_sourced_components(config)
        T = util.registry.resolve(config["training"], schema=ConfigSchemaTraining)
        for field in ("train_corpus", "dev_corpus"):
            if not isinstance(T[field], str):
                raise ValueError(f"training.{field} must be a string (E897)")
        resolve_dot_names(config, [T["train_corpus"], T["dev_corpus"]])
        optimizer = T["optimizer"]
        frozen = T["frozen_components"]
        stage = "initialize"
        examples = _examples(nlp)
        resume = [p for p in sourced if p not in frozen]
        if resume:
            with nlp.select_pipes(enable=resume):
                nlp.resume_training(sgd=optimizer)
        nlp._link_components()
        with nlp.select_pipes(disable=[*frozen, *resume]):
            # 30 copies: the parser keeps only labels seen min_action_freq (30) times
            nlp.initialize(lambda: iter(examples * 30), sgd=optimizer)
        stage = "update"
        # the training loop's first step: a batch from [training.batcher], then the update
        batch = next(iter(T["batcher"](iter(examples * 10))), None) or examples
        losses: dict = {}
        nlp.update(batch, drop=T["dropout"], losses=losses, sgd=False, exclude=frozen,
                   annotates=T["annotating_components"])
        for name, proc in nlp.pipeline:
            if name not in frozen and hasattr(proc, "finish_update"):
                proc.finish_update(optimizer)
        T["score_weights"]  # noqa: B018  (resolved above; the loop only reads it)
        return "ok", ""
    except BaseException as e:  # spaCy's verdict, whatever it raises
        if isinstance(e, KeyboardInterrupt):
            raise
        return stage, f"{type(e).__name__}: {str(e)[:2000]}"


def _child(connection, texts: list[str]) -> None:
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")  # no network: fail at once
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    with tempfile.TemporaryDirectory() as workdir:
        for text in texts:
            connection.send(stages(text, workdir))
    connection.close()


def verdicts(texts: Iterable[str], seconds: float = SECONDS) -> list[tuple[str, str]]:
    """spaCy's verdict on each text, in a child process (restarted after a time-out or a crash)."""
    texts = list(texts)
    out: list[tuple[str, str]] = []
    context = multiprocessing.get_context("spawn")
    while len(out) < len(texts):
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(child, texts[len(out):]), daemon=True)
        process.start()
        child.close()
        while len(out) < len(texts):
            if not parent.poll(seconds):
                out.append(("timeout", f"spaCy took more than {seconds} s") if process.is_alive()
                           else ("crash", f"spaCy's process died (exit code {process.exitcode})"))
                break
            try:
                out.append(parent.recv())
            except EOFError:
                process.join(5)
                out.append(("crash", f"spaCy's process died (exit code {process.exitcode})"))
                break
        process.kill()
        process.join()
    return out
