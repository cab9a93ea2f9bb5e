"""Thinc models of a config: each component's model is its resolved, default-filled config block's
layer expression (the cards' `expression`), built by the Thinc interpreter (interpret.py; never
through spaCy's or Thinc's registry); listeners are connected to their upstream, models
initialized on sample docs and run.

A model's size is checked against a parameter budget with the static count of the layer graph
before anything is allocated.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from ...diagnostics import Diagnostic, render_human
from ..compilation import Compilation
from ..graph import LayerGraph, lower
from ..topology import Topology, resolve_upstream, topology
from . import _layers, interpret, optional, transformers
from ._context import ASSUMED, Context, Unbuildable, files_not_read
from .vectors import load_vectors

# the blocks that are not models (their functions are built directly): span getters, KB loaders
BUILDERS = {**optional.BUILDERS, **transformers.BUILDERS}
# 100 million parameters: 400 MB of float32 weights (800 MB with their gradients), 9 times the
# largest pipeline spaCy initializes in the shared corpus (11.1M); a transformer base model
# (~125M) needs --max-params.
DEFAULT_MAX_PARAMS = 100_000_000
SAMPLE_TEXTS = ("Alice Smith visited Berlin in May 2024 to meet the Acme team.",
                "The quick brown fox jumps over the lazy dog!",
                "Ünïcode words, numbers like 3.14 and e-mail: a@b.c")
FIXED_LABELS = {"senter": 2}  # components whose labels do not come from data


class BuildError(ValueError):
    """The config cannot be built; `.diagnostics` says why."""

    def __init__(self, path: str, text: str | None, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = diagnostics
        super().__init__("\n" + render_human([(path, text, diagnostics)]))


class Pipeline(dict):
    """Component name -> initialized Thinc model, in pipeline order. `.diagnostics` holds the
    build's warnings (label counts assumed), `.sizes` the sizes used per component."""

    def __init__(self) -> None:
        super().__init__()
        self.diagnostics: list[Diagnostic] = []
        self.sizes: dict[str, dict[str, int]] = {}
        self.factories: dict[str, str] = {}
        self.seconds: dict[str, float] = {}

    def predict(self, name: str, inputs: Any) -> Any:
        """The component's output for texts, word lists or docs (ours or spaCy's)."""
        return self[name].predict(model_input(self[name], inputs))


def model_input(model: Any, inputs: Any) -> Any:
    """What a built model reads: docs; (docs, spans) for the span categorizer (every 1- to
    3-gram); docs with entities for the entity linker (capitalized words when none are marked)."""
    from ..doc import Span, as_docs

    docs = as_docs(inputs)
    kind = model.attrs.get("archwright_input")
    if kind == "entities":
        for doc in docs:
            if hasattr(doc, "words") and not doc.ents:
                doc.ents = [Span(i, i + 1) for i, w in enumerate(doc.words) if w[:1].isupper()] or [Span(0, len(doc))][:len(doc)]
    if kind == "spans":
        from thinc.api import Ragged

        rows, lengths = [], []
        for doc in docs:
            spans = [(i, i + n) for n in (1, 2, 3) for i in range(len(doc) - n + 1)]
            rows.extend(spans)
            lengths.append(len(spans))
        return docs, Ragged(model.ops.asarray2i(rows if rows else [(0, 0)][:0]).reshape((-1, 2)),
                            model.ops.asarray1i(lengths))
    return docs


def shape_of(output: Any) -> str:
    """An output's shape for people: (8, 96), [(8, 96), (5, 96)], ragged (12, 64)."""
    if hasattr(output, "dataXd"):
        return f"ragged {tuple(output.dataXd.shape)}"
    if hasattr(output, "shape"):
        return str(tuple(output.shape))
    if isinstance(output, (list, tuple)):
        return "[" + ", ".join(shape_of(o) for o in output) + "]"
    return type(output).__name__


def sum_params(model: Any) -> int:
    """The parameters of a built model, each node once, with those PyTorch holds (a BiLSTM's,
    a transformer's) counted once per shim."""
    from ._layers import sum_pieces

    shims = {id(shim): shim for node in model.walk() for shim in node.shims}
    return sum_pieces(model) + sum(p.numel() for shim in shims.values() for p in shim._model.parameters())


def _components(pipeline: Topology) -> list[tuple[str, str, dict]]:
    """(name, factory, default-filled model block) of each component with a model, in pipeline order."""
    return [(c.name, c.factory, c.model) for c in pipeline.components.values() if c.model is not None]


def _sizes(name: str, factory: str, labels: dict[str, dict[str, int]], vectors: Any) -> dict[str, int]:
    sizes = {}
    if factory in FIXED_LABELS:
        sizes["n_labels"] = FIXED_LABELS[factory]
    sizes.update(labels.get(name, {}))
    if vectors is not None:
        sizes["vectors_width"] = vectors.width
    return sizes


