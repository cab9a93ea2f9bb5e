"""IR-4: the layer graph, at three levels, over networkx (imported here only: validating a
config never needs it).

- pipeline: one node per component, in pipeline order; listener edges to their upstream
- blocks: one node per config block (`@...`), edges where a sub-model plugs in
- layers: the Thinc layers each component's model expands to (`layers.py`), edges from a layer
  to the layers it contains
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx

from .check import Blueprint
from .dims import Count, dim_value
from .expand import Expander, blocks_of, filled
from .static import Expansion, Layer, field_tokens, receptive_field_tokens
from .registry import factories, registry_keys
from .resolve import ResolvedConfig


class ComponentModel(NamedTuple):
    name: str
    factory: str
    architecture: str
    expansion: Expansion | None  # None: an architecture archwright does not model (a plugin's)
    # the expansion of each block of the model, by its path below the component's `model`
    blocks: dict[tuple[str, ...], Expansion] = {}
    path: tuple[str, ...] = ()  # the config path of the model block

    @property
    def model_path(self) -> tuple[str, ...]:
        return self.path or ("components", self.name, "model")

    @property
    def params(self) -> Count | None:
        return self.expansion.layer.count if self.expansion else None


class LayerGraph(NamedTuple):
    pipeline: nx.DiGraph
    blocks: nx.DiGraph
    layers: nx.DiGraph
    components: dict[str, ComponentModel]

    def total_params(self) -> Count | None:
        """All components' parameters, a shared upstream tok2vec counted once (listeners hold none)."""
        total = Count(0)
        for name, model in self.components.items():
            if model.params is None:
                return None
            total = total + model.params.qualified(name)
        return total


def _component_models(data: dict[str, Any], labels: dict[str, dict[str, int]]) -> dict[str, ComponentModel]:
    if not isinstance(data.get("components"), dict) and not isinstance(data.get("nlp"), dict):
        return _bare_blocks(data, labels)
    components = data.get("components", {}) if isinstance(data.get("components"), dict) else {}
    nlp = data.get("nlp") if isinstance(data.get("nlp"), dict) else {}
    pipeline = nlp.get("pipeline") if isinstance(nlp.get("pipeline"), list) else []
    order = [n for n in pipeline if isinstance(n, str) and n in components] or list(components)
    upstreams: dict[str, tuple[str, Expansion]] = {}  # tok2vec and transformer components, for listeners
    models = {}
    for name in order:
        settings = components[name]
        if not isinstance(settings, dict):  # `tagger = [1]` in [components]: nothing to lower
            continue
        factory = settings.get("factory", "") if isinstance(settings.get("factory", ""), str) else ""
        default = factories().get(factory, {}).get("model")
        model = settings.get("model", default)
        if not isinstance(model, dict):
            continue
        model = filled(model, default)
        expander = Expander(labels.get(name, {}), upstreams=upstreams)
        expansion = expander.block(model)
        if factory in ("tok2vec", "transformer") and expansion is not None:
            upstreams[name] = (factory, expansion)
        keys = registry_keys(model)
        architecture = str(model[keys[0]]) if keys else ""
        models[name] = ComponentModel(name, factory, architecture, expansion, _blocks(expansion))
    return models


def _bare_blocks(data: dict[str, Any], labels: dict[str, dict[str, int]]) -> dict[str, ComponentModel]:
    """A config of bare blocks (the spec's examples, `[model]` and its sub-blocks): each top-level
    block stands in for a component."""
    models = {}
    for name, block in data.items():
        keys = registry_keys(block) if isinstance(block, dict) else []
        if keys and keys[0] in ("@architectures", "@layers"):  # models, not readers or callbacks
            expander = Expander(labels.get(name, {}))
            expansion = expander.block(block)
            models[name] = ComponentModel(name, "block", str(block[keys[0]]), expansion, _blocks(expansion), (name,))
    return models


def _blocks(expansion: Expansion | None) -> dict[tuple[str, ...], Expansion]:
    """The expansion of each block inside a model, by its path below the model."""
    if expansion is None:
        return {}
    return {path: Expansion(layer, layer.width, layer.field) for path, layer in blocks_of(expansion)}


def _pipeline_graph(data: dict[str, Any], blueprint: Blueprint, models: dict[str, ComponentModel]) -> nx.DiGraph:
    graph = nx.DiGraph()
    training = data.get("training") if isinstance(data.get("training"), dict) else {}
    frozen, annotating = (training.get(key) if isinstance(training.get(key), list) else []
                          for key in ("frozen_components", "annotating_components"))
    for name, model in models.items():
        graph.add_node(name, factory=model.factory, architecture=model.architecture,
                       params=str(model.params) if model.params is not None else None,
                       frozen=name in frozen, annotating=name in annotating)
    names = list(models)
    for before, after in zip(names, names[1:]):
        graph.add_edge(before, after, kind="pipeline")
    for path, block in blueprint.blocks.items():
        if len(path) > 1 and path[0] == "components" and block.card.name in (
                "spacy.Tok2VecListener.v1", "spacy-transformers.TransformerListener.v1"):
            wanted = block.args.get("upstream", "*")
            kind = "tok2vec" if "Tok2Vec" in block.card.name else "transformer"
            upstreams = [n for n, m in models.items() if m.factory == kind and wanted in ("*", n)]
            if upstreams and path[1] in graph:
                expansion = models[upstreams[0]].expansion
                width = block.args.get("width") or (dim_value(expansion.width) if expansion else None)
                graph.add_edge(upstreams[0], path[1], kind="listener", width=width)
    return graph


