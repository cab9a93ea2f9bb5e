"""The Thinc interpreter of layer expressions: a config block's expression (its card's, through
expand.py) built into the Thinc model spaCy would build.

Each leaf is Thinc's own constructor, called without its convenience wrapping (the expression
already spells out `Maxout(..., normalize=True)` as the chain of maxout and layernorm Thinc makes),
or the layer spaCy defines itself (_layers.py, transformers.py); each combinator is Thinc's. After
a node is built, what spaCy sets on a composed model is set on it: int dims (`nO` of a chain),
refs, attrs, and, once the whole tree stands, the dims spaCy sets late (`late_dims`).

A size nobody gave (a label count left null) is assumed (`ASSUMED`) and reported by the caller.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from thinc.api import (
    Dropout,
    Gelu,
    HashEmbed,
    LayerNorm,
    Linear,
    Logistic,
    Maxout,
    Mish,
    Model,
    MultiSoftmax,
    ParametricAttention,
    ParametricAttention_v2,
    Softmax,
    Softmax_v2,
    SparseLinear,
    SparseLinear_v2,
    add,
    chain,
    clone,
    concatenate,
    expand_window,
    glorot_uniform_init,
    list2array,
    list2ragged,
    noop,
    ragged2list,
    reduce_first,
    reduce_last,
    reduce_max,
    reduce_mean,
    reduce_sum,
    residual,
    resizable,
    softmax_activation,
    tuplify,
    uniqued,
    with_array,
    with_cpu,
    with_getitem,
    with_list,
    with_padded,
    zero_init,
)
from thinc.layers.array_getitem import ints_getitem
from thinc.layers.resizable import resize_linear_weighted

from ...diagnostics import Diagnostic
from ..dims import Count
from ..doc import ATTRIBUTES
from ..expand import Expander, Unexpandable, _name
from ..expr import INFER, OPS, Node, Refused
from . import _layers, optional, transformers
from ._context import ASSUMED, Context, Unbuildable, require

INITIALIZERS = {"zero": zero_init, "glorot_uniform": glorot_uniform_init}


# -- blocks to expressions ---------------------------------------------------------------------------

def expression(block: Any, sizes: dict[str, int], where: str = "") -> tuple[Node, dict[str, int]]:
    """The block's expression with `sizes` given, and the sizes it had to assume (a label count
    nobody gave). Raises Unbuildable."""
    try:
        root = Expander(dict(sizes)).expression(block)
        missing = sorted({s for node in _walk(root) for d in node.dims.values() for s in _symbols(d)} - set(sizes))
        assumed = {s: ASSUMED[s] for s in missing if s in ASSUMED}
        if assumed:
            root = Expander({**sizes, **assumed}).expression(block)
    except Unexpandable as e:
        raise Unbuildable(_diagnostic(e, where)) from None
    empty = next(((node, dim) for node in _walk(root) for dim, value in node.dims.items() if _is_zero(value)), None)
    if empty is not None:  # Thinc builds the layer, then fails on its first batch (numpy: zero-size array)
        node, dim = empty
        raise Unbuildable(Diagnostic(
            "AW505", f"the {node.op} layer would have {dim} = 0, and Thinc cannot run a layer of no width",
            config_path=where, hint="give each label count at least 1 (--labels NAME=N): spaCy refuses a "
                                    "component without labels (E143)"))
    return root, assumed


def _is_zero(dim: Any) -> bool:
    if isinstance(dim, Count):
        return dim.exact and dim.constant == 0
    return type(dim) is int and dim == 0


def expressible(block: Any) -> bool:
    """Whether every model block in `block` has an expression that its arguments build."""
    try:
        Expander().expression(block)
    except Unexpandable:
        return False
    return True


def _diagnostic(failure: Unexpandable, where: str) -> Diagnostic:
    path = _join(where, failure.path)
    cause, name = failure.cause, _name(failure.block)
    if isinstance(cause, Refused):
        return Diagnostic("AW505", str(cause), config_path=_join(path, (cause.key,)), hint=cause.hint)
    if isinstance(cause, KeyError):
        return Diagnostic("AW308", f"{name} needs the argument {cause.args[0]!r}", config_path=path,
                          hint=f"give {cause.args[0]} (archwright explain {name} lists the arguments)")
    if cause is None and str(failure).startswith("no layer expression"):
        return Diagnostic("AW505", f"archwright has no builder for {name!r}", config_path=path,
                          hint="build the architectures of the spec; a function you registered yourself has a card "
                               "for checking but no Thinc builder")
    return Diagnostic("AW505", f"{name} cannot be built with these arguments: {failure}", config_path=path,
                      hint="check the block's values against `archwright explain " + name + "`")


def _join(where: str, path: tuple[str, ...]) -> str:
    return ".".join(([where] if where else []) + list(path))


def _walk(root: Node):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _symbols(dim: Any) -> set[str]:
    if isinstance(dim, Count):
        return {s for monomial, _ in dim.terms for s in monomial}
    return set()


# -- expressions to models ---------------------------------------------------------------------------

class Interpreter:
    """Builds one expression. `slot` is the model a pretraining objective is given (its tok2vec)."""

    def __init__(self, ctx: Context, slot: Model | None = None) -> None:
        self.ctx, self.slot = ctx, slot
        self.base = ctx.path  # the config path of the block the expression comes from
        self.built: dict[int, Model] = {}  # id(node) -> its model, for refs
        self.late: list[tuple[Model, str, int]] = []
        self.pending: list[tuple[Model, str, Node]] = []  # refs to nodes not built yet

    def model(self, root: Node) -> Model:
        base = self.ctx.path
        try:
            model = self._build(root, base, root.architecture)
        finally:
            self.ctx.path = base
        for layer, name, value in self.late:
            layer.set_dim(name, value)
        for model_, name, target in self.pending:
            model_.set_ref(name, self.built[id(target)])
        return model

    def _build(self, node: Node, path: str, architecture: str) -> Model:
        if node.block is not None:
            path, architecture = _join(self.base, node.block), node.architecture or architecture
        self.ctx.path = path
        children = [self._build(child, path, architecture) for child in node.children]
        self.ctx.path = path
        late = tuple(node.settings.get("late_dims", ()))
        if node.op == "static_vectors" and node.block is None:  # inside another architecture
            architecture = "spacy.StaticVectors"  # (what reads the vectors, for the diagnostics)
        dims = {name: self._dim(value, architecture) for name, value in node.dims.items()}
        build = LAYERS.get(node.op)
        if build is None:
            raise Unbuildable(Diagnostic("AW505", f"archwright cannot build the layer {node.op!r} in Thinc",
                                         config_path=path, hint="report it: the expression names a layer the "
                                         "Thinc interpreter does not know"))
        model = build(self, node, {k: (None if k in late else v) for k, v in dims.items()}, children, architecture)
        if OPS[node.op].flow != "leaf":  # what spaCy sets on a composed model (`nO` of a chain)
            for name, value in dims.items():
                if isinstance(value, int) and name not in late and model.maybe_get_dim(name) != value:
                    model.set_dim(name, value)
        self.late += [(model, name, dims[name]) for name in late if isinstance(dims.get(name), int)]
        self.built.setdefault(id(node), model)
        for name, target in node.settings.get("refs", {}).items():
            if id(target) in self.built:
                model.set_ref(name, self.built[id(target)])
            else:
                self.pending.append((model, name, target))
        model.attrs.update(node.settings.get("attrs", {}))
        return model

    def _dim(self, value: Any, architecture: str) -> int | None:
        """A dim for Thinc: a number, or None for Thinc to infer (INFER, a size still unknown)."""
        if value is None or value is INFER:
            return None
        if isinstance(value, Count):
            if value.exact:
                return value.constant
            if "vectors_width" in _symbols(value):  # the width of vectors nobody gave
                self.ctx.need_vectors(architecture)
            return None
        return int(value)


def build(block: Any, ctx: Context, slot: Model | None = None, objectives: bool = False) -> Any:
    """The model of a block, its assumed sizes recorded in `ctx.assumed`, its listeners in
    `ctx.listeners`. With `objectives`, a pretraining objective's block gives its function of
    the tok2vec it pretrains (`objective`); the block is expanded once either way."""
    root, assumed = expression(block, _sizes(ctx), ctx.path)
    if objectives and any(node.op == "slot" for node in _walk(root)):
        return objective(block, ctx, root)
    ctx.assumed.update(assumed)
    return build_expression(root, ctx, slot)


def _sizes(ctx: Context) -> dict[str, int]:
    sizes = dict(ctx.sizes)
    if ctx.vectors is not None:
        sizes.setdefault("vectors_width", ctx.vectors.width)
    return sizes


def build_expression(root: Node, ctx: Context, slot: Model | None = None) -> Model:
    return Interpreter(ctx, slot).model(root)


def objective(block: Any, ctx: Context, root: Node) -> Callable[[Model], Model]:
    """A pretraining objective: a function of the tok2vec it pretrains, built with its width
    (`root`: the block's expression with the context's sizes, that width still unknown). What
    it needs besides (vectors) is asked for now, not when it is applied."""
    sizes = _sizes(ctx)
    if any(s == "vectors_width" for node in _walk(root) for d in node.dims.values() for s in _symbols(d)):
        ctx.need_vectors(root.architecture)

    def apply(tok2vec: Model) -> Model:
        given = dict(sizes, tok2vec_width=tok2vec.get_dim("nO"))
        return build_expression(expression(block, given, ctx.path)[0], ctx, slot=tok2vec)

    return apply


# -- the layers ----------------------------------------------------------------------------------------

Builder = Callable[[Interpreter, Node, dict, list, str], Model]


def _leaf(make: Callable[[Node, dict], Model]) -> Builder:
    return lambda interp, node, dims, children, architecture: make(node, dims)


def _combinator(make: Callable[[Node, list], Model]) -> Builder:
    return lambda interp, node, dims, children, architecture: make(node, children)


def _chain(node: Node, children: list) -> Model:
    return chain(*children) if len(children) > 1 else children[0]


def _concatenate(node: Node, children: list) -> Model:
    if not node.settings.get("operator"):
        return concatenate(*children)
    model = children[0]
    for child in children[1:]:  # `a | b | c`: each `|` extends the first concatenation
        model = concatenate(model, child)
    return model


def _softmax(node: Node, dims: dict) -> Model:
    s = node.settings
    init_W = INITIALIZERS[s.get("init_W", "zero")]
    if s.get("v2"):
        return Softmax_v2(dims["nO"], dims["nI"], init_W=init_W, normalize_outputs=s.get("normalize_outputs", True))
    return Softmax(dims["nO"], dims["nI"], init_W=init_W)


def _attention(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    if node.settings.get("v2") or children:
        return ParametricAttention_v2(key_transform=children[0] if children else None, nO=dims.get("nO"))
    return ParametricAttention(dims.get("nO"))


def _features(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    columns = [str(c) for c in node.settings["columns"]]
    unknown = [name for name in columns if name not in ATTRIBUTES]
    if unknown:
        raise Unbuildable(Diagnostic(
            "AW505", f"archwright's Doc does not compute the token attribute {unknown[0]!r}",
            config_path=interp.ctx.path, hint=f"use one of {', '.join(ATTRIBUTES)}"))
    return _layers.extract_features(columns)


def _static_vectors(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    model = _layers.static_vectors(dims.get("nO"), interp.ctx.need_vectors(architecture))
    if node.settings.get("dropout"):
        model.attrs["dropout_rate"] = node.settings["dropout"]
    return model


def _lstm(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    """PyTorch's bidirectional LSTM in Thinc's wrapper: Thinc's PyTorchLSTM without the
    with_padded it puts around it (the expression has that)."""
    require("torch", architecture, "torch", interp.ctx)
    from thinc.api import PyTorchLSTM

    padded = PyTorchLSTM(dims["nO"], dims["nI"], bi=True, depth=node.settings["depth"],
                         dropout=node.settings["dropout"])
    return padded.layers[0]


def _listener(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    upstream = node.settings.get("upstream", "*")
    if node.op == "transformer-listener":
        model = transformers.transformer_listener(dims.get("nO"), upstream)
    else:
        model = _layers.tok2vec_listener(dims.get("nO"), upstream)
    interp.ctx.listeners.append(model)
    return model


def _transformer(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    """Opaque: the Hugging Face model its block names, loaded from a local directory."""
    return transformers.transformer_model(node.settings["config"], interp.ctx)


def _slot(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    if interp.slot is None:
        raise Unbuildable(Diagnostic("AW505", f"{architecture} is a function of the tok2vec it pretrains",
                                     config_path=interp.ctx.path, hint="build it with build_architecture(), "
                                     "which returns the function, and apply it to a tok2vec"))
    return interp.slot


def _parser_model(interp: Interpreter, node: Node, dims: dict, children: list, architecture: str) -> Model:
    # without an upper layer the expression holds spaCy's noop in its place
    return _layers.parser_model(children[0], children[1], children[2] if node.settings.get("has_upper", True) else None)


LAYERS: dict[str, Builder] = {
    # combinators
    "chain": _combinator(_chain),
    "concatenate": _combinator(lambda n, c: _concatenate(n, c)),
    "add": _combinator(lambda n, c: add(*c)),
    "residual": _combinator(lambda n, c: residual(c[0])),
    "clone": _combinator(lambda n, c: clone(c[0], n.settings["times"])),
    "tuplify": _combinator(lambda n, c: tuplify(*c)),
    "with_array": _combinator(lambda n, c: with_array(c[0], pad=n.settings.get("pad", 0))),
    "with_padded": _combinator(lambda n, c: with_padded(c[0])),
    "with_list": _combinator(lambda n, c: with_list(c[0])),
    "with_getitem": _combinator(lambda n, c: with_getitem(n.settings["index"], c[0])),
    "with_cpu": _combinator(lambda n, c: with_cpu(c[0], c[0].ops)),
    "resizable": _combinator(lambda n, c: resizable(
        c[0], resize_layer=partial(resize_linear_weighted, fill_defaults=dict(n.settings["fill"])))),
    "uniqued": _combinator(lambda n, c: uniqued(c[0], column=n.settings["column"])),
    "para-attn": _attention,
    "masked-language-model": _combinator(lambda n, c: optional.masked_language_model(c[0])),
    "parser_model": _parser_model,
    # Thinc's layers
    "maxout": _leaf(lambda n, d: Maxout(d["nO"], d["nI"], d["nP"])),
    "layernorm": _leaf(lambda n, d: LayerNorm(d["nI"])),
    "dropout": _leaf(lambda n, d: Dropout(n.settings.get("rate", 0.0))),
    "hashembed": _leaf(lambda n, d: HashEmbed(d["nO"], d["nV"], seed=n.settings["seed"], column=None,
                                              dropout=n.settings.get("dropout"))),
    "ints-getitem": _leaf(lambda n, d: ints_getitem((slice(0, None), n.settings["column"]))),
    "mish": _leaf(lambda n, d: Mish(d["nO"], d["nI"])),
    "gelu": _leaf(lambda n, d: Gelu(d["nO"], d["nI"])),
    "linear": _leaf(lambda n, d: Linear(d["nO"], d["nI"], init_W=INITIALIZERS[n.settings.get("init_W",
                                                                                            "glorot_uniform")])),
    "softmax": _leaf(_softmax),
    "multisoftmax": _leaf(lambda n, d: MultiSoftmax(list(n.settings["sizes"]), d["nI"])),
    "sparse_linear": _leaf(lambda n, d: SparseLinear(d["nO"], d["length"])),
    "sparse_linear_v2": _leaf(lambda n, d: SparseLinear_v2(d["nO"], d["length"])),
    "logistic": _leaf(lambda n, d: Logistic()),
    "softmax_activation": _leaf(lambda n, d: softmax_activation()),
    "expand_window": _leaf(lambda n, d: expand_window(window_size=n.settings["window_size"])),
    "list2ragged": _leaf(lambda n, d: list2ragged()),
    "ragged2list": _leaf(lambda n, d: ragged2list()),
    "list2array": _leaf(lambda n, d: list2array()),
    "noop": _leaf(lambda n, d: noop()),
    "reduce_mean": _leaf(lambda n, d: reduce_mean()),
    "reduce_sum": _leaf(lambda n, d: reduce_sum()),
    "reduce_max": _leaf(lambda n, d: reduce_max()),
    "reduce_first": _leaf(lambda n, d: reduce_first()),
    "reduce_last": _leaf(lambda n, d: reduce_last()),
    "pytorch_lstm": _lstm,
    # the layers spaCy defines itself
    "extract_features": _features,
    "extract_ngrams": _leaf(lambda n, d: _layers.extract_ngrams(n.settings["ngram_size"], attr=n.settings["attr"])),
    "static_vectors": _static_vectors,
    "charembed": _leaf(lambda n, d: _layers.charembed(d["nM"], d["nC"])),
    "precomputable_affine": _leaf(lambda n, d: _layers.precomputable_affine(d["nO"], d["nI"], d["nF"], d["nP"])),
    "extract_spans": _leaf(lambda n, d: _layers.extract_spans()),
    "span_maker": _leaf(lambda n, d: _layers.span_maker()),
    "Flattener": _leaf(lambda n, d: _layers.flattener()),
    "tok2vec-listener": _listener,
    "transformer": _transformer,
    "transformer-listener": _listener,
    "trfs2arrays": _combinator(lambda n, c: transformers.trfs2arrays(c[0], float(n.settings.get("grad_factor", 1.0)))),
    "split-trf-batch": _leaf(lambda n, d: transformers.split_trf_batch()),
    "slot": _slot,
}