def _guard(graph: LayerGraph, compilation: Compilation, wanted: list[str], budget: int,
           sizes: dict[str, dict[str, int]], texts: list[Any], blocks: dict[str, dict]) -> None:
    """Refuse, before allocating, a build over the budget: the static parameter count plus the
    largest activation of the sample forward pass (rows × numbers per row of the widest layer,
    rows being a doc's tokens padded by the encoder's receptive field on each side, as
    with_array pads them). A component archwright cannot size statically is refused too."""
    from ..doc import as_docs
    from ..static import row_width

    longest = max((len(doc) for doc in as_docs([t for t in texts if isinstance(t, str)] or [""])), default=0)
    longest = max([longest] + [len(t) for t in texts if not isinstance(t, str) and hasattr(t, "__len__")])
    total, layers, largest = 0, [], (0, "", "", 0, 0)
    for name in wanted:
        model = graph.components.get(name)
        if model is None or model.expansion is None and not interpret.expressible(blocks.get(name)):
            continue  # (building it stops at AW505, before allocating anything, naming what has no expression)
        if model.expansion is None:
            raise BuildError(compilation.path, compilation.text, [_located(Diagnostic(
                "AW510", f"archwright cannot count the parameters of {model.architecture or 'this model'} "
                f"(component {name!r}) before building it, so it does not build it", config_path=".".join(model.model_path),
                hint="build the spec's architectures; a function registered from Python has a card for checking only"),
                compilation)])
        values = {**ASSUMED, "vectors_width": 300, **sizes[name]}
        count = model.expansion.layer.count.given(values)
        total += count.constant
        pad = max((layer.field for layer in model.expansion.layer.walk() if isinstance(layer.field, int)), default=0)
        rows = longest + 2 * pad
        for layer in model.expansion.layer.walk():
            own = layer.own_count.given(values).constant
            if own:
                layers.append((own, name, layer.name, layer.params))
            width = row_width(layer, values)
            if rows * width > largest[0]:
                largest = (rows * width, name, layer.name, rows, width)
    activation, component, layer_name, rows, width = largest
    if total + activation > budget:
        layers.sort(key=lambda item: -item[0])
        biggest = "; ".join(f"{c}: {n} {dict(p)} = {own:,}" for own, c, n, p in layers[:3])
        if activation > total:
            message = (f"the sample forward pass would compute {activation:,} numbers at once in {component}'s "
                       f"{layer_name} ({rows:,} rows of {width:,}), over the budget of {budget:,} "
                       f"(with the model's {total:,} parameters)")
            hint = ("make the window (window_size, depth) or the width smaller, or raise the budget with "
                    "--max-params N (max_params= in Python)")
        else:
            message = (f"the model would have {total:,} parameters, over the budget of {budget:,}; "
                       f"largest layers: {biggest}")
            hint = ("make the largest layers smaller (rows, width, length), or raise the budget with "
                    "--max-params N (max_params= in Python)")
        culprit = component if activation > total else layers[0][1]
        raise BuildError(compilation.path, compilation.text, [_located(Diagnostic(
            "AW503", message, config_path=".".join(graph.components[culprit].model_path), hint=hint), compilation)])


