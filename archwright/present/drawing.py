"""The explorer's drawings of a LayerGraph as DOT: the pipeline with its listener edges, and one
component's layers, Netron-like (a box per layer with its dims, parameters and output shape;
combinators as clusters around their children; a collapsed repeat drawn once as "clone ×4").
Problems are drawn in red, the selected node in blue, changed nodes (the compare view) in orange.

The layers are read as compiler/graph.py's contract: nodes with `kind` ("input", "layer",
"combinator", "join", "output"), `name`, `label`, `component`, `block`, `dims`, `params`,
`output`, `receptive_field`, `repeat` and `collapsed`; edges with `kind` "data" (`width`) or
"contains" (a combinator to each child, in order)."""

from __future__ import annotations

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
    "layers": [("data", "#111827", "solid", "a tensor flows from layer to layer (its width); branches fan out "
                         "and meet at concatenate or add"),
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

def contract(layers: nx.DiGraph, component: str | None = None) -> nx.DiGraph:
    """The layers of `component` (all when None): its input, layers, combinators and output."""
    nodes = [n for n, d in layers.nodes(data=True) if component is None or d.get("component") == component]
    return layers.subgraph(nodes).copy()


def _children(graph: nx.DiGraph, node: str) -> list[str]:
    return [c for c in graph.successors(node) if graph.edges[node, c].get("kind") == "contains"]


def _parents(graph: nx.DiGraph) -> dict[str, str]:
    return {c: n for n in graph for c in _children(graph, n)}


def _layer_label(data: dict) -> str:
    dims = data.get("dims") or {}
    params = data.get("params")
    lines = [data.get("name", ""), dims_text(dims)]
    if params not in (None, "0", 0):
        lines.append(f"{count_text(params)} params")
    if data.get("output"):
        lines.append(f"→ {data['output']}")
    return _label(*lines)


def _skip(graph: nx.DiGraph, parents: dict[str, str], source: str, target: str) -> bool:
    """A residual's skip edge: into its join from outside the residual block."""
    residual = parents.get(target)
    if graph.nodes[target].get("kind") != "join" or residual is None or graph.nodes[residual].get("name") != "residual":
        return False
    return source not in nx.descendants(graph, residual)


def layers_dot(graph: nx.DiGraph, marks: Marks | None = None) -> str:
    """A contract graph (see `contract`) as DOT: combinators with more than one child as clusters
    (one with a single child is only its child), layers as boxes, joins (concatenate, add) as
    small boxes where branches meet, input and output as ovals, data edges labelled with widths
    and a residual's skip edge dashed."""
    marks = marks or Marks()
    dot = _digraph("TB")
    parents = _parents(graph)
    first: dict[str, str] = {}
    last: dict[str, str] = {}

    def add(container: graphviz.Digraph, node: str) -> None:
        data = graph.nodes[node]
        kind = data.get("kind", "layer")
        children = _children(graph, node)
        if kind == "combinator" and len(children) == 1 and not data.get("repeat") and node not in marks.nodes:
            add(container, children[0])  # a wrapper around one thing: drawn as that thing
            first[node], last[node] = first[children[0]], last[children[0]]
            return
        if kind != "combinator" or not children:
            if kind in ("input", "output"):
                shape, label = {"shape": "oval", "fillcolor": "#ecfdf5"}, _label(data.get("label") or data.get("name", kind))
            elif kind == "join":
                shape, label = {"shape": "box", "fillcolor": "#f1f5f9", "fontsize": "9"}, _label(
                    data.get("label") or data.get("name", ""), f"→ {data['output']}" if data.get("output") else "")
            else:
                shape, label = {}, _layer_label(data)
            container.node(node, label, **{**shape, **_colours(node, marks)})
            first[node] = last[node] = node
            return
        with container.subgraph(name=f"cluster_{node}") as cluster:
            repeat = data.get("repeat") if data.get("collapsed", True) else None
            title = data.get("label") or data.get("name", "") + (f" ×{repeat}" if repeat else "")
            if data.get("repeat") and not repeat:  # expanded: every copy is drawn inside
                title = f"{data.get('name', '')} ({data['repeat']} copies)"
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
        if node not in parents:
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
        if _skip(graph, parents, a, b):
            attrs["style"] = "dashed"
        dot.edge(tail, head, label=str(width) if width is not None else "", **attrs)
    return dot.source


