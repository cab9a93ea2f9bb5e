"""The cost interpreter of layer expressions: what a forward pass computes and holds, per layer
and per component, read from the static interpreter's Layer tree and each op's cost rule
(`expr.COSTS`), without building anything.

- compute: FLOPs of the products with the weights (2 per multiply-add) per row of a layer's
  input, by what the row is (`tokens`, `docs`, `spans`, `n-grams`, parse `states`); embedding
  lookups as the floats they gather (memory traffic, not FLOPs);
- activations: numbers (and bytes: 4 per float32, 8 per integer id) each layer's output holds
  per row, and per component the peak per token of a forward pass: the largest set of arrays
  live at once when each is freed as soon as what reads it is done (a residual's input lives
  until the sum, a concatenation's branches until the join), over the arrays of token rows
  (pooled docs, spans and parse states are counted per their own row, not per token);
  `retained` is every token-row array of the pass at once: what training keeps for the backward
  pass, and what Thinc's forward holds (its combinators keep each layer's callback to the end);
- parameters: bytes at float32, and to train with Adam: weights, gradients and two moments.

Sizes known only from data stay `Count` polynomials (`2·n_labels`); a peak over such terms is
the set of candidates none of which is always larger (`max(a, b)`). A transformer's cost comes
from the Hugging Face model: it is reported as unknown, never guessed. A listener costs nothing
itself: its upstream is counted once, in the upstream component.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .dims import Count, Dim, count, dim_value
from .expr import COSTS, OPS, Cost
from .static import Layer, depth_first

FLOAT32 = 4  # bytes
ID = 8  # bytes of a uint64 id (Thinc's Ints2d of attribute ids)
TRAINING_COPIES = 4  # weights, gradients and Adam's two moments, float32 each


class LayerCost(NamedTuple):
    layer: Layer
    rows_in: str  # what a row of its input is
    rows: str  # what a row of its output is
    flops: dict[str, Dim]  # FLOPs per row, by what the row is: its own and its children's
    gathered: dict[str, Dim]  # floats read from tables per row, by what the row is
    own_flops: dict[str, Dim]  # its own, without its children's
    own_gathered: dict[str, Dim]
    numbers: Dim | None  # numbers per output row (None: not a modelled array)
    bytes: Dim | None  # bytes per output row
    peak: tuple[Dim, ...]  # bytes per token live at the peak (including what is held outside it)
    retained: Dim  # bytes per token of every token-row array it makes
    live: Dim  # bytes per token of its output that stay live for the next layer (0: a view, or held outside)
    item: int = FLOAT32  # bytes per number of its output
    opaque: tuple[str, ...] = ()  # what cannot be known: "transformer: from the Hugging Face model"
    children: tuple["LayerCost", ...] = ()

    @property
    def param_bytes(self) -> Count:
        return count(FLOAT32 * self.layer.count)

    @property
    def training_bytes(self) -> Count:
        return count(TRAINING_COPIES * FLOAT32 * self.layer.count)

    def walk(self):
        return depth_first(self)

    def by_layer(self) -> dict[int, "LayerCost"]:
        """The estimates of each layer of the tree, by the id of its static Layer."""
        return {id(c.layer): c for c in self.walk()}


def rule(layer: Layer) -> Cost:
    """The layer's cost rule applied to its dims and settings. A tree read off a built model
    (tests/test_dataflow.py) may lack what a rule reads: its cost is then unknown, not guessed."""
    make = COSTS.get(layer.op)
    if make is None:
        return Cost()
    try:
        return make({**layer.settings, **layer.dims})
    except (KeyError, TypeError):  # a dim or setting missing (None)
        return Cost(opaque="its dims are not known")


def interpret(root: Layer, rows: str = "tokens", input_bytes: Dim = 0) -> LayerCost:
    """The cost of a model whose input rows are `rows` of `input_bytes` per token (a component
    reads docs: 0), nothing else held."""
    return _cost(root, rows, input_bytes, 0, FLOAT32)


def _cost(layer: Layer, rows_in: str, x: Dim, held: Dim, item_in: int) -> LayerCost:
    """`x`: bytes per token of the input this layer may free once read; `held`: bytes per token
    live outside it (a skip connection's input, a concatenation's finished branches); `item_in`:
    bytes per number of its input."""
    own, op = rule(layer), OPS[layer.op]
    flow = op.flow
    children: list[LayerCost] = []
    opaque = (f"{layer.name}: {own.opaque}",) if own.opaque else ()
    peaks: list[Any] = []
    if flow == "sequence":
        current, rows, item = x, rows_in, item_in
        for i, child in enumerate(layer.children):
            rows = (own.child_rows[i] if i < len(own.child_rows) and own.child_rows[i] else rows)
            made = _cost(child, rows, current, held, item)
            children.append(made)
            peaks.append(made.peak)
            current, rows, item = made.live, made.rows, made.item
        live, rows_out = current, rows
        numbers, size = (children[-1].numbers, children[-1].bytes) if children else _output(layer, own, item)
    elif flow in ("parallel", "add"):
        outs: Dim = 0
        for child in layer.children:  # every branch reads the same input, held until the join
            made = _cost(child, rows_in, 0, held + x + outs, item_in)
            children.append(made)
            peaks.append(made.peak)
            outs = outs + made.live
        rows_out = children[0].rows if children else rows_in
        numbers, size = _joined(layer, own, children)
        item = children[0].item if children else item_in
        if own.alias:  # an addition sums into its first branch's output, a tuple holds them all
            live = children[0].live if flow == "add" and children else outs
        else:
            live = _tokens(size, rows_out)
        peaks.append(held + x + outs + (0 if own.alias else live))
    elif flow == "residual" or (flow == "wrap" and op.inner):
        for child in layer.children:  # the input is kept for the sum (or the attention's weighting)
            made = _cost(child, rows_in, 0, held + x, item_in)
            children.append(made)
            peaks.append(made.peak)
        inner = children[0].live if children else 0
        rows_out = rows_in if op.inner or not children else children[0].rows
        item = FLOAT32
        numbers, size = _output(layer, own, item)
        live = _tokens(size, rows_out)
        peaks.append(held + x + inner + live)
    elif flow == "wrap":  # a change of container: its child does the work
        made = _cost(layer.children[0], rows_in, x, held, item_in)
        children.append(made)
        peaks.append(made.peak)
        rows_out, numbers, size, live, item = made.rows, made.numbers, made.bytes, made.live, made.item
    else:  # a leaf or a listener (the upstream's vectors, live while this component runs)
        rows_out = own.rows or (layer.rows if op.rows else rows_in)
        passed = op.width == "in" and own.out is None
        item = ID if own.ints else item_in if passed else FLOAT32  # a change of container keeps the type
        numbers, size = _output(layer, own, item)
        live = x if own.alias else _tokens(size, rows_out)
        scratch = _tokens(FLOAT32 * own.scratch, rows_in)
        peaks.append(held + x + scratch + (0 if own.alias else live))
    if op.rows and flow != "leaf":
        rows_out = layer.rows
    per = own.per or rows_in
    own_flops = {per: own.flops} if _nonzero(own.flops) else {}
    own_gathered = _merged({per: own.gathered}, {"states": own.per_state})
    flops, gathered = own_flops, own_gathered
    for child in children:
        flops, gathered = _merged(flops, child.flops), _merged(gathered, child.gathered)
        opaque += child.opaque
    new = 0 if own.alias or flow in ("sequence", "wrap") and not op.inner else _tokens(size, rows_out)
    retained = sum((c.retained for c in children), new)
    return LayerCost(layer, rows_in, rows_out, flops, gathered, own_flops, own_gathered, numbers, size,
                     _most(peaks), retained, live, item, opaque, tuple(children))


def _output(layer: Layer, own: Cost, item: int) -> tuple[Dim | None, Dim | None]:
    """Numbers and bytes per output row of a layer that makes its own output."""
    numbers = own.out if own.out is not None else layer.width
    if numbers is None or isinstance(numbers, str):
        return None, None
    return numbers, own.row_bytes if own.row_bytes is not None else numbers * item


def _joined(layer: Layer, own: Cost, children: list[LayerCost]) -> tuple[Dim | None, Dim | None]:
    if OPS[layer.op].width == "sum":  # a concatenation: the branches side by side
        if any(c.numbers is None for c in children):
            return None, None
        return sum((c.numbers for c in children), 0), sum((c.bytes for c in children), 0)
    return (children[0].numbers, children[0].bytes) if children else (None, None)


def _tokens(size: Dim | None, rows: str) -> Dim:
    """Bytes per token of an array of `rows`: only token rows count per token."""
    return size if rows == "tokens" and size is not None else 0


def _nonzero(value: Any) -> bool:
    return isinstance(value, Count) or bool(value)


def _merged(a: dict[str, Dim], b: dict[str, Dim]) -> dict[str, Dim]:
    out = dict(a)
    for rows, value in b.items():
        out[rows] = out.get(rows, 0) + value
    return {rows: value for rows, value in out.items() if _nonzero(value)}


# -- the largest of polynomials ---------------------------------------------------------------------

def _at_least(a: Dim, b: Dim) -> bool:
    """a ≥ b for every value of the sizes (all ≥ 0): no coefficient of a - b is negative."""
    return all(c >= 0 for c in count(a - b).polynomial.values())


def _most(candidates: list[Any]) -> tuple[Dim, ...]:
    """The candidates (Dims, or tuples of them) none of which is always at least another."""
    flat: list[Dim] = []
    for c in candidates:
        flat.extend(c if type(c) is tuple else (c,))  # (a Count is a tuple too)
    kept: list[Dim] = []
    for c in flat:
        if any(_at_least(k, c) for k in kept):
            continue
        kept = [k for k in kept if not _at_least(c, k)] + [c]
    return tuple(kept) or (0,)


def peak_value(peak: tuple[Dim, ...]) -> int | str:
    """A peak for people and JSON: a number, a formula, or `max(a, b)` of formulas."""
    if len(peak) == 1:
        return _number(peak[0])
    return "max(" + ", ".join(f"{n:,}" if isinstance(n, int) else str(n) for n in map(_number, peak)) + ")"


# -- components and the pipeline ------------------------------------------------------------------

class ComponentCost(NamedTuple):
    name: str
    cost: LayerCost | None  # None: an architecture archwright does not model
    listens_to: tuple[str, ...] = ()  # upstream components whose cost is theirs, counted once


def components(graph) -> dict[str, ComponentCost]:
    """The cost of each component of a LayerGraph, in pipeline order."""
    out = {}
    for name, model in graph.components.items():
        upstreams = ()
        if graph.topology is not None:
            upstreams = tuple(dict.fromkeys(listener.upstream for listener in graph.topology.listeners
                                            if listener.component == name and listener.upstream))
        out[name] = ComponentCost(name, model.cost, upstreams)  # (interpreted when the graph was lowered)
    return out


def by_rows(values: dict[str, Dim]) -> dict[str, int | str]:
    return {rows: _number(value) for rows, value in values.items()}


def layer_report(cost: LayerCost) -> dict[str, Any]:
    """A layer's estimates for JSON (formulas as strings)."""
    return {"flops": by_rows(cost.flops), "gathered": by_rows(cost.gathered), "activations": _activations(cost)}