def build(source: str | os.PathLike | Compilation, component: str | None = None, *,
          labels: dict[str, dict[str, int]] | None = None, vectors: Any = None,
          max_params: int = DEFAULT_MAX_PARAMS, initialize: bool = True,
          sample: Iterable[Any] | None = None, read_files: bool = True, forward: Iterable[str] = ()) -> Pipeline:
    """One Thinc model per component (only `component` and what it listens to, when named),
    initialized on sample docs unless `initialize=False`.

    `labels` gives data-dependent sizes per component ({"tagger": {"n_labels": 17}}; for parsers
    "n_actions", for the entity linker "entity_vector_length"); a size neither there nor in the
    config is assumed and reported. `vectors` is a vectors table: {word: vector}, a path to a text
    file of vectors, or a VectorsTable. With `read_files=False` nothing the config names is read
    (a transformer's model directory, a knowledge base): such a component is refused (AW509), as
    the explorer does for pasted configs. `forward` lists the texts the caller will run: with
    the sample, their length bounds the activations the budget counts. Raises BuildError with
    diagnostics."""
    compilation = source if isinstance(source, Compilation) else Compilation(source)
    text = compilation.text
    if not compilation.ok or compilation.resolved is None:
        raise BuildError(compilation.path, text, [d for d in compilation.diagnostics if d.is_error])
    table, problems = (load_vectors(vectors) if vectors is not None else (None, []))
    if problems:
        raise BuildError(compilation.path, text, problems)
    shape = topology(compilation.resolved.data)
    components = _components(shape)
    names = [name for name, _, _ in components]
    if not names:
        raise BuildError(compilation.path, text, [_located(Diagnostic(
            "AW507", "the config has no component with a model to build", config_path="components",
            hint="build a training config with [components]; build one architecture with build_architecture()"), compilation)])
    if component is not None and component not in names:
        raise BuildError(compilation.path, text, [_located(Diagnostic(
            "AW507", f"no component {component!r} with a model", config_path="components",
            hint=f"components with a model: {', '.join(names) or 'none'}"), compilation)])
    labels = labels or {}
    if not isinstance(labels, dict) or not all(
            isinstance(sizes, dict) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                            for n in sizes.values()) for sizes in labels.values()):
        raise BuildError(compilation.path, text, [_located(Diagnostic(
            "AW507", "label counts must be given as {component: {size: whole number >= 0}}", config_path="components",
            hint='e.g. labels={"tagger": {"n_labels": 17}}'), compilation)])
    unknown = sorted(set(labels) - set(names))
    if unknown:
        raise BuildError(compilation.path, text, [_located(Diagnostic(
            "AW507", f"label counts given for {unknown[0]!r}, which has no model", config_path="components",
            hint=f"components with a model: {', '.join(names) or 'none'}"), compilation)])
    sizes = {name: _sizes(name, factory, labels, table) for name, factory, _ in components}
    for name, _, block in components if read_files else ():  # a transformer's sizes, from its directory
        sizes[name] = {**transformers.static_sizes(block), **sizes[name]}
    wanted = _wanted(components, component, shape)
    # lowered again with the sizes, so that a listener's width is its upstream's number
    static = lower(compilation.checked, compilation.resolved, {n: {**ASSUMED, **s} for n, s in sizes.items()})
    docs = list(sample) if sample is not None else list(SAMPLE_TEXTS)
    _guard(static, compilation, wanted, max_params, sizes, docs + list(forward), {n: b for n, _, b in components})
    pipeline = Pipeline()
    errors: list[Diagnostic] = []
    upstreams: dict[str, dict[str, Any]] = {}  # "tok2vec" or "transformer" -> name -> model
    for name, factory, block in components:
        if name not in wanted:
            continue
        ctx = Context(BUILDERS, sizes[name], table, path=f"components.{name}.model", read_files=read_files)
        started = time.perf_counter()
        try:
            model = interpret.build(block, ctx)
        except Unbuildable as e:
            errors.append(_located(e.diagnostic, compilation))
            continue
        for listener in ctx.listeners:
            kind = listener.attrs.get("upstream_kind", "tok2vec")
            upstream = _upstream(listener.attrs["upstream_name"], upstreams.get(kind, {}))
            if upstream is not None and kind == "transformer":
                transformers.connect(listener, upstream)
            elif upstream is not None:
                _layers.with_upstream(listener, upstream)
        if factory in ("tok2vec", "transformer"):
            upstreams.setdefault(factory, {})[name] = model
        pipeline[name] = model
        pipeline.factories[name] = factory
        pipeline.sizes[name] = {**sizes[name], **ctx.assumed}
        for symbol, value in ctx.assumed.items():
            pipeline.diagnostics.append(_located(Diagnostic(
                "AW551", f"no {symbol} for component {name!r}: built with {value}",
                config_path=f"components.{name}.model",
                hint=f"give it with --labels {name}=N (labels={{{name!r}: {{{symbol!r}: N}}}} in Python)"),
                compilation))
        pipeline.seconds[name] = time.perf_counter() - started
    errors += _knowledge_bases(compilation, [n for n in wanted if "entity_vector_length" not in sizes[n]],
                               read_files)
    if errors:
        raise BuildError(compilation.path, text, errors + pipeline.diagnostics)
    if initialize:
        for name, model in pipeline.items():
            started = time.perf_counter()
            try:
                model.initialize(X=model_input(model, docs))
            except ValueError as e:  # Thinc's dims do not fit together (`nI = 5` where 128 arrive)
                if "dimension" not in str(e):
                    raise
                raise BuildError(compilation.path, text, [_located(Diagnostic(
                    "AW505", f"Thinc cannot initialize component {name!r}: {e}", config_path=f"components.{name}.model",
                    hint="a width or nI that does not match what flows into the layer is the usual cause"),
                    compilation)]) from None
            pipeline.seconds[name] += time.perf_counter() - started
    return pipeline


def knowledge_base_files(data: dict) -> dict[str, Any]:
    """Component -> the `kb_path` its [initialize.components.NAME] loader (spacy.KBFromFile.v1)
    reads a knowledge base from."""
    init = data.get("initialize") if isinstance(data.get("initialize"), dict) else {}
    components = init.get("components") if isinstance(init.get("components"), dict) else {}
    loaders = {name: value.get("kb_loader") for name, value in components.items() if isinstance(value, dict)}
    return {name: loader.get("kb_path") for name, loader in loaders.items()
            if isinstance(loader, dict) and loader.get("@misc") == "spacy.KBFromFile.v1"}


