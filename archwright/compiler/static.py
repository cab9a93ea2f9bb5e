"""The static interpreter of layer expressions: every node's dims (the widths that flow in filled
in where a card wrote INFER), parameter shapes and exact counts, output width, what an output row
stands for, and the receptive field, without building anything.

Counts are polynomials in the sizes known only from data (`97·n_labels`); a receptive field is
counted in tokens a side, or described ("the whole document", a transformer's windows).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Union

from .dims import Count, Dim, count, dim_value, product
from .expr import INFER, OPS, Node


class Window(NamedTuple):
    """A transformer's view through strided spans: windows of `size` tokens, one starting every
    `stride` tokens; a token sees the windows it is in."""

    size: int
    stride: int

    def __str__(self) -> str:
        overlap = f" (windows overlap: stride {self.stride})" if self.stride < self.size else ""
        return f"its {self.size}-token window{overlap}"

    def spans(self, n_tokens: int) -> list[tuple[int, int]]:
        """The (start, end) token spans of a doc, cut as spacy-transformers cuts them: the last
        window holds what is left."""
        spans, start = [], 0
        for _ in range(n_tokens // self.stride):
            spans.append((start, min(start + self.size, n_tokens)))
            if start + self.size >= n_tokens:
                return spans
            start += self.stride
        if start < n_tokens:  # the windows ran out before the end (or none started: a short doc)
            spans.append((start, n_tokens))
        return spans


# A receptive field: tokens seen on each side of a token (an int), a transformer's windows, or a
# description of a larger view: the whole document (pooled outputs, a BiLSTM), span or entity.
Field = Union[int, str, Window]
WHOLE_DOC = "the whole document"
POOLED = {"docs": WHOLE_DOC, "spans": "the whole span", "entities": "the whole entity"}


class Layer(NamedTuple):
    """A node of an expression, interpreted: its dims and parameter shapes with the numbers (or
    formulas) they take, its output width, rows and receptive field."""

    name: str
    dims: dict[str, Any]
    params: dict[str, tuple[Dim, ...]] = {}
    children: tuple["Layer", ...] = ()
    field: Field | None = None  # what one output row sees
    rows: str = "tokens"  # what an output row stands for: a token, or a doc, span or parse state
    op: str = ""
    flow: str = "leaf"
    width: Any = None  # the output width
    block: tuple[str, ...] | None = None  # the config block this node is the root of
    architecture: str = ""
    repeat: int = 0  # a clone: how many copies its children are
    settings: dict[str, Any] = {}

    @property
    def own_count(self) -> Count:
        total = Count(0)
        for shape in self.params.values():
            total = total + product(shape)
        return count(total)

    @property
    def count(self) -> Count:
        total = self.own_count
        for child in self.children:
            total = total + child.count
        return count(total)

    def walk(self):
        """Every node below and including this one, depth first."""
        return depth_first(self)


def depth_first(root):
    """Every node of a tree of `.children`, the root first, depth first (iteratively: deep encoders)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


class Expansion(NamedTuple):
    layer: Layer
    width: Any  # width of the output vectors
    receptive_field: Field


class Unsized(ValueError):
    """An expression whose parameter shapes cannot be known statically."""


def widened(inner: Field, outer: Field) -> Field:
    """The field of a layer that sees `outer` tokens a side of vectors that each see `inner`."""
    if isinstance(inner, int) and isinstance(outer, int):
        return inner + outer
    return outer if isinstance(inner, int) else inner


def _widest(fields: list[Field]) -> Field:
    """Parallel branches: the widest view (a description stands for more than any count)."""
    described = [f for f in fields if not isinstance(f, int)]
    return described[0] if described else max(fields, default=0)


def interpret(root: Node, width: Any = None, field: Field = 0, rows: str = "tokens") -> Layer:
    """The expression `root` read with `width` flowing in (None: docs), each token seeing `field`."""
    return _interpret(root, width, field, rows)


