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

from . import cost
from .check import Blueprint
from .dims import Count, count, dim_value
from .expand import Expander, blocks_of
from .expr import OPS
from .static import Expansion, Layer, field_tokens, output_shape, receptive_field_tokens
from .registry import registry_keys
from .topology import Topology, topology
from .values import descend
from .resolve import ResolvedConfig


class ComponentModel(NamedTuple):
    name: str
    factory: str
    architecture: str
    expansion: Expansion | None  # None: an architecture archwright does not model (a plugin's)
    # the expansion of each block of the model, by its path below the component's `model`
    blocks: dict[tuple[str, ...], Expansion] = {}
    path: tuple[str, ...] = ()  # the config path of the model block
    cost: "cost.LayerCost | None" = None  # its compute and memory estimates (compiler/cost.py)

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
    topology: Topology | None = None

    def total_params(self) -> Count | None:
        """All components' parameters, a shared upstream tok2vec counted once (listeners hold none)."""
        total: Any = 0
        for name, model in self.components.items():
            if model.params is None:
                return None
            total = total + model.params.qualified(name)
        return count(total)


def _component_models(data: dict[str, Any], labels: dict[str, dict[str, int]],
                      pipeline: Topology) -> dict[str, ComponentModel]:
    if not isinstance(data.get("components"), dict) and not isinstance(data.get("nlp"), dict):
        return _bare_blocks(data, labels)
    upstreams: dict[str, tuple[str, Expansion]] = {}  # tok2vec and transformer components, for listeners
    models = {}
    for name, component in pipeline.components.items():
        if component.model is None:
            continue
        root = ("components", name, "model")
        listeners = {listener.path[len(root):]: listener.upstream for listener in pipeline.listeners
                     if listener.component == name}
        expansion = Expander(labels.get(name, {}), upstreams, listeners).block(component.model)
        if component.factory in ("tok2vec", "transformer") and expansion is not None:
            upstreams[name] = (component.factory, expansion)
        keys = registry_keys(component.model)
        architecture = str(component.model[keys[0]]) if keys else ""
        models[name] = _model(name, component.factory, architecture, expansion)
    return models


def _model(name: str, factory: str, architecture: str, expansion: Expansion | None,
           path: tuple[str, ...] = ()) -> ComponentModel:
    estimates = cost.interpret(expansion.layer) if expansion is not None else None
    return ComponentModel(name, factory, architecture, expansion, _blocks(expansion), path, estimates)


def _bare_blocks(data: dict[str, Any], labels: dict[str, dict[str, int]]) -> dict[str, ComponentModel]:
    """A config of bare blocks (the spec's examples, `[model]` and its sub-blocks): each top-level
    block stands in for a component."""
    models = {}
    for name, block in data.items():
        keys = registry_keys(block) if isinstance(block, dict) else []
        if keys and keys[0] in ("@architectures", "@layers"):  # models, not readers or callbacks
            expander = Expander(labels.get(name, {}))
            expansion = expander.block(block)
            models[name] = _model(name, "block", str(block[keys[0]]), expansion, (name,))
    return models


def _blocks(expansion: Expansion | None) -> dict[tuple[str, ...], Expansion]:
    """The expansion of each block inside a model, by its path below the model."""
    if expansion is None:
        return {}
    return {path: Expansion(layer, layer.width, layer.field) for path, layer in blocks_of(expansion)}