def _knowledge_bases(compilation: Compilation, wanted: list[str], read_files: bool) -> list[Diagnostic]:
    """A KBFromFile loader in [initialize] gives the entity vector length when the caller did not:
    its file must then exist. (Reading its length needs spaCy's KB format: not done yet, the
    length is assumed and reported.)"""
    problems = []
    for name, path in knowledge_base_files(compilation.resolved.data).items():
        if name not in wanted:
            continue
        if not read_files:
            problems.append(_located(files_not_read(f"initialize.components.{name}.kb_loader.kb_path",
                                                    "a knowledge base"), compilation))
        elif not isinstance(path, str) or not os.path.exists(path):
            problems.append(_located(Diagnostic(
                "AW504", f"the knowledge base file {path!r} of component {name!r} does not exist",
                config_path=f"initialize.components.{name}.kb_loader.kb_path",
                hint="point kb_path at a knowledge base written by spaCy, or use spacy.EmptyKB.v1"), compilation))
    return problems


def _wanted(components: list[tuple[str, str, dict]], component: str | None, pipeline: Topology) -> list[str]:
    """The components to build: all, or `component` and the ones its listeners listen to."""
    names = [name for name, _, _ in components]
    if component is None:
        return names
    keep = {component} | pipeline.upstreams_of(component)
    return [n for n in names if n in keep]


def _upstream(wanted: Any, built: dict[str, Any]) -> Any:
    """The built model a listener listens to, by the topology's rule (the first of its kind for "*")."""
    name = resolve_upstream(wanted, tuple(built))
    return built.get(name) if name is not None else None


def _located(diagnostic: Diagnostic, compilation: Compilation) -> Diagnostic:
    """The diagnostic with the span of its config path, when the config has it."""
    if diagnostic.span is not None or not diagnostic.config_path or compilation.resolved is None:
        return diagnostic
    path = tuple(diagnostic.config_path.split("."))
    span = None
    while path and span is None:
        span = compilation.resolved.spans.find(path)
        path = path[:-1]
    return Diagnostic(diagnostic.code, diagnostic.message, span, diagnostic.config_path, diagnostic.hint)


def build_architecture(name: str, /, *, labels: dict[str, int] | None = None, vectors: Any = None,
                       **args: Any) -> Any:
    """One architecture built from keyword arguments (sub-models as blocks: dicts with their
    `@architectures` key), not initialized: `build_architecture("spacy.HashEmbedCNN.v2", width=96, ...)`.
    Arguments left out take the card's defaults."""
    from ..registry import default_registry

    registry = default_registry()
    order = ("architectures", "layers", "misc") + tuple(sorted(registry.registries()))
    card = next((c for c in (registry.get(r, name) for r in order) if c), None)
    block: dict[str, Any] = {f"@{card.registry if card else 'architectures'}": name}
    if card is not None:
        for arg in card.args:
            if not arg.required and arg.kind == "keyword":
                block[arg.name] = arg.default
    block.update(args)
    problems = _checked_arguments(block)
    if problems:
        raise BuildError("<arguments>", None, problems)
    table, problems = (load_vectors(vectors) if vectors is not None else (None, []))
    if problems:
        raise BuildError("<arguments>", None, problems)
    ctx = Context(BUILDERS, labels or {}, table, path=name)
    try:
        if name in BUILDERS:  # a span getter, a knowledge-base loader: not a model
            return ctx.block(block)
        return interpret.build(block, ctx, objectives=True)  # (an objective: a function of the tok2vec)
    except Unbuildable as e:
        raise BuildError("<arguments>", None, [e.diagnostic]) from None


def _checked_arguments(block: dict) -> list[Diagnostic]:
    """The errors the checker finds in a block given as keyword arguments (missing, unknown or
    mistyped arguments, bounds), as it would in a config's [model] section."""
    from ..serialize import NotWritable, to_str

    try:
        text = to_str({"model": block})
    except (NotWritable, TypeError, ValueError, RecursionError) as e:
        return [Diagnostic("AW505", f"the arguments cannot be read as a config block: {e}",
                           hint="give numbers, strings, lists and blocks (dicts with an @architectures key)")]
    compilation = Compilation(text, path="<arguments>")
    # a missing argument only matters when the builder reads it (StaticVectors' init_W has a default there)
    return [Diagnostic(d.code, d.message, None, d.config_path, d.hint) for d in compilation.diagnostics
            if d.is_error and d.code != "AW308"]


__all__ = ["BUILDERS", "DEFAULT_MAX_PARAMS", "BuildError", "Pipeline", "build", "build_architecture", "model_input",
           "shape_of", "sum_params"]
