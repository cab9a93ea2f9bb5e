"""What the explorer's pages show, computed from a Compilation without streamlit: the layer graph
(also for a bare model block), tables, override fields, receptive-field views and downloads.

Everything here is bounded: input size, encoder depth and the number of layers drawn are capped,
so a pasted config cannot make the app allocate without limit.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Any

from ..compiler.compilation import Compilation, decode_config
from ..compiler.dims import dim_value
from ..compiler.static import Window, receptive_field_tokens
from ..compiler.registry import Card
from ..diagnostics import Diagnostic, has_errors, sort_key
from ..present.cards import arg_row
from ..present.figures import count_text, field_text

MAX_INPUT_BYTES = 1_000_000  # pasted or uploaded text
MAX_DEPTH = 1_000  # encoder layers: the expansion holds every layer in memory
MAX_TABLES = 1_000  # hash tables of one embedding (`rows`)
MAX_DRAWN_LAYERS = 400  # more nodes than this make the browser's graph layout crawl
MAX_SENTENCE_CHARS = 2_000
_SYMBOL = re.compile(r"[a-z_][a-z0-9_]*")  # a size's name (`n_labels`), not a model name (`roberta-base`)
# config keys the explorer offers as override fields, when their value is a plain integer
COMMON_KEYS = ("width", "depth", "window_size", "hidden_width", "hidden_size", "embed_size", "maxout_pieces",
               "nM", "nC", "nO", "length")


@dataclass
class Explored:
    """A compiled config and its layer graph; `problem` says why there is no graph despite no errors."""

    compilation: Compilation
    graph: Any  # LayerGraph | None
    problem: str = ""
    bare: bool = False  # bare model blocks ([model] ...), not a training config

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted(self.compilation.diagnostics, key=sort_key)


def too_large(data: bytes | str) -> str:
    """A message when the input is over the size cap, else ""."""
    return size_message(len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data))


def size_message(size: int) -> str:
    if size > MAX_INPUT_BYTES:
        return (f"The config has {size:,} bytes; the explorer reads at most {MAX_INPUT_BYTES:,}. "
                "Use `archwright validate` for larger files.")
    return ""


def decode_upload(data: bytes) -> tuple[str | None, str]:
    """Uploaded bytes as config text (read as spaCy reads a file), or a message saying why not."""
    problem = too_large(data)
    if problem:
        return None, problem
    text, diagnostics = decode_config(data)
    if text is None:
        return None, "; ".join(d.message for d in diagnostics)
    return text, ""


def size_problem(data: Any, path: str = "") -> str:
    """Why expanding this resolved config into layers would take too much memory, or ""."""
    stack, seen = [(path, data)], set()
    while stack:
        where, node = stack.pop()
        if isinstance(node, (dict, list)):  # each once: shared sections repeat a dict many times
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{where}.{key}" if where else str(key)
                if key == "depth" and isinstance(value, int) and value > MAX_DEPTH:
                    return f"`{here}` is {value:,}: the explorer expands at most {MAX_DEPTH:,} layers per encoder"
                if key == "rows" and isinstance(value, list) and len(value) > MAX_TABLES:
                    return f"`{here}` lists {len(value):,} tables: the explorer expands at most {MAX_TABLES:,}"
                stack.append((here, value))
        elif isinstance(node, list):
            stack.extend((where, item) for item in node)
    return ""


def explore(text: str, overrides: dict[str, Any] | None = None,
            labels: dict[str, dict[str, int]] | None = None, path: str = "<pasted>") -> Explored:
    """Compile `text` and lower it to its layer graph when it is clean and small enough."""
    problem = too_large(text)
    if problem:  # never parse past the cap
        return Explored(Compilation("", path=path), None, problem)
    compilation = Compilation(text, path=path, overrides=overrides, labels=labels)
    checked = compilation.checked if compilation.ok else compilation._checked[0]  # what resolved, despite errors
    if checked is None:
        return Explored(compilation, None)
    problem = size_problem(checked.data)
    if problem:
        return Explored(compilation, None, problem)
    # errors never hide what compiles: the graph of every part that resolved, the errors marked on it
    graph = compilation.graph if compilation.ok else compilation.partial_graph
    return Explored(compilation, graph, bare=not _is_pipeline(checked.data))


def _is_pipeline(data: dict) -> bool:
    return isinstance(data.get("components"), dict) or isinstance(data.get("nlp"), dict)


# -- tables ------------------------------------------------------------------------------------

def component_rows(graph) -> list[dict[str, Any]]:
    rows = []
    for name, model in graph.components.items():
        expansion = model.expansion
        rows.append({"component": name, "factory": model.factory, "architecture": model.architecture,
                     "parameters": str(model.params) if model.params is not None else "not available",
                     "output width": str(_dim(expansion.width)) if expansion else "not available",
                     "receptive field": field_text(receptive_field_tokens(expansion)) if expansion
                     else "not available"})
    return rows


def _dim(value: Any) -> str:
    shown = dim_value(value)
    return f"{shown:,}" if isinstance(shown, int) else shown


def shapes_rows(graph, component: str) -> list[dict[str, Any]]:
    """Each layer of a component in order (indented by nesting): output shape, parameters (with
    its sublayers'), and what one output row sees, as the lowering records them."""
    from ..compiler.graph import summary

    rows = []
    for entry in summary(graph)["components"][component]["layers"]:
        width = entry["dims"].get("nO")
        output = entry.get("output") or (f"(rows, {_dim(width)})" if width is not None else "—")
        params = entry["params"]
        rows.append({"layer": "\u2003" * entry["path"].count("/") + entry["name"], "path": entry["path"],
                     "output shape": output, "parameters": count_text(params),
                     "receptive field": field_text(entry.get("receptive_field"))})
    return rows


def params_rows(graph, component: str) -> list[dict[str, Any]]:
    """The leaf layers that hold weights, with their counts (the constant part, when the count
    depends on a label count) for the breakdown chart."""
    model = graph.components[component]
    if model.expansion is None:
        return []
    rows = []
    for i, layer in enumerate(model.expansion.layer.walk()):
        if layer.children or not layer.params:
            continue
        count = layer.own_count
        rows.append({"layer": f"{i:02d} {layer.name}", "parameters": count.constant, "formula": str(count)})
    return rows


def component_params_rows(graph) -> list[dict[str, Any]]:
    """Each modelled component's parameters: the constant part (for a bar) and the whole count."""
    return [{"component": name, "parameters": model.params.constant, "formula": str(model.params)}
            for name, model in graph.components.items() if model.params is not None]


def label_symbols(graph) -> dict[str, list[str]]:
    """Per component, the data-dependent sizes it leaves symbolic (`n_labels`, `n_actions` ...)."""
    out: dict[str, list[str]] = {}
    for name, model in graph.components.items():
        if model.expansion is None:
            continue
        symbols: dict[str, None] = {}
        for monomial, _ in model.expansion.layer.count.terms:
            symbols.update(dict.fromkeys(monomial))
        for layer in model.expansion.layer.walk():
            for value in layer.dims.values():  # a width can be symbolic without weights behind it
                for monomial, _ in getattr(value, "terms", ()):
                    symbols.update(dict.fromkeys(s for s in monomial if _SYMBOL.fullmatch(s)))
        if symbols:
            out[name] = list(symbols)
    return out


def override_fields(text: str) -> list[tuple[str, int]]:
    """(dotted path, value) of every plain-integer width, depth, window ... in the config as
    written (a `${...}` reference is overridden at the place it points to)."""
    if too_large(text):
        return []
    compilation = Compilation(text, interpolate=False)
    if compilation.resolved is None or has_errors(compilation.resolution_diagnostics):
        return []
    fields: list[tuple[str, int]] = []

    def walk(node: dict, path: str) -> None:
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict):
                walk(value, here)
            elif key in COMMON_KEYS and isinstance(value, int) and not isinstance(value, bool):
                fields.append((here, value))

    walk(compilation.resolved.data, "")
    return fields