def _interpret(node: Node, width_in: Any, field_in: Field, rows_in: str) -> Layer:
    op = OPS[node.op]
    dims = {name: width_in if value is INFER else value for name, value in node.dims.items()}
    children: list[Layer] = []
    field, rows = field_in, rows_in
    if op.flow == "sequence":
        width = width_in
        copies = node.children * node.settings.get("times", 1)
        for child in copies:
            layer = _interpret(child, width, field, rows)
            children.append(layer)
            width, field, rows = layer.width, layer.field, layer.rows
        out = width
    elif op.flow in ("parallel", "add"):
        children = [_interpret(child, width_in, field_in, rows_in) for child in node.children]
        field = _widest([c.field for c in children])
        rows = children[0].rows if children else rows_in
        widths = [c.width for c in children]
        out = _sum(widths) if op.width == "sum" else (widths[0] if widths else width_in)
    elif op.flow in ("residual", "wrap"):
        children = [_interpret(child, width_in, field_in, rows_in) for child in node.children]
        if op.inner:  # its children work inside it: what flows out is what came in, transformed
            out = width_in
        else:
            field, rows, out = children[0].field, children[0].rows, children[0].width
    else:
        out, field, rows = _leaf(node, op, dims, width_in, field_in, rows_in)
    if op.rows and op.flow != "leaf":
        rows = op.rows
    params = op.params(dims) if op.params else {}
    if any(d is None for shape in params.values() for d in shape):
        raise Unsized(f"{op.name} has a dim that is not known before the data is seen")
    return Layer(op.name, dims, params, tuple(children), field, rows, node.op, op.flow, out, node.block,
                 node.architecture, node.settings.get("times", 0) if node.op == "clone" else 0, node.settings)


def _leaf(node: Node, op, dims: dict, width_in: Any, field_in: Field, rows_in: str) -> tuple[Any, Field, str]:
    settings = node.settings
    field, rows = field_in, rows_in
    if op.width == "window":
        window = settings["window_size"]
        width = width_in * (2 * window + 1) if width_in is not None else None
        field = widened(field_in, window)
    elif op.width == "columns":
        width = len(settings["columns"])
    elif op.width == "one":
        width = 1
    elif op.width == "nO":
        width = dims.get("nO")
    else:
        width = width_in
    if op.rows == "docs":  # a reduction: one row per doc, or per span where spans were cut
        rows = rows_in if rows_in in ("spans", "entities") else "docs"
        field = POOLED[rows]
    elif op.rows:
        rows = settings.get("rows", op.rows)
    if "sees" in settings:  # a listener, a transformer, a pretraining objective's tok2vec: what it sees
        field = settings["sees"]
    elif node.op == "pytorch_lstm":
        field = WHOLE_DOC
    return width, field, rows


def _sum(widths: list[Any]) -> Any:
    if any(w is None for w in widths):
        return None
    total: Dim = 0
    for w in widths:
        total = total + w
    return total


def output_shape(layer: Layer) -> str | None:
    """`(rows, width)` of a layer's output, where the width is a number of floats per row."""
    if layer.width is None or layer.op in ("extract_features", "ints-getitem", "extract_ngrams"):
        return None
    return f"({layer.rows}, {dim_value(layer.width)})"


def field_tokens(field: Field | None) -> int | str | None:
    """Tokens one output vector sees in all (`2 * window_size * depth + 1` for a window
    encoder), or a description of what it sees."""
    if field is None:
        return None
    return 2 * field + 1 if isinstance(field, int) else str(field)


def receptive_field_tokens(expansion: Expansion) -> int | str | None:
    return field_tokens(expansion.receptive_field)


def row_width(layer: Layer, values: dict[str, int]) -> int:
    """How many numbers a layer computes per row (token, span or doc) in a forward pass: its
    output (a maxout's pieces before the max, a parser's features), its widest input (a window
    of neighbours concatenated), or a character embedding's positions; symbols take `values`,
    those still unknown count as 1."""
    def number(dim: Any) -> int | None:
        if dim is None or isinstance(dim, str):
            return None
        given = count(dim).given(values)
        return given.constant + sum(coefficient for _, coefficient in given.terms)

    def times(*keys: str) -> int:
        numbers = [n for n in (number(layer.dims.get(k)) for k in keys) if n is not None]
        total = 1 if numbers else 0
        for n in numbers:
            total *= n
        return total
    return max(times("nO", "nP", "nF"), times("nI"), times("nM", "nC"), number(layer.width) or 0)
