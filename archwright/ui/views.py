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
    if has_errors(compilation.diagnostics):
        return Explored(compilation, None)
    data = compilation.resolved.data
    problem = size_problem(data)
    if problem:
        return Explored(compilation, None, problem)
    return Explored(compilation, compilation.graph, bare=not _is_pipeline(data))


def _is_pipeline(data: dict) -> bool:
    return isinstance(data.get("components"), dict) or isinstance(data.get("nlp"), dict)


# -- tables ------------------------------------------------------------------------------------

def field_text(tokens: int | str | None) -> str:
    """A receptive field in tokens, or its description (the whole document, a span window)."""
    if tokens is None:
        return ""
    return f"{tokens} token{'s' * (tokens != 1)}" if isinstance(tokens, int) else str(tokens)


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
        output = entry.get("output") or (f"(rows, {_dim(width)})" if width is not None else "-")
        params = entry["params"]
        rows.append({"layer": "\u2003" * entry["path"].count("/") + entry["name"], "path": entry["path"],
                     "output shape": output, "parameters": f"{params:,}" if isinstance(params, int) else str(params),
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
    import json

    def shown(value: Any) -> str:
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            return repr(value)

    rows = []
    for arg in card.args:
        bounds = ", ".join(f"{op} {bound:g}" for op, bound in ((">", arg.gt), (">=", arg.ge), ("<", arg.lt),
                                                                 ("<=", arg.le)) if bound is not None)
        if arg.kind == "positional":
            default = "(positional: the `*` section)"
        else:
            default = "required" if arg.required else shown(arg.default)
        rows.append({"argument": arg.name, "type": arg.annotation, "default": default, "bounds": bounds,
                     "recommended": f"{arg.recommended[0]:g} to {arg.recommended[1]:g}" if arg.recommended else "",
                     "description": arg.doc})
    return rows


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