def diagnostic_rows(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    return [{"line": d.span.line if d.span else None, "column": d.span.column if d.span else None,
             "severity": d.severity.value, "code": d.code, "message": d.message, "path": d.config_path,
             "hint": d.hint} for d in sorted(diagnostics, key=sort_key)]


# -- receptive field on a sentence -------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(sentence: str) -> list[str]:
    """Words and punctuation: enough to show which tokens a vector sees."""
    return _TOKEN.findall(sentence[:MAX_SENTENCE_CHARS])


def seen(n_tokens: int, index: int, field: int | str | Window | None) -> list[bool]:
    """Which tokens the vector of token `index` sees, for a field of `field` tokens, a
    transformer's windows (those that hold the token), or a description such as "the whole
    document" or None (all of them)."""
    if isinstance(field, Window):
        windows = [(start, end) for start, end in field.spans(n_tokens) if start <= index < end]
        return [any(start <= i < end for start, end in windows) for i in range(n_tokens)]
    if not isinstance(field, int):
        return [True] * n_tokens
    side = (field - 1) // 2
    return [abs(i - index) <= side for i in range(n_tokens)]


# -- cards -------------------------------------------------------------------------------------

def io_types(card: Card) -> tuple[str, str]:
    """A model's input and output types, or ("-", returns) for anything that is not a Model."""
    returns = card.returns_type
    if returns.is_model and len(returns.args) == 2:
        return str(returns.args[0]), str(returns.args[1])
    return "-", card.returns


def arg_rows(card: Card) -> list[dict[str, str]]:
    return [arg_row(arg) for arg in card.args]


# -- downloads ---------------------------------------------------------------------------------

def svg(dot: str) -> tuple[bytes | None, str]:
    """The graph drawn as SVG by Graphviz's `dot`, or a message when it is not installed."""
    if shutil.which("dot") is None:
        return None, "SVG needs Graphviz's `dot` program (apt-get install graphviz); download the DOT instead."
    from ..present.render import RenderError, draw

    try:  # `dot` runs with a time and a memory limit
        return draw(dot, "svg"), ""
    except RenderError as e:
        return None, str(e)


def formatted(text: str) -> str | None:
    """The config written in canonical form (references kept), or None if it cannot be."""
    from ..compiler.serialize import NotWritable, to_str

    compilation = Compilation(text, interpolate=False)
    if compilation.resolved is None or has_errors(compilation.resolution_diagnostics):
        return None
    try:
        return to_str(compilation.resolved.data) + "\n"
    except (NotWritable, ValueError, RecursionError):
        return None


def layer_count(graph, component: str | None) -> int:
    return sum(1 for n, data in graph.layers.nodes(data=True) if component is None or data["component"] == component)


# -- what a problem touches, the card of a node, the lines of a block ------------------------------

LISTENERS = ("spacy.Tok2VecListener.v1", "spacy-transformers.TransformerListener.v1")


def marks(explored: Explored):
    """The pipeline's nodes and listener edges, and the blocks, that the errors point at (a
    listener's edge says both widths); for drawing them in red."""
    from ..present.drawing import Marks

    out = Marks()
    graph = explored.graph
    if graph is None:
        return out, {}
    blocks: dict[str, str] = {}  # block path -> message
    architectures = {path: data.get("architecture", "") for path, data in graph.blocks.nodes(data=True)}
    for d in explored.diagnostics:
        if d.severity.value != "error" or not d.config_path:
            continue
        parts = d.config_path.split(".")
        block = next((".".join(parts[:end]) for end in range(len(parts), 0, -1)
                      if ".".join(parts[:end]) in architectures), None)
        message = f"{d.code}: {d.message}"
        if block is not None:
            blocks.setdefault(block, message)
        if parts[0] != "components" or len(parts) < 2 or parts[1] not in graph.pipeline:
            continue
        component = parts[1]
        listener = [(a, b) for a, b, e in graph.pipeline.in_edges(component, data=True) if e.get("kind") == "listener"]
        if block is not None and architectures[block] in LISTENERS and listener:
            upstream = graph.components.get(listener[0][0])
            given = upstream.expansion.width if upstream is not None and upstream.expansion is not None else None
            wanted = graph.pipeline.edges[listener[0]].get("width")
            out.edges[listener[0]] = (f"width {wanted} ≠ {dim_value(given)} ({d.code})" if given is not None
                                      else f"{d.code}: listener")
        else:
            out.nodes.setdefault(component, message)
    return out, blocks


def block_lines(compilation: Compilation, block: str) -> tuple[int, int] | None:
    """The first and last line of a block's section (or of its inline value), 1-based."""
    tree = compilation.syntax
    if tree is None or not block:
        return None
    for section in tree.sections:
        if section.name == block:
            last = max([section.header_span.line] + [e.span.end_line for e in section.entries if getattr(e, "span", None)])
            return section.header_span.line, last
    resolved = compilation.resolved
    span = resolved.spans.find(tuple(block.split("."))) if resolved is not None else None
    return (span.line, span.end_line) if span else None


def source_lines(text: str, lines: tuple[int, int] | None) -> str:
    """Those lines of the text, numbered as the editor numbers them."""
    if not lines:
        return ""
    rows = text.split("\n")
    first, last = lines
    return "\n".join(f"{i:>4} | {rows[i - 1]}" for i in range(first, min(last, len(rows)) + 1))


def node_card(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What a layer node's card shows: (label, value) rows."""
    from ..present.figures import dims_text

    rows = [("layer", data.get("name", "")), ("kind", data.get("kind", "")), ("component", data.get("component", "")),
            ("block", data.get("block") or "—"), ("dims", dims_text(data.get("dims") or {}) or "—"),
            ("output shape", data.get("output") or "—"), ("parameters (own)", count_text(data.get("params"))),
            ("receptive field", field_text(data.get("receptive_field"), "—"))]
    if data.get("repeat"):
        rows.append(("repeated", f"×{data['repeat']} (drawn once)"))
    return rows


# -- the compare view ------------------------------------------------------------------------------

def change_rows(changes) -> list[dict[str, Any]]:
    from ..authoring.diff import shown

    return [{"change": c.change, "path": ".".join(c.path) + (" (section)" if c.section else ""),
             "A": "" if c.section or c.change == "added" else shown(c.old),
             "B": "" if c.section or c.change == "removed" else shown(c.new),
             "line A": str(c.old_line or ""), "line B": str(c.new_line or "")} for c in changes]


def compare_rows(a, b) -> list[dict[str, Any]]:
    """Per component of either side: parameters, output width and receptive field on each."""
    rows = []
    one, two = component_rows(a), component_rows(b)
    left = {row["component"]: row for row in one}
    right = {row["component"]: row for row in two}
    for name in list(left) + [n for n in right if n not in left]:
        x, y = left.get(name), right.get(name)
        status = "added" if x is None else "removed" if y is None else \
            "same" if all(x[k] == y[k] for k in ("architecture", "parameters", "output width", "receptive field")) \
            else "changed"
        row = {"component": name, "status": status}
        for key in ("architecture", "parameters", "output width", "receptive field"):
            row[f"{key} A"] = x[key] if x else "—"
            row[f"{key} B"] = y[key] if y else "—"
        rows.append(row)
    return rows


def _layer_facts(data: dict) -> tuple:
    return (data.get("name"), repr(sorted((data.get("dims") or {}).items())), str(data.get("params")),
            data.get("output"), str(data.get("receptive_field")), data.get("repeat"))


def differing_layers(a, b, changed_paths: list[str]) -> tuple[set[str], set[str]]:
    """The layer nodes of each side that differ from the same node on the other side, are only on
    one side, or come from a block the diff changed."""
    def touched(data: dict) -> bool:
        block = data.get("block") or ""
        return bool(block) and any(p == block or p.startswith(block + ".") for p in changed_paths)

    out = []
    for this, other in ((a, b), (b, a)):
        nodes = set()
        for node, data in this.nodes(data=True):
            if data.get("kind") in ("input", "output"):
                continue
            if node not in other or _layer_facts(data) != _layer_facts(other.nodes[node]) or touched(data):
                nodes.add(node)
        out.append(nodes)
    return out[0], out[1]


def layer_compare_rows(a, b) -> list[dict[str, Any]]:
    """The layers that differ between the two sides, by node."""
    from ..present.figures import dims_text

    rows = []
    for node in list(a) + [n for n in b if n not in a]:
        x, y = (a.nodes[node] if node in a else None), (b.nodes[node] if node in b else None)
        if x is not None and y is not None and _layer_facts(x) == _layer_facts(y):
            continue
        if (x or y).get("kind") in ("input", "output"):
            continue
        rows.append({"layer": node, "name A": x.get("name", "") if x else "—", "name B": y.get("name", "") if y else "—",
                     "dims A": dims_text(x.get("dims") or {}) if x else "—",
                     "dims B": dims_text(y.get("dims") or {}) if y else "—",
                     "parameters A": count_text(x.get("params")) if x else "—",
                     "parameters B": count_text(y.get("params")) if y else "—",
                     "output A": (x.get("output") or "") if x else "—", "output B": (y.get("output") or "") if y else "—"})
    return rows