def _pipeline_graph(pipeline: Topology, models: dict[str, ComponentModel]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, model in models.items():
        graph.add_node(name, factory=model.factory, architecture=model.architecture,
                       params=str(model.params) if model.params is not None else None,
                       frozen=name in pipeline.frozen, annotating=name in pipeline.annotating)
    names = list(models)
    for before, after in zip(names, names[1:]):
        graph.add_edge(before, after, kind="pipeline")
    for listener in pipeline.listeners:
        upstream = models.get(listener.upstream) if listener.upstream is not None else None
        if upstream is not None and listener.component in graph:
            block = descend(pipeline.components[listener.component].settings, listener.path[2:])
            width = block.get("width") if isinstance(block, dict) else None
            expansion = upstream.expansion
            graph.add_edge(listener.upstream, listener.component, kind="listener",
                           width=width or (dim_value(expansion.width) if expansion else None))
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


# a clone of more copies than this is drawn once, marked "×n", unless the graph is expanded
COLLAPSE_ABOVE = 2
JOINS = {"parallel": "concatenate", "add": "add", "residual": "add"}


def _layers_graph(models: dict[str, ComponentModel], pipeline: Topology, expand: bool = False) -> nx.DiGraph:
    """The dataflow of each component's model: a node per layer, an edge (`kind="data"`) per
    tensor that flows, from the component's input to its output; a node per combinator, with
    `kind="contains"` edges to its children (drawn as clusters). Concatenation, addition and
    residual sums are `join` nodes, so parallel branches fan out and back in. A listener gets a
    data edge from its upstream component's output."""
    graph = nx.DiGraph()
    outputs: dict[str, str] = {}
    for name, model in models.items():
        if model.expansion is None:
            continue
        flow = _component_flow(graph, name, model.expansion.layer, model.model_path, expand, model.cost)
        outputs[name] = f"{name}/output"
        for node, path in flow.listeners:
            listener = pipeline.listener_at(path)
            if listener is not None and listener.upstream in outputs:
                graph.add_edge(outputs[listener.upstream], node, kind="data", listener=True,
                               width=dim_value(graph.nodes[node]["dims"].get("nO")))
    return graph


def dataflow(layer: Layer, name: str = "model", expand: bool = True) -> nx.DiGraph:
    """The dataflow DAG of one model's interpreted expression (every repeat drawn, by default)."""
    graph = nx.DiGraph()
    _component_flow(graph, name, layer, (name,), expand)
    return graph


def _component_flow(graph: nx.DiGraph, name: str, root: Layer, model_path: tuple[str, ...],
                    expand: bool, estimates: "cost.LayerCost | None" = None) -> "_Flow":
    source, sink = f"{name}/input", f"{name}/output"
    graph.add_node(source, kind="input", name="input", component=name, block=".".join(model_path),
                   dims={}, params=0, output=None, receptive_field=None, label=f"{name}: docs")
    if estimates is None:  # a model alone (`dataflow`)
        estimates = cost.interpret(root)
    flow = _Flow(graph, name, model_path, expand, estimates.by_layer())
    exits = flow.add(root, name, [source], ".".join(model_path))
    graph.add_node(sink, kind="output", name="output", component=name, block=".".join(model_path),
                   dims={}, params=0, output=output_shape(root), receptive_field=field_tokens(root.field),
                   label=f"{name}: {output_shape(root) or 'output'}")
    flow.connect(exits, sink)
    return flow


class _Flow:
    """Adds one component's layers to the graph, following the data."""

    def __init__(self, graph: nx.DiGraph, component: str, model_path: tuple[str, ...], expand: bool,
                 costs: dict[int, "cost.LayerCost"] | None = None) -> None:
        self.graph, self.component, self.model_path, self.expand = graph, component, model_path, expand
        self.costs = costs or {}  # id(layer) -> its estimates (compiler/cost.py)
        self.listeners: list[tuple[str, tuple[str, ...]]] = []  # (listener node, its block's config path)
        self.producers: dict[str, Layer] = {}

    def connect(self, sources: list[str], target: str) -> None:
        for source in sources:
            made = self.producers.get(source)
            self.graph.add_edge(source, target, kind="data",
                                width=dim_value(made.width) if made is not None else None,
                                shape=output_shape(made) if made is not None else None)

    def add(self, layer: Layer, node: str, inputs: list[str], block: str) -> list[str]:
        """Adds `layer` as `node`, fed by `inputs`; returns the nodes its output comes from."""
        if layer.block is not None:
            block = ".".join(self.model_path + layer.block)
        kind = "layer" if layer.flow in ("leaf", "listen") or (layer.flow == "wrap" and _inner(layer)) else "combinator"
        children = layer.children
        collapsed = layer.repeat > COLLAPSE_ABOVE and not self.expand
        if collapsed:
            children = children[:1]
        label = layer.name + (f" ×{layer.repeat}" if layer.repeat else "")
        attrs = {"kind": kind, "name": layer.name, "label": label, "component": self.component, "block": block,
                 "dims": {k: dim_value(v) for k, v in layer.dims.items() if v is not None},
                 "params": _number(layer.own_count), "output": output_shape(layer),
                 "receptive_field": field_tokens(layer.field)}
        if layer.repeat:
            attrs["repeat"] = layer.repeat
            attrs["collapsed"] = collapsed
        if layer.architecture:
            attrs["architecture"] = layer.architecture
        attrs.update(cost.node_attributes(self.costs.get(id(layer))))
        self.graph.add_node(node, **attrs)
        self.producers[node] = layer
        ids = [f"{node}/{i}" for i in range(len(children))]
        for child_id in ids:
            self.graph.add_edge(node, child_id, kind="contains")
        if kind == "layer":
            for child, child_id in zip(children, ids):  # an attention's keys, a per-token pooling
                self.connect(self.add(child, child_id, inputs, block), node)
            if layer.flow == "listen":
                self.listeners.append((node, tuple(block.split("."))))
            self.connect(inputs, node)
            return [node]
        if layer.flow == "sequence":
            current = inputs
            for child, child_id in zip(children, ids):
                current = self.add(child, child_id, current, block)
            return current
        if layer.flow in JOINS:
            exits = [e for child, child_id in zip(children, ids) for e in self.add(child, child_id, inputs, block)]
            join = f"{node}/join"
            self.graph.add_node(join, kind="join", name=JOINS[layer.flow], label=JOINS[layer.flow],
                                component=self.component, block=block, dims={}, params=0,
                                output=output_shape(layer), receptive_field=field_tokens(layer.field),
                                **cost.node_attributes(self.costs.get(id(layer))))
            self.graph.add_edge(node, join, kind="contains")
            self.producers[join] = layer
            self.connect(exits, join)
            if layer.flow == "residual":  # the skip connection
                self.connect(inputs, join)
            return [join]
        current = inputs  # a wrapper: its child does the work
        for child, child_id in zip(children, ids):
            current = self.add(child, child_id, current, block)
        return current


def _inner(layer: Layer) -> bool:
    return OPS[layer.op].inner if layer.op in OPS else False


def lower(blueprint: Blueprint, resolved: ResolvedConfig,
          labels: dict[str, dict[str, int]] | None = None, expand: bool = False) -> LayerGraph:
    """IR-3 -> IR-4. `labels` gives a component's data-dependent sizes, e.g. {"tagger": {"n_labels": 17}};
    `expand` draws every copy of a repeated block (by default more than two are drawn once)."""
    pipeline = topology(blueprint.data)
    models = _component_models(blueprint.data, labels or {}, pipeline)
    return LayerGraph(_pipeline_graph(pipeline, models), _blocks_graph(blueprint, resolved, models),
                      _layers_graph(models, pipeline, expand), models, pipeline)


def summary(graph: LayerGraph) -> dict[str, Any]:
    """The JSON contract of `archwright summary`: unknown values as their formula strings."""
    components = {}
    costs = cost.components(graph)
    for name, model in graph.components.items():
        expansion = model.expansion
        estimates = costs[name].cost.by_layer() if costs[name].cost else {}
        components[name] = {
            "architecture": model.architecture,
            "params": _number(model.params),
            "output_width": dim_value(expansion.width) if expansion else None,
            "receptive_field": receptive_field_tokens(expansion) if expansion else None,
            "layers": [{"name": layer.name, "path": path,
                        "dims": {k: dim_value(v) for k, v in layer.dims.items() if v is not None},
                        "params": _number(layer.count), "output": output_shape(layer),
                        "receptive_field": field_tokens(layer.field), **cost.layer_report(estimates[id(layer)])}
                       for path, layer in _walk(expansion.layer, name)] if expansion else [],
            "cost": cost.component_report(costs[name]),
        }
    return {"components": components, "total_params": _number(graph.total_params()),
            "cost": cost.pipeline_report(costs)}


def _walk(root: Layer, path: str):
    """(path, layer) of every layer, depth first; paths as the layer graph's node ids."""
    stack = [(path, root)]
    while stack:
        path, layer = stack.pop()
        yield path, layer
        stack.extend(reversed([(f"{path}/{i}", child) for i, child in enumerate(layer.children)]))


def _number(total: Count | int | None) -> int | str | None:
    if total is None:
        return None
    total = count(total)
    return total.constant if total.exact else str(total)