def node_attributes(cost: LayerCost | None) -> dict[str, Any]:
    """A layer-graph node's estimates: its own FLOPs and gathered floats per input row, and its
    output's numbers and bytes per row."""
    if cost is None:
        return {}
    return {"flops": by_rows(cost.own_flops), "gathered": by_rows(cost.own_gathered), "activations": _activations(cost)}


def _activations(cost: LayerCost) -> dict[str, Any]:
    """Its output: what a row is, and its numbers and bytes per row."""
    return {"per": cost.rows, "numbers": _number(cost.numbers), "bytes": _number(cost.bytes)}


def component_report(component: ComponentCost) -> dict[str, Any] | None:
    cost = component.cost
    if cost is None:
        return None
    return {"flops": by_rows(cost.flops), "gathered": by_rows(cost.gathered),
            "peak_bytes_per_token": peak_value(cost.peak), "retained_bytes_per_token": _number(cost.retained),
            "param_bytes": _number(cost.param_bytes), "training_bytes": _number(cost.training_bytes),
            "listens_to": list(component.listens_to), "unknown": list(cost.opaque)}


def pipeline_report(costs: dict[str, ComponentCost]) -> dict[str, Any] | None:
    """The pipeline's sums: each component once (a listener's upstream is its own component);
    the peak is the largest component's (they run one after another)."""
    flops: dict[str, Dim] = {}
    gathered: dict[str, Dim] = {}
    params: Dim = 0
    peaks: list[Any] = []
    unknown: list[str] = []
    for name, component in costs.items():
        cost = component.cost
        if cost is None:
            return None
        flops = _merged(flops, {r: count(v).qualified(name) for r, v in cost.flops.items()})
        gathered = _merged(gathered, {r: count(v).qualified(name) for r, v in cost.gathered.items()})
        params = params + count(cost.layer.count).qualified(name)
        peaks.append(tuple(count(p).qualified(name) for p in cost.peak))
        unknown += [text for text in cost.opaque if text not in unknown]
    return {"flops": by_rows(flops), "gathered": by_rows(gathered), "peak_bytes_per_token": peak_value(_most(peaks)),
            "param_bytes": _number(FLOAT32 * params), "training_bytes": _number(TRAINING_COPIES * FLOAT32 * params),
            "unknown": unknown}


def _number(value: Any) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, Count):
        return value.constant if value.exact else str(value)
    return value if isinstance(value, int) else dim_value(value)