def _block_expansion(path: tuple[str, ...], models: dict[str, ComponentModel]) -> Expansion | None:
    for model in models.values():
        root = model.model_path
        if path[:len(root)] == root:
            return model.blocks.get(path[len(root):])
    return None


def _blocks_graph(blueprint: Blueprint, resolved: ResolvedConfig, models: dict[str, ComponentModel]) -> nx.DiGraph:
    """A node per block: config path and span, architecture, I/O type, and where it is modelled,
    its width, parameters and receptive field; an edge from each block to the sub-blocks that plug
    into it, with the argument, the type and the width that flows from the sub-block."""
    graph = nx.DiGraph()
    for path, block in blueprint.blocks.items():
        span = resolved.spans.find(path)
        expansion = _block_expansion(path, models)
        graph.add_node(".".join(path), architecture=block.card.name, returns=str(block.card.returns_type),
                       line=span.line if span else None, column=span.column if span else None,
                       width=dim_value(expansion.width) if expansion else None,
                       params=str(expansion.layer.count) if expansion else None,
                       receptive_field=receptive_field_tokens(expansion) if expansion else None)
    for path, block in blueprint.blocks.items():
        for end in range(len(path) - 1, 0, -1):  # the nearest enclosing block
            parent = path[:end]
            if parent in blueprint.blocks:
                expansion = _block_expansion(path, models)
                graph.add_edge(".".join(parent), ".".join(path), argument=path[end], type=str(block.card.returns_type),
                               width=dim_value(expansion.width) if expansion else None)
                break
    return graph


def _layers_graph(models: dict[str, ComponentModel]) -> nx.DiGraph:
    """A node per layer (name, dims, its own parameters, output shape and receptive field where
    known, and the config path of the block it comes from); edges from a layer to the layers it
    contains, carrying the width each produces."""
    graph = nx.DiGraph()

    def add(layer: Layer, node_id: str, component: str, block: str, roots: dict[int, str], token_level: bool) -> None:
        block = roots.get(id(layer), block)
        graph.add_node(node_id, name=layer.name, component=component, block=block, dims=dict(layer.dims),
                       params=str(layer.own_count), output=_output(layer, token_level),
                       receptive_field=field_tokens(layer.field) if layer.field is not None else None)
        inside = _token_level(layer, token_level)
        for i, child in enumerate(layer.children):
            child_id = f"{node_id}/{i}"
            add(child, child_id, component, block, roots, inside)
            graph.add_edge(node_id, child_id, kind="contains", width=dim_value(child.dims["nO"]) if "nO" in child.dims
                           else None)

    for name, model in models.items():
        if model.expansion is not None:
            roots = {id(e.layer): ".".join(model.model_path + path) for path, e in model.blocks.items()}
            add(model.expansion.layer, name, name, ".".join(model.model_path), roots, False)
    return graph


def lower(blueprint: Blueprint, resolved: ResolvedConfig,
          labels: dict[str, dict[str, int]] | None = None) -> LayerGraph:
    """IR-3 -> IR-4. `labels` gives a component's data-dependent sizes, e.g. {"tagger": {"n_labels": 17}}."""
    models = _component_models(blueprint.data, labels or {})
    return LayerGraph(_pipeline_graph(blueprint.data, blueprint, models), _blocks_graph(blueprint, resolved, models),
                      _layers_graph(models), models)


def summary(graph: LayerGraph) -> dict[str, Any]:
    """The JSON contract of `archwright summary`: unknown values as their formula strings."""
    components = {}
    for name, model in graph.components.items():
        expansion = model.expansion
        components[name] = {
            "architecture": model.architecture,
            "params": _number(model.params),
            "output_width": dim_value(expansion.width) if expansion else None,
            "receptive_field": receptive_field_tokens(expansion) if expansion else None,
            "layers": [{"name": layer.name, "path": path, "dims": {k: dim_value(v) for k, v in layer.dims.items()},
                        "params": _number(layer.count), "output": _output(layer, token_level),
                        "receptive_field": field_tokens(layer.field) if layer.field is not None else None}
                       for path, layer, token_level in _walk(expansion.layer, name)] if expansion else [],
        }
    return {"components": components, "total_params": _number(graph.total_params())}


def _output(layer: Layer, token_level: bool) -> str | None:
    """The shape of a layer's output, `(rows, width)`: known where the expansion records what a
    row is, or inside a layer whose rows are tokens."""
    if "nO" not in layer.dims or (layer.field is None and not token_level):
        return None
    return f"({layer.rows}, {dim_value(layer.dims['nO'])})"


def _token_level(layer: Layer, token_level: bool) -> bool:
    """Whether the layers inside `layer` produce a row per token."""
    return layer.rows == "tokens" and (layer.field is not None or token_level)


def _walk(layer: Layer, path: str, token_level: bool = False):
    yield path, layer, token_level
    for i, child in enumerate(layer.children):
        yield from _walk(child, f"{path}/{i}", _token_level(layer, token_level))


def _number(count: Count | None) -> int | str | None:
    if count is None:
        return None
    return count.constant if count.exact else str(count)

