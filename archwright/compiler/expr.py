"""The layer-expression language: Thinc's layers and combinators as data.

A card's `expression` is a function of its block's arguments that returns a tree of `Node`s,
the same tree Thinc builds (`Maxout(..., normalize=True, dropout=0.0)` is Thinc's
`chain(chain(maxout, layernorm), dropout)`, so it is written that way here). Three
interpreters read the tree: `static` (dims, widths, parameters, receptive fields), `graph` (the
dataflow DAG) and `thinc/` (the real model). Nothing here imports Thinc.

A dim is a number, a `Count` of data-dependent sizes (`n_labels`), or `INFER`: the width that
flows into the layer, worked out by the static interpreter (and by Thinc at initialize).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from .dims import Count, Dim

INFER: Any = type("Infer", (), {"__repr__": lambda self: "INFER"})()


@dataclass(frozen=True, eq=False)
class Node:
    op: str  # a word of the vocabulary (OPS)
    dims: dict[str, Any] = field(default_factory=dict)  # Thinc's dims: Dim, INFER, or None (set by Thinc later)
    children: tuple["Node", ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)  # what the constructor takes besides dims
    block: tuple[str, ...] | None = None  # on the root node of a config block: its path below the model
    architecture: str = ""  # ... and the registered name it comes from


class Op(NamedTuple):
    """What the interpreters know about a word of the vocabulary.

    flow: how data moves through the children. "leaf" (no children), "sequence" (each child's
    output feeds the next), "parallel" (every child reads the same input; outputs joined, widths
    added), "add" (the same, outputs summed), "residual" (the child's output plus its input),
    "wrap" (one child does the work: a change of container, a device, a cache), "listen" (the
    input comes from another component).
    """

    name: str  # the Thinc node's name
    flow: str = "leaf"
    inner: bool = False  # its children work inside it (attention keys, per-token pooling): data passes by
    params: Callable[[dict[str, Any]], dict[str, tuple]] | None = None  # parameter shapes from dims
    width: str = "nO"  # the output width: a dim's name, "in" (as it comes), or a rule below
    rows: str | None = None  # what an output row is from here on ("docs", "spans", "states"), if it changes


def _dense(d: dict) -> dict[str, tuple]:
    return {"W": (d["nO"], d["nI"]), "b": (d["nO"],)}


def _sparse(d: dict) -> dict[str, tuple]:
    """SparseLinear's weights: one flat table of `nO·length`."""
    return {"W": (d["nO"] * d["length"],), "b": (d["nO"],)}


OPS: dict[str, Op] = {
    # combinators
    "chain": Op("chain", "sequence", width="last"),
    "concatenate": Op("concatenate", "parallel", width="sum"),
    "add": Op("add", "add", width="first"),
    "residual": Op("residual", "residual", width="first"),
    "clone": Op("clone", "sequence", width="last"),  # Thinc's clone: a chain of copies
    "tuplify": Op("tuplify", "parallel", width="first"),
    "with_array": Op("with_array", "wrap", width="first"),
    "with_padded": Op("with_padded", "wrap", width="first"),
    "with_list": Op("with_list", "wrap", width="first"),
    "with_getitem": Op("with_getitem", "wrap", width="first"),
    "with_cpu": Op("with_cpu", "wrap", width="first"),
    "resizable": Op("resizable", "wrap", width="first"),
    "uniqued": Op("uniqued", "wrap", width="first"),
    "para-attn": Op("para-attn", "wrap", params=lambda d: {"Q": (d["nO"],)}, inner=True, width="in"),  # v2: keys through its child
    "masked-language-model": Op("masked-language-model", "wrap", width="first"),
    "parser_model": Op("parser_model", "sequence", width="last", rows="states"),
    # Thinc's layers
    "maxout": Op("maxout", params=lambda d: {"W": (d["nO"], d["nP"], d["nI"]), "b": (d["nO"], d["nP"])}),
    "layernorm": Op("layernorm", params=lambda d: {"G": (d["nI"],), "b": (d["nI"],)}),
    "dropout": Op("dropout", width="in"),
    "hashembed": Op("hashembed", params=lambda d: {"E": (d["nV"], d["nO"])}),
    "ints-getitem": Op("ints-getitem", width="one"),
    "mish": Op("mish", params=_dense),
    "gelu": Op("gelu", params=_dense),
    "linear": Op("linear", params=_dense),
    "softmax": Op("softmax", params=_dense),
    "multisoftmax": Op("multisoftmax", params=_dense),
    "sparse_linear": Op("sparse_linear", params=_sparse),
    "sparse_linear_v2": Op("sparse_linear", params=_sparse),
    "logistic": Op("logistic", width="in"),
    "softmax_activation": Op("softmax_activation", width="in"),
    "expand_window": Op("expand_window", width="window"),
    "list2ragged": Op("list2ragged", width="in"),
    "ragged2list": Op("ragged2list", width="in"),
    "list2array": Op("list2array", width="in"),
    "noop": Op("noop", width="in"),
    "reduce_mean": Op("reduce_mean", width="in", rows="docs"),
    "reduce_sum": Op("reduce_sum", width="in", rows="docs"),
    "reduce_max": Op("reduce_max", width="in", rows="docs"),
    "reduce_first": Op("reduce_first", width="in", rows="docs"),
    "reduce_last": Op("reduce_last", width="in", rows="docs"),
    "pytorch_lstm": Op("pytorch", params=lambda d: {"weights": (d["params"],)}),
    # the layers spaCy defines itself
    "extract_features": Op("extract_features", width="columns"),
    "extract_ngrams": Op("extract_ngrams", width="one", rows="docs"),  # a bag of the whole doc
    "static_vectors": Op("static_vectors", params=lambda d: {"W": (d["nO"], d["nM"])}),
    "charembed": Op("charembed", params=lambda d: {"E": (d["nC"], d["nV"], d["nM"])}),
    "precomputable_affine": Op("precomputable_affine", params=lambda d: {
        "W": (d["nF"], d["nO"], d["nP"], d["nI"]), "b": (d["nO"], d["nP"]), "pad": (1, d["nF"], d["nO"], d["nP"])}),
    "extract_spans": Op("extract_spans", width="in", rows="spans"),
    "span_maker": Op("span_maker", width="in"),
    "Flattener": Op("Flattener", width="in"),
    "tok2vec-listener": Op("tok2vec-listener", "listen"),
    "transformer": Op("transformer", params=lambda d: {"weights": (d["params"],)}),
    "transformer-listener": Op("transformer-listener", "listen"),
    "trfs2arrays": Op("trfs2arrays", "wrap", inner=True, width="in"),  # its child pools each token's wordpieces
    "split-trf-batch": Op("split-trf-batch", width="in"),
    "slot": Op("slot"),  # the model a pretraining objective is given: its tok2vec
}


class Cost(NamedTuple):
    """What one layer costs in a forward pass, from its dims and settings (read by compiler/cost.py).

    FLOPs are those of the products with the layer's weights, 2 per multiply-add (a dense layer
    of nO outputs from nI inputs: 2·nO·nI per row); elementwise work (activations, normalization
    statistics, sums, the softmax's exponentials) is not counted. A lookup in an embedding table
    is memory traffic, counted as the floats it gathers, not as FLOPs."""

    flops: Any = 0  # per row of its input
    gathered: Any = 0  # floats read from a table, per row of its input
    out: Any = None  # numbers per output row, where not its width (the parser's precomputed features)
    scratch: Any = 0  # numbers per row it holds while it runs (maxout's pieces before the max)
    per: str | None = None  # what its input row is, where not what flows in ("n-grams")
    rows: str | None = None  # what its output row is, where not the static interpreter's
    ints: bool = False  # its output holds integer ids (8 bytes each) rather than float32
    row_bytes: Any = None  # bytes per output row, where neither 4 nor 8 per number
    alias: bool = False  # its output is its input or a view of it (no new memory at inference)
    per_state: Any = 0  # floats gathered per parse state (the parser's lower layer)
    child_rows: tuple = ()  # what each child's input row is, where it changes (the parser's upper)
    opaque: str = ""  # its cost is not known from the config: where it comes from


def _lstm_flops(d: dict) -> Any:
    """A bidirectional LSTM: per layer and direction, 4 gates of h = nO/2 from the input and h."""
    h, total, width = d["nO"] // 2, 0, d["nI"]
    for _ in range(d["depth"]):
        total = total + 2 * 2 * 4 * h * (width + h)
        width = d["nO"]
    return total


def _dense_cost(d: dict) -> Cost:
    return Cost(flops=2 * d["nO"] * d["nI"])


# Each op's cost rule: a function of its dims and settings ({**settings, **dims}, INFER filled in).
# An op without a rule costs nothing of its own (a combinator: what its children cost, how the
# flow joins them is compiler/cost.py's).
COSTS: dict[str, Callable[[dict[str, Any]], Cost]] = {
    "add": lambda d: Cost(alias=True),  # sums into its first branch's output
    "tuplify": lambda d: Cost(alias=True),
    "para-attn": lambda d: Cost(flops=2 * d["nO"]),  # a dot product with Q per row, then weighting
    "parser_model": lambda d: Cost(child_rows=(None, None, "states")),  # its upper layer scores states
    "maxout": lambda d: Cost(flops=2 * d["nO"] * d["nP"] * d["nI"], scratch=d["nO"] * d["nP"]),
    "layernorm": lambda d: Cost(flops=2 * d["nI"]),  # the gain and bias
    "dropout": lambda d: Cost(alias=True),
    "hashembed": lambda d: Cost(gathered=4 * d["nO"]),  # Thinc sums 4 hashed rows per id
    "ints-getitem": lambda d: Cost(out=1, ints=True, alias=True),
    "mish": _dense_cost,
    "gelu": _dense_cost,
    "linear": _dense_cost,
    "softmax": _dense_cost,
    "multisoftmax": _dense_cost,
    # per n-gram of the doc: one hashed weight per class
    "sparse_linear": lambda d: Cost(flops=2 * d["nO"], gathered=d["nO"], per="n-grams", rows="docs"),
    "sparse_linear_v2": lambda d: Cost(flops=2 * d["nO"], gathered=d["nO"], per="n-grams", rows="docs"),
    "ragged2list": lambda d: Cost(alias=True),
    "noop": lambda d: Cost(alias=True),
    "pytorch_lstm": lambda d: Cost(flops=_lstm_flops(d)),
    "extract_features": lambda d: Cost(out=len(d["columns"]), ints=True),
    # a doc's distinct n-grams: a uint64 key and a float32 count each
    "extract_ngrams": lambda d: Cost(out=2, rows="n-grams", row_bytes=12),
    "static_vectors": lambda d: Cost(flops=2 * d["nO"] * d["nM"], gathered=d["nM"], scratch=d["nM"]),
    "charembed": lambda d: Cost(gathered=d["nC"] * d["nM"]),
    # every token's contribution to each of the nF feature slots, computed once per token; a
    # parse state then sums the nF rows of its features and takes the max of the nP pieces
    "precomputable_affine": lambda d: Cost(flops=2 * d["nF"] * d["nO"] * d["nP"] * d["nI"],
                                           out=d["nF"] * d["nO"] * d["nP"], per_state=d["nF"] * d["nO"] * d["nP"]),
    "span_maker": lambda d: Cost(out=2, rows="entities", row_bytes=8),  # (start, end) as int32
    # a row per token of each span (a token in several spans is copied into each)
    "extract_spans": lambda d: Cost(rows=f"{d.get('rows', 'spans')[:-1].replace('entitie', 'entity')} tokens"),
    "transformer": lambda d: Cost(opaque="from the Hugging Face model"),
    "slot": lambda d: Cost(opaque="of the tok2vec it pretrains"),
}


class Unexpandable(Exception):
    """A block without an expression, or whose arguments its expression cannot take: its layers
    are unknown. `path` (below the model) and `block` name the innermost such block, `cause` the
    error its expression raised, if any."""

    def __init__(self, message: str, path: tuple[str, ...] = (), block: Any = None,
                 cause: Exception | None = None) -> None:
        super().__init__(message)
        self.path, self.block, self.cause = path, block, cause


class Args:
    """What a card's expression reads: the block's values (`args["width"]`), its sub-blocks as
    expressions (`args.sub("tok2vec")`), sizes known only from data (`args.size("n_labels")`),
    and the component a listener listens to."""

    def __init__(self, block: dict[str, Any], expander: Any, path: tuple[str, ...]) -> None:
        self.block, self.expander, self.path = block, expander, path

    def __getitem__(self, key: str) -> Any:
        return self.block[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.block.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.block

    def sub(self, key: str) -> Node:
        return self.expander.expression(self.block[key], self.path + (key,))

    def subs(self) -> list[Node]:
        """The `*` blocks of a chain or concatenate, in order."""
        parts = self.block.get("*")
        if not isinstance(parts, dict) or not parts:
            raise Unexpandable("no `*` blocks", self.path, self.block)
        return [self.expander.expression(part, self.path + ("*", str(key))) for key, part in parts.items()]

    def symbol(self, name: str) -> Dim:
        value = self.expander.labels.get(name)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else Count.symbol(name)

    def size(self, name: str, key: str = "nO") -> Dim:
        """An output size: the block's own `key` when it is a number, else the size `name`."""
        value = self.block.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self.symbol(name)

    def upstream(self, kind: str) -> Any:
        """The component this listener listens to, and its expansion."""
        return self.expander.upstream(self.path, self.block.get("upstream", "*"), kind)

    def width_of(self, sub: Node) -> Any:
        """The output width of a sub-block's expression (where the card must pass it on)."""
        return self.expander.width_of(sub)


def node(op: str, *children: Node, dims: dict[str, Any] | None = None, **settings: Any) -> Node:
    if op not in OPS:
        raise KeyError(f"{op!r} is not a word of the layer-expression language")
    return Node(op, dict(dims or {}), tuple(children), settings)


# -- combinators ----------------------------------------------------------------------------------

def chain(*layers: Node) -> Node:
    return node("chain", *layers)


def pipe(*layers: Node) -> Node:
    """`a >> b >> c` as spaCy writes it with Thinc's operator: chains nested pairwise."""
    model = layers[0]
    for layer in layers[1:]:
        model = chain(model, layer)
    return model


def concatenate(*layers: Node) -> Node:
    """Thinc's concatenate: of one layer, that layer itself."""
    return layers[0] if len(layers) == 1 else node("concatenate", *layers)


def bar(*layers: Node) -> Node:
    """`a | b | c` as spaCy writes it with Thinc's operator: one concatenation (Thinc's
    concatenate extends its first argument in place) that keeps the first pair's name, "a|b"."""
    return node("concatenate", *layers, operator=True)


def add(*layers: Node) -> Node:
    return node("add", *layers)


def residual(layer: Node) -> Node:
    return node("residual", layer)


def clone(layer: Node, times: int) -> Node:
    """`times` copies of `layer` in a chain (Thinc: one copy is the layer itself, none a noop)."""
    if times == 0:
        return noop()
    return layer if times == 1 else node("clone", layer, times=times)


def with_array(layer: Node, pad: int = 0) -> Node:
    return node("with_array", layer, pad=pad)


def with_padded(layer: Node) -> Node:
    return node("with_padded", layer)


def with_getitem(index: int, layer: Node) -> Node:
    return node("with_getitem", layer, index=index)


def with_cpu(layer: Node) -> Node:
    return node("with_cpu", layer)


def resizable(layer: Node, fill: dict[str, float]) -> Node:
    return node("resizable", layer, fill=fill)


def uniqued(layer: Node, column: int) -> Node:
    return node("uniqued", layer, column=column)


def tuplify(*layers: Node) -> Node:
    return node("tuplify", *layers)


# -- Thinc's layers, composed as Thinc composes them ------------------------------------------------

def _finished(model: Node, n_out: Any, normalize: bool, dropout: float | None) -> Node:
    if normalize:
        model = chain(model, layer_norm(n_out))
    if dropout is not None:
        model = chain(model, Dropout(dropout))
    return model


def Maxout(nO: Any = INFER, nI: Any = INFER, nP: int = 3, *, normalize: bool = False,
           dropout: float | None = None) -> Node:
    return _finished(node("maxout", dims={"nO": nO, "nI": nI, "nP": nP}), nO, normalize, dropout)


def Mish(nO: Any = INFER, nI: Any = INFER, *, normalize: bool = False, dropout: float | None = None) -> Node:
    return _finished(node("mish", dims={"nO": nO, "nI": nI}), nO, normalize, dropout)


def Gelu(nO: Any = INFER, nI: Any = INFER) -> Node:
    return node("gelu", dims={"nO": nO, "nI": nI})


def layer_norm(nI: Any = INFER) -> Node:
    return node("layernorm", dims={"nI": nI, "nO": nI})


def Dropout(rate: float = 0.0) -> Node:
    return node("dropout", rate=rate)


def HashEmbed(nO: Any, nV: int, *, seed: int, column: int | None = None, dropout: float | None = None) -> Node:
    table = node("hashembed", dims={"nO": nO, "nV": nV}, seed=seed, dropout=dropout)
    return table if column is None else chain(node("ints-getitem", column=column), table)


def Linear(nO: Any = INFER, nI: Any = INFER, *, init_W: str = "glorot_uniform") -> Node:
    return node("linear", dims={"nO": nO, "nI": nI}, init_W=init_W)


def Softmax(nO: Any = INFER, nI: Any = INFER, *, init_W: str = "zero", v2: bool = False,
            normalize_outputs: bool = True) -> Node:
    return node("softmax", dims={"nO": nO, "nI": nI}, init_W=init_W, v2=v2, normalize_outputs=normalize_outputs)


def MultiSoftmax(sizes: list[int], nI: Any = INFER) -> Node:
    return node("multisoftmax", dims={"nO": sum(sizes), "nI": nI}, sizes=list(sizes))


def SparseLinear(nO: Any, length: int, v2: bool = False) -> Node:
    return node("sparse_linear_v2" if v2 else "sparse_linear", dims={"nO": nO, "length": length})


def Logistic() -> Node:
    return node("logistic")


def softmax_activation() -> Node:
    return node("softmax_activation")


def ParametricAttention(nO: Any = INFER, key_transform: Node | None = None) -> Node:
    children = (key_transform,) if key_transform is not None else ()
    return node("para-attn", *children, dims={"nO": nO}, v2=key_transform is not None)


def expand_window(window_size: int) -> Node:
    return node("expand_window", window_size=window_size)


def list2ragged() -> Node:
    return node("list2ragged")


def ragged2list() -> Node:
    return node("ragged2list")


def list2array() -> Node:
    return node("list2array")


def noop() -> Node:
    return node("noop")


def reduce(kind: str) -> Node:
    return node(f"reduce_{kind}")


def PyTorchLSTM(nO: int, nI: int, *, depth: int, dropout: float, params: Dim) -> Node:
    """Thinc's bidirectional LSTM: PyTorch's, inside with_padded; its weights live in PyTorch."""
    return with_padded(node("pytorch_lstm", dims={"nO": nO, "nI": nI, "params": params}, depth=depth,
                            dropout=dropout))


# -- spaCy's own layers ------------------------------------------------------------------------------

def extract_features(columns: list[str]) -> Node:
    return node("extract_features", columns=list(columns))


def extract_ngrams(ngram_size: int, attr: str = "ORTH") -> Node:
    return node("extract_ngrams", ngram_size=ngram_size, attr=attr)


def static_vectors(nO: Any, nM: Any, dropout: float | None = None) -> Node:
    return node("static_vectors", dims={"nO": nO, "nM": nM}, dropout=dropout)


def charembed(nM: int, nC: int) -> Node:
    return node("charembed", dims={"nM": nM, "nC": nC, "nO": nM * nC, "nV": 256})


def precomputable_affine(nO: Any, nI: Any, nF: int, nP: int) -> Node:
    return node("precomputable_affine", dims={"nO": nO, "nI": nI, "nF": nF, "nP": nP})


def parser_model(tok2vec: Node, lower: Node, upper: Node | None) -> Node:
    """spaCy's TransitionModel: without an upper layer, a noop stands in its place."""
    return node("parser_model", tok2vec, lower, upper if upper is not None else noop(), has_upper=upper is not None)


def extract_spans(rows: str = "spans") -> Node:
    return node("extract_spans", rows=rows)


def span_maker() -> Node:
    return node("span_maker")


def flattener() -> Node:
    return node("Flattener")


def listener(op: str, width: Any, upstream: str, sees: Any) -> Node:
    """A proxy for another component's output (`sees`: what that component's vectors see)."""
    return node(op, dims={"nO": width}, upstream=upstream, sees=sees)


def slot(width: Any, sees: Any) -> Node:
    """The model an objective is applied to (pretraining's tok2vec), filled in when it is built."""
    return node("slot", dims={"nO": width}, sees=sees)


class Refused(ValueError):
    """Arguments the architecture cannot be built with, though the checker lets them through."""

    def __init__(self, message: str, key: str, hint: str) -> None:
        super().__init__(message)
        self.key, self.hint = key, hint


def masked_language_model(wrapped: Node) -> Node:
    return node("masked-language-model", wrapped)


# -- what spaCy sets on a model after composing it --------------------------------------------------

def with_dims(model: Node, **dims: Any) -> Node:
    """`model` with dims set on it (spaCy sets a chain's `nO` by hand)."""
    return Node(model.op, {**model.dims, **dims}, model.children, model.settings, model.block, model.architecture)


def with_refs(model: Node, **refs: Node) -> Node:
    """`model` with named references to nodes inside it (spaCy's `model.get_ref("tok2vec")`)."""
    settings = {**model.settings, "refs": {**model.settings.get("refs", {}), **refs}}
    return Node(model.op, model.dims, model.children, settings, model.block, model.architecture)


def with_attrs(model: Node, **attrs: Any) -> Node:
    settings = {**model.settings, "attrs": {**model.settings.get("attrs", {}), **attrs}}
    return Node(model.op, model.dims, model.children, settings, model.block, model.architecture)
