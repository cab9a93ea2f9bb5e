"""The explorer's drawings of a LayerGraph as DOT: the pipeline with its listener edges, and one
component's layers, Netron-like (a box per layer with its dims, parameters and output shape;
combinators as clusters around their children; a collapsed repeat drawn once as "residual ×4").
Problems are drawn in red, the selected node in blue, changed nodes (the compare view) in orange.

The layers are read as compiler/graph.py's contract: nodes with `kind` ("input", "layer",
"combinator", "output"), `name`, `component`, `block`, `dims`, `params`, `output`,
`receptive_field` and `repeat`; edges with `kind` "data" (`width`, `type`) or "contains" (a
combinator to each child, in order). `contract()` gives that form for a graph that has only
containment edges (the graph before the layer-expression redesign)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import graphviz
import networkx as nx

from .figures import count_text, dims_text, field_text

RED, BLUE, ORANGE, GREY = "#dc2626", "#2563eb", "#ea580c", "#6b7280"
# the edge kinds each drawing uses, for its legend: (name, colour, style, what it means)
LEGEND = {
    "pipeline": [("pipeline order", GREY, "solid", "components run in this order"),
                 ("listener", "#111827", "dashed", "reads the upstream component's vectors (their width)"),
                 ("problem", RED, "bold", "a diagnostic points here")],
    "layers": [("data", "#111827", "solid", "a tensor flows from layer to layer (its width)"),
               ("skip", "#111827", "dashed", "a residual connection adds the input back"),
               ("contains", GREY, "cluster", "a combinator drawn as a box around its layers"),
               ("problem", RED, "bold", "the block a diagnostic points at")],
}


@dataclass
class Marks:
    """What to draw in colour: node or edge -> the text that says why."""

    nodes: dict[str, str] = field(default_factory=dict)  # problems
    edges: dict[tuple[str, str], str] = field(default_factory=dict)  # problems (pipeline edges)
    changed: dict[str, str] = field(default_factory=dict)
    selected: str | None = None


def _label(*lines: str) -> str:
    return "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines if line)


def _digraph(rankdir: str = "TB") -> graphviz.Digraph:
    return graphviz.Digraph("archwright", graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "compound": "true",
                                                      "nodesep": "0.3", "ranksep": "0.35", "fontsize": "11"},
                            node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#f8fafc",
                                       "fontname": "Helvetica", "fontsize": "11", "color": "#94a3b8"},
                            edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#111827"})


def _colours(name: str, marks: Marks) -> dict[str, str]:
    if name in marks.nodes:
        return {"color": RED, "fillcolor": "#fee2e2", "penwidth": "2.5"}
    if name in marks.changed:
        return {"color": ORANGE, "fillcolor": "#ffedd5", "penwidth": "2"}
    if name == marks.selected:
        return {"color": BLUE, "fillcolor": "#dbeafe", "penwidth": "2.5"}
    return {}


# -- the pipeline ------------------------------------------------------------------------------

def pipeline_dot(pipeline: nx.DiGraph, marks: Marks | None = None) -> str:
    """A node per component (name, factory and architecture, parameters), left to right in
    pipeline order; listener edges dashed with their width; what a problem touches in red."""
    marks = marks or Marks()
    dot = _digraph("LR")
    for name, data in pipeline.nodes(data=True):
        flags = [f for f in ("frozen", "annotating") if data.get(f)]
        about = data.get("architecture") or ""
        factory = data.get("factory") or ""
        lines = [name, factory if factory not in ("", name) else "", about,
                 f"{count_text(data.get('params'))} parameters", f"[{', '.join(flags)}]" if flags else ""]
        if name in marks.nodes:
            lines.append("⚠ " + marks.nodes[name][:70])
        dot.node(name, _label(*lines), **_colours(name, marks))
    for a, b, data in pipeline.edges(data=True):
        problem = marks.edges.get((a, b))
        if data.get("kind") == "listener":
            label = problem or f"width {data.get('width')}"
            dot.edge(a, b, label=label, style="dashed", **({"color": RED, "fontcolor": RED, "penwidth": "2.5"}
                                                           if problem else {}))
        else:
            dot.edge(a, b, color=GREY, arrowsize="0.6")
    return dot.source


# -- layers ------------------------------------------------------------------------------------

def contract(layers: nx.DiGraph, component: str | None = None, expand: bool = False) -> nx.DiGraph:
    """The layers of `component` (all when None) in the contract's form. A graph that already has
    node kinds is only selected; one with containment edges only gets kinds, data edges through
    each container's children in order (input -> ... -> output) and, unless `expand`, runs of
    more than 2 identical blocks collapsed into the first with `repeat`."""
    nodes = [n for n, d in layers.nodes(data=True) if component is None or d.get("component") == component]
    graph = layers.subgraph(nodes).copy()
    if any("kind" in d for _, d in graph.nodes(data=True)):
        return graph
    if not expand:
        _collapse(graph)
    for node in graph:
        graph.nodes[node]["kind"] = "combinator" if _children(graph, node) else "layer"
    roots = [n for n in graph if graph.in_degree(n) == 0]
    for root in roots:
        _chain_children(graph, root)
        name = graph.nodes[root]["component"]
        entry, exit_ = f"{root}/input", f"{root}/output"
        graph.add_node(entry, kind="input", name="docs", component=name, block="", dims={}, params="0",
                       output=None, receptive_field=None)
        graph.add_node(exit_, kind="output", name="output", component=name, block="", dims={}, params="0",
                       output=graph.nodes[root].get("output"), receptive_field=None)
        graph.add_edge(entry, root, kind="data", width=None)
        graph.add_edge(root, exit_, kind="data", width=graph.nodes[root].get("dims", {}).get("nO"))
    return graph


def _children(graph: nx.DiGraph, node: str) -> list[str]:
    return [c for c in graph.successors(node) if graph.edges[node, c].get("kind", "contains") == "contains"]


def _signature(graph: nx.DiGraph, node: str) -> tuple:
    data = graph.nodes[node]
    return (data.get("name"), repr(sorted(data.get("dims", {}).items())), str(data.get("params")),
            tuple(_signature(graph, c) for c in _children(graph, node)))


def _collapse(graph: nx.DiGraph) -> None:
    for node in list(graph):
        if node not in graph:
            continue
        children = _children(graph, node)
        i = 0
        while i < len(children):
            j = i
            while j + 1 < len(children) and _signature(graph, children[j + 1]) == _signature(graph, children[i]):
                j += 1
            if j - i + 1 > 2 and _children(graph, children[i]):
                graph.nodes[children[i]]["repeat"] = j - i + 1
                for dropped in children[i + 1:j + 1]:
                    graph.remove_nodes_from(nx.descendants(graph, dropped) | {dropped})
            i = j + 1


def _chain_children(graph: nx.DiGraph, node: str) -> None:
    children = _children(graph, node)
    for child in children:
        _chain_children(graph, child)
    for a, b in zip(children, children[1:]):
        graph.add_edge(a, b, kind="data", width=graph.nodes[a].get("dims", {}).get("nO"))


def _layer_label(data: dict) -> str:
    dims = data.get("dims") or {}
    params = data.get("params")
    lines = [data.get("name", ""), dims_text(dims)]
    if params not in (None, "0", 0):
        lines.append(f"{count_text(params)} params")
    if data.get("output"):
        lines.append(f"→ {data['output']}")
    return _label(*lines)


def layers_dot(graph: nx.DiGraph, marks: Marks | None = None) -> str:
    """A contract graph (see `contract`) as DOT: combinators as clusters, layers as boxes,
    input and output as ovals, data edges labelled with widths."""
    marks = marks or Marks()
    dot = _digraph("TB")
    contained = {c for n in graph for c in _children(graph, n)}
    first: dict[str, str] = {}
    last: dict[str, str] = {}

    def add(container: graphviz.Digraph, node: str) -> None:
        data = graph.nodes[node]
        kind = data.get("kind", "layer")
        children = _children(graph, node)
        if kind != "combinator" or not children:
            shape = {"shape": "oval", "fillcolor": "#ecfdf5"} if kind in ("input", "output") else {}
            container.node(node, _layer_label(data) if kind not in ("input", "output") else
                           _label(data.get("name", kind), data.get("output") or ""), **{**shape, **_colours(node, marks)})
            first[node] = last[node] = node
            return
        with container.subgraph(name=f"cluster_{node}") as cluster:
            repeat = data.get("repeat")
            title = data.get("name", "") + (f" ×{repeat}" if repeat else "")
            seen = data.get("receptive_field")
            cluster.attr(label=_label(title + (f"  ({dims_text(data.get('dims') or {})})" if data.get("dims") else "")
                                      + (f", sees {field_text(seen)}" if seen is not None else "")),
                         style="rounded,dashed" if repeat else "rounded", labeljust="l", fontsize="10",
                         **{k: v for k, v in _colours(node, marks).items() if k in ("color", "penwidth")})
            if repeat:
                cluster.attr(peripheries="2")
            for child in children:
                add(cluster, child)
        first[node], last[node] = first[children[0]], last[children[-1]]

    for node in graph:
        if node not in contained:
            add(dot, node)
    for a, b, data in graph.edges(data=True):
        if data.get("kind") != "data":
            continue
        tail, head = last.get(a, a), first.get(b, b)
        attrs = {}
        if tail != a:
            attrs["ltail"] = f"cluster_{a}"
        if head != b:
            attrs["lhead"] = f"cluster_{b}"
        width = data.get("width")
        if data.get("skip"):
            attrs["style"] = "dashed"
        dot.edge(tail, head, label=str(width) if width is not None else "", **attrs)
    return dot.source


