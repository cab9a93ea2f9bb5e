"""Blocks expanded into the Thinc layers spaCy builds for them, with dims and exact parameter counts.

Groundwork of IR-4 (the layer graph): the tok2vec family and the tagger so far. A width that
depends on data (a label count left `null`) stays symbolic, and counts that depend on it are
linear formulas in that symbol (`97·n_labels`).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Union

from .registry import registry_keys


class Affine(NamedTuple):
    """A dim that is `factor·symbol + constant`: SparseLinear's flat `W` of `nO·length`, or an
    input made of a fixed width and the label count."""

    symbol: str
    factor: int = 1
    constant: int = 0


# a number, a symbol such as "n_labels", an affine function of one, or (a sum of symbols, as
# `hidden_width + n_labels`) a Count
Dim = Union[int, str, Affine, "Count"]
Monomial = tuple[str, ...]  # symbols multiplied together, sorted: () is the constant term


def _polynomial(dim: Dim) -> dict[Monomial, int]:
    if isinstance(dim, int):
        return {(): dim}
    if isinstance(dim, str):
        return {(dim,): 1}
    if isinstance(dim, Affine):
        return {(dim.symbol,): dim.factor, (): dim.constant}
    return {(): dim.constant, **dict(dim.terms)}


def linear_dim(coefficients: dict[Monomial, int]) -> Dim:
    """A dim from its polynomial, in the simplest form: a number, a symbol, affine, or a Count."""
    count = Count.of(coefficients)
    if count.exact:
        return count.constant
    if len(count.terms) == 1 and len(count.terms[0][0]) == 1:
        (symbol,), factor = count.terms[0]
        return symbol if factor == 1 and count.constant == 0 else Affine(symbol, factor, count.constant)
    return count


def _sum(*dims: Dim) -> Dim:
    total: dict[Monomial, int] = {}
    for dim in dims:
        for monomial, coefficient in _polynomial(dim).items():
            total[monomial] = total.get(monomial, 0) + coefficient
    return linear_dim(total)


def _scaled(dim: Dim, factor: int) -> Dim:
    return linear_dim({m: c * factor for m, c in _polynomial(dim).items()})


def _multiply(a: dict[Monomial, int], b: dict[Monomial, int]) -> dict[Monomial, int]:
    out: dict[Monomial, int] = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            m = tuple(sorted(ma + mb))
            out[m] = out.get(m, 0) + ca * cb
    return out


class Count(NamedTuple):
    """`constant + Σ coefficient·monomial`: a parameter count, exact once the symbols are known
    (`97·n_labels`; `64·n_labels + n_labels²` for a layer whose input includes the labels)."""

    constant: int
    terms: tuple[tuple[Monomial, int], ...] = ()  # sorted, no zero coefficients

    @classmethod
    def of(cls, polynomial: dict[Monomial, int]) -> "Count":
        return cls(polynomial.get((), 0), tuple(sorted((m, c) for m, c in polynomial.items() if m and c)))

    @property
    def exact(self) -> bool:
        return not self.terms

    def __add__(self, other: "Count") -> "Count":  # type: ignore[override]
        polynomial = dict(self.terms)
        polynomial[()] = self.constant + other.constant
        for monomial, coefficient in other.terms:
            polynomial[monomial] = polynomial.get(monomial, 0) + coefficient
        return Count.of(polynomial)

    def given(self, values: dict[str, int]) -> "Count":
        polynomial: dict[Monomial, int] = {(): self.constant}
        for monomial, coefficient in self.terms:
            rest = tuple(s for s in monomial if s not in values)
            for symbol in monomial:
                coefficient *= values.get(symbol, 1)
            polynomial[rest] = polynomial.get(rest, 0) + coefficient
        return Count.of(polynomial)

    def qualified(self, owner: str) -> "Count":
        """The same count with its symbols named after their owner (`n_labels(tagger)`)."""
        return Count(self.constant, tuple((tuple(s if "(" in s else f"{s}({owner})" for s in m), c)
                                          for m, c in self.terms))

    def __str__(self) -> str:
        parts = [f"{self.constant:,}"] if self.constant or not self.terms else []
        for monomial, coefficient in self.terms:
            names = "·".join(s + ("²" if monomial.count(s) == 2 else "") for s in dict.fromkeys(monomial))
            parts.append(names if coefficient == 1 else f"{coefficient:,}·{names}")
        return " + ".join(parts)


def dim_value(dim: Dim) -> int | str:
    """A dim as a number, a symbol, or its formula (`2·n_labels`, `hidden_width + n_labels`)."""
    return dim if isinstance(dim, (int, str)) else str(Count.of(_polynomial(dim)))


def _product(shape: tuple[Dim, ...]) -> Count:
    polynomial: dict[Monomial, int] = {(): 1}
    for dim in shape:
        polynomial = _multiply(polynomial, _polynomial(dim))
    return Count.of(polynomial)


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


class Layer(NamedTuple):
    name: str
    dims: dict[str, Dim]
    params: dict[str, tuple[Dim, ...]] = {}
    children: tuple["Layer", ...] = ()
    field: Field | None = None  # what one output row sees, where the expansion records it
    rows: str = "tokens"  # what an output row stands for: a token, or a doc or span once pooled

    @property
    def own_count(self) -> Count:
        total = Count(0)
        for shape in self.params.values():
            total = total + _product(shape)
        return total

    @property
    def count(self) -> Count:
        total = self.own_count
        for child in self.children:
            total = total + child.count
        return total

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class Expansion(NamedTuple):
    layer: Layer
    width: Dim  # width of the output vectors
    receptive_field: Field


Expand = Callable[[dict[str, Any], "Expander"], Expansion]


class Expander:
    """Expands blocks (resolved dicts) through the expansion of each function."""

    def __init__(self, labels: dict[str, int] | None = None, upstream_field: Field | None = None,
                 upstreams: dict[str, tuple[str, "Expansion"]] | None = None) -> None:
        self.labels = labels or {}
        self.upstream_field = upstream_field  # what a listener's upstream component sees, if known
        self.upstreams = upstreams or {}  # name -> (factory, expansion) of tok2vec and transformer components
        self.expanded: dict[int, Expansion] = {}  # id(block) -> its expansion, for the block graph

    def symbol(self, name: str) -> Dim:
        """A data-dependent size: its value when given, else the symbol itself."""
        return self.labels.get(name, name)

    def upstream(self, wanted: str, kind: str) -> "tuple[str, Expansion] | None":
        """A listener's upstream, (name, expansion): the component named `wanted`, or with "*"
        the first one of `kind` ("tok2vec" or "transformer")."""
        if wanted in self.upstreams:
            return wanted, self.upstreams[wanted][1]
        found = (name for name, (factory, _) in self.upstreams.items() if factory == kind)
        name = next(found, None) if wanted == "*" else None
        return (name, self.upstreams[name][1]) if name is not None else None

    def block(self, block: dict[str, Any]) -> Expansion | None:
        keys = registry_keys(block)
        name = block[keys[0]] if keys else None
        rule = EXPANSIONS.get(name)
        if rule is None:  # a --code function whose body is a known composition: what it builds
            from .code_reader import concrete

            inner = concrete(block)
            return self.block(inner) if inner is not None else None
        expansion = rule(block, self)
        if expansion is not None:
            self.expanded[id(block)] = expansion
        return expansion


def filled(block: dict, default: Any) -> dict:
    """`block` with what spaCy's auto-fill takes from a default config: the default's missing
    keys, when both name the same registered function (recursively for sub-blocks)."""
    if not isinstance(default, dict):
        return block
    keys = registry_keys(block)
    if keys and default.get(keys[0]) != block[keys[0]]:
        return block
    merged = dict(block)
    for key, value in default.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], dict):
            merged[key] = filled(merged[key], value)
    return merged


def _maxout(n_out: Dim, n_in: Dim, pieces: int) -> Layer:
    return Layer("maxout", {"nO": n_out, "nI": n_in, "nP": pieces},
                 {"W": (n_out, pieces, n_in), "b": (n_out, pieces)})


def _layernorm(width: Dim) -> Layer:
    return Layer("layernorm", {"nI": width, "nO": width}, {"G": (width,), "b": (width,)})


def _multi_hash_embed(width: int, rows: list[int], expander: Expander, static_vectors: bool) -> Expansion:
    """A hash table per attribute (and the static vectors, projected to `width`), concatenated
    and mixed down to `width` by a normalized maxout layer."""
    tables = tuple(Layer("hashembed", {"nO": width, "nV": n}, {"E": (n, width)}, field=0) for n in rows)
    if static_vectors:  # the vectors' width is only known from the vectors table
        vectors_width = expander.symbol("vectors_width")
        tables += (Layer("static_vectors", {"nM": vectors_width, "nO": width}, {"W": (width, vectors_width)}),)
    mix = (_maxout(width, width * len(tables), 3), _layernorm(width))
    return Expansion(Layer("multihashembed", {"nO": width}, children=tables + mix, field=0), width, 0)


def multi_hash_embed(block: dict, expander: Expander) -> Expansion:
    return _multi_hash_embed(block["width"], list(block["rows"]), expander, bool(block["include_static_vectors"]))


def character_embed(block: dict, expander: Expander) -> Expansion:
    """`nC` UTF-8 bytes of each word embedded (`nM` wide each, 256 rows per position) beside a
    hash embedding of one attribute, mixed to `width` by a normalized maxout layer."""
    width, n_m, n_c = block["width"], block["nM"], block["nC"]
    layers = (Layer("charembed", {"nM": n_m, "nC": n_c, "nV": 256}, {"E": (n_c, 256, n_m)}),
              Layer("hashembed", {"nO": width, "nV": block["rows"]}, {"E": (block["rows"], width)}))
    mixed_in = n_m * n_c + width
    if block.get("include_static_vectors"):
        vectors_width = expander.symbol("vectors_width")
        layers += (Layer("static_vectors", {"nM": vectors_width, "nO": width}, {"W": (width, vectors_width)}),)
        mixed_in += width
    layers += (_maxout(width, mixed_in, 3), _layernorm(width))
    return Expansion(Layer("character_embed", {"nO": width}, children=layers, field=0), width, 0)


def _window_encoder(width: int, window: int, depth: int, activation: Callable[[int, int], tuple[Layer, ...]],
                    name: str) -> Expansion:
    # each block widens the view by `window` tokens a side (its input sees 0: one token's embedding)
    blocks = tuple(Layer("residual", {"nO": width}, children=(
        Layer("expand_window", {"window_size": window}),) + activation(width, width * (2 * window + 1)),
        field=window * (i + 1)) for i in range(depth))
    return Expansion(Layer(name, {"nO": width}, children=blocks, field=window * depth), width, window * depth)


def maxout_window_encoder(block: dict, _: Expander) -> Expansion:
    pieces = block["maxout_pieces"]
    return _window_encoder(block["width"], block["window_size"], block["depth"],
                           lambda n_out, n_in: (_maxout(n_out, n_in, pieces), _layernorm(n_out)),
                           "maxout_window_encoder")


def mish_window_encoder(block: dict, _: Expander) -> Expansion:
    return _window_encoder(block["width"], block["window_size"], block["depth"],
                           lambda n_out, n_in: (Layer("mish", {"nO": n_out, "nI": n_in},
                                                      {"W": (n_out, n_in), "b": (n_out,)}), _layernorm(n_out)),
                           "mish_window_encoder")


def tok2vec(block: dict, expander: Expander) -> Expansion | None:
    embed, encode = expander.block(block["embed"]), expander.block(block["encode"])
    if embed is None or encode is None:
        return None
    field = _widened(embed.receptive_field, encode.receptive_field)
    return Expansion(Layer("tok2vec", {"nO": encode.width}, children=(embed.layer, encode.layer), field=field),
                     encode.width, field)


def _widened(inner: Field, outer: Field) -> Field:
    """The field of a layer that sees `outer` tokens a side of vectors that each see `inner`."""
    if isinstance(inner, int) and isinstance(outer, int):
        return inner + outer
    return outer if isinstance(inner, int) else inner


def hash_embed_cnn(block: dict, expander: Expander) -> Expansion:
    size = block["embed_size"]
    rows = [size, size // 2, size // 2, size // 2] if block["subword_features"] else [size]
    embed = _multi_hash_embed(block["width"], rows, expander, bool(block.get("pretrained_vectors")))
    # the spec says maxout_pieces = 1 means Mish; spaCy 3.8 builds a one-piece maxout (same count)
    encode = maxout_window_encoder(block, expander)
    return Expansion(Layer("tok2vec", {"nO": block["width"]}, children=(embed.layer, encode.layer),
                           field=encode.receptive_field), block["width"], encode.receptive_field)


def listener(block: dict, expander: Expander) -> Expansion:
    """A listener holds no weights (its upstream component's are counted once, there) and sees
    what its upstream sees."""
    upstream = expander.upstream(block.get("upstream", "*"), "tok2vec")
    field = upstream[1].receptive_field if upstream else expander.upstream_field
    if field is None:
        field = "what its upstream sees"
    return Expansion(Layer("tok2vec_listener", {"nO": block["width"]}, field=field), block["width"], field)


def tagger(block: dict, expander: Expander) -> Expansion | None:
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    n_out = _labels(block, expander)
    softmax = Layer("softmax", {"nO": n_out, "nI": inner.width}, {"W": (n_out, inner.width), "b": (n_out,)})
    return Expansion(Layer("tagger", {"nO": n_out}, children=(inner.layer, softmax), field=inner.receptive_field),
                     n_out, inner.receptive_field)


def _pooled(name: str, n_out: Dim, layers: tuple[Layer, ...], rows: str = "docs") -> Expansion:
    """A model whose output rows pool over a whole document (or span, or entity): one row each."""
    field = {"docs": WHOLE_DOC, "spans": "the whole span", "entities": "the whole entity"}[rows]
    return Expansion(Layer(name, {"nO": n_out}, children=layers, field=field, rows=rows), n_out, field)


def _labels(block: dict, expander: Expander) -> Dim:
    """The output width of a classifier: `nO` if given, else the label count (symbolic until known)."""
    n_out = block.get("nO")
    if isinstance(n_out, int) and not isinstance(n_out, bool):
        return n_out
    return expander.symbol("n_labels")


def textcat_bow(block: dict, expander: Expander) -> Expansion:
    """A hashed bag of n-grams into a sparse linear layer (its weights one flat table)."""
    n_out, length = _labels(block, expander), block.get("length", 2**18)
    flat = _scaled(n_out, length)
    sparse = Layer("sparse_linear", {"nO": n_out, "length": length}, {"W": (flat,), "b": (n_out,)})
    return _pooled("textcat_bow", n_out, (sparse,))


def textcat_cnn(block: dict, expander: Expander) -> Expansion | None:
    """Token vectors, mean-pooled over the document, into a linear layer (softmax or logistic)."""
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    n_out = _labels(block, expander)
    name = "softmax" if block["exclusive_classes"] else "linear"
    output = Layer(name, {"nO": n_out, "nI": inner.width}, {"W": (n_out, inner.width), "b": (n_out,)})
    return _pooled("textcat_cnn", n_out, (inner.layer, Layer("reduce_mean", {}, field=WHOLE_DOC, rows="docs"), output))


def textcat_ensemble(block: dict, expander: Expander) -> Expansion | None:
    """A bag-of-words model beside an attention model over token vectors; their outputs,
    concatenated, go through a linear layer (so its input is `width + n_labels` wide)."""
    linear_model, inner = expander.block(block["linear_model"]), expander.block(block["tok2vec"])
    if linear_model is None or inner is None:
        return None
    width, n_out = inner.width, _labels(block, expander)
    attention = (Layer("para-attn", {"nO": width}, {"Q": (width,)}), _maxout(width, width, 3), _layernorm(width))
    joined = _sum(width, n_out)
    # exclusive labels: a softmax layer, else linear then logistic (the same weights)
    exclusive = block["linear_model"].get("exclusive_classes", False)
    output = Layer("softmax" if exclusive else "linear", {"nO": n_out, "nI": joined},
                   {"W": (n_out, joined), "b": (n_out,)})
    layers = (linear_model.layer, inner.layer) + attention + (output,)
    return _pooled("textcat_ensemble", n_out, layers)


def mean_max_reducer(block: dict, expander: Expander, width: Dim) -> Layer:
    """Last, first, mean and max of each span's vectors, concatenated, into a maxout layer."""
    hidden = block["hidden_size"]
    return Layer("mean_max_reducer", {"nO": hidden},
                 children=(_maxout(hidden, _scaled(width, 4), 3), _layernorm(hidden)))


def span_categorizer(block: dict, expander: Expander) -> Expansion | None:
    inner = expander.block(block["tok2vec"])
    reducer, scorer = block.get("reducer", {}), block.get("scorer", {})
    if inner is None or reducer.get("@layers") != "spacy.mean_max_reducer.v1" or \
            scorer.get("@layers") != "spacy.LinearLogistic.v1":
        return None
    pooled = mean_max_reducer(reducer, expander, inner.width)
    n_out, hidden = _labels(scorer, expander), reducer["hidden_size"]
    linear = Layer("linear", {"nO": n_out, "nI": hidden}, {"W": (n_out, hidden), "b": (n_out,)})
    return _pooled("span_categorizer", n_out, (inner.layer, pooled, linear), "spans")


def entity_linker(block: dict, expander: Expander) -> Expansion | None:
    """Token vectors pooled over each entity, a maxout layer, and a linear projection to the
    knowledge base's entity vectors (`entity_vector_length` wide)."""
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    width = inner.width
    n_out = block.get("nO") if isinstance(block.get("nO"), int) else expander.symbol("entity_vector_length")
    layers = (inner.layer, _maxout(width, width, 2),
              Layer("linear", {"nO": n_out, "nI": width}, {"W": (n_out, width), "b": (n_out,)}))
    return _pooled("entity_linker", n_out, layers, "entities")


# state tokens the transition system extracts features from: (plain, with extra_state_tokens)
STATE_TOKENS = {"parser": (8, 13), "ner": (3, 6)}


def transition_based_parser(block: dict, expander: Expander) -> Expansion | None:
    """tok2vec >> a linear projection to `hidden_width`; the lower layer, a precomputable affine
    over the state tokens' vectors; with `use_upper`, a linear upper layer scoring the actions."""
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    hidden, pieces = block["hidden_width"], block["maxout_pieces"]
    n_features = STATE_TOKENS[block["state_type"]][bool(block.get("extra_state_tokens", False))]
    n_actions: Dim = block.get("nO") if isinstance(block.get("nO"), int) else expander.symbol("n_actions")
    use_upper = block.get("use_upper", True)
    lower_out = hidden if use_upper else n_actions
    projection = Layer("linear", {"nO": hidden, "nI": inner.width}, {"W": (hidden, inner.width), "b": (hidden,)})
    lower = Layer("precomputable_affine", {"nF": n_features, "nI": hidden, "nO": lower_out, "nP": pieces},
                  {"W": (n_features, lower_out, pieces, hidden), "b": (lower_out, pieces),
                   "pad": (1, n_features, lower_out, pieces)})
    layers = (inner.layer, projection, lower)
    if use_upper:
        layers += (Layer("linear", {"nO": n_actions, "nI": hidden}, {"W": (n_actions, hidden), "b": (n_actions,)}),)
    # a row of scores per parse state, from the vectors of its state tokens
    return Expansion(Layer("parser_model", {"nO": n_actions}, children=layers, field=inner.receptive_field,
                           rows="states"), n_actions, inner.receptive_field)


def torch_bilstm(block: dict, _: Expander) -> Expansion:
    """A bidirectional LSTM (PyTorch's, `width // 2` units each way, so the output is `width`
    wide); its weights live in PyTorch, four gates per layer and direction. It sees the whole
    document. Depth 0 is a no-op."""
    width, depth = block["width"], block["depth"]
    if depth == 0:
        return Expansion(Layer("noop", {}, field=0), width, 0)
    hidden = width // 2
    params: dict[str, tuple[Dim, ...]] = {}
    for layer in range(depth):
        n_in = width if layer == 0 else 2 * hidden
        for suffix in ("", "_reverse"):
            params[f"weight_ih_l{layer}{suffix}"] = (4 * hidden, n_in)
            params[f"weight_hh_l{layer}{suffix}"] = (4 * hidden, hidden)
            params[f"bias_ih_l{layer}{suffix}"] = (4 * hidden,)
            params[f"bias_hh_l{layer}{suffix}"] = (4 * hidden,)
    lstm = Layer("pytorch_lstm", {"nI": width, "nO": 2 * hidden, "depth": depth}, params, field=WHOLE_DOC)
    return Expansion(Layer("with_padded", {"nO": 2 * hidden}, children=(lstm,), field=WHOLE_DOC), 2 * hidden, WHOLE_DOC)


def textcat_ensemble_v1(block: dict, expander: Expander) -> Expansion:
    """The legacy ensemble, all in one block: a bag of n-grams beside its own CNN (hash
    embeddings of LOWER, PREFIX, SUFFIX and SHAPE, window encoder, attention, sum), joined by an
    output layer over both label scores (`2·n_labels` wide)."""
    width, rows, window, depth = block["width"], block["embed_size"], block["window_size"], block["conv_depth"]
    n_out = _labels(block, expander)
    tables = (Layer("hashembed", {"nO": width, "nV": rows}, {"E": (rows, width)}, field=0),) + tuple(
        Layer("hashembed", {"nO": width // 2, "nV": rows}, {"E": (rows, width // 2)}, field=0) for _ in range(3))
    embedded = width + 3 * (width // 2)
    vectors: tuple[Layer, ...] = (_maxout(width, embedded, 3), _layernorm(width))
    vectors_width = width
    if block.get("pretrained_vectors"):
        vectors_width_in = expander.symbol("vectors_width")
        vectors += (Layer("static_vectors", {"nM": vectors_width_in, "nO": width}, {"W": (width, vectors_width_in)}),)
        vectors_width = 2 * width
    encoder = _window_encoder(width, window, depth, lambda o, i: (_maxout(o, i, 3), _layernorm(o)), "encoder")
    cnn = (Layer("tok2vec", {"nO": width}, children=tables + vectors + (
        _maxout(width, vectors_width, 3), _layernorm(width), encoder.layer), field=encoder.receptive_field),
           Layer("para-attn", {"nO": width}, {"Q": (width,)}), Layer("reduce_sum", {}, field=WHOLE_DOC, rows="docs"),
           Layer("residual", {"nO": width}, children=(_maxout(width, width, 3),)), _dense("linear", n_out, width))
    bow = textcat_bow({"nO": n_out, "length": 2**18}, expander).layer
    doubled = _scaled(n_out, 2)
    output = _dense("softmax" if block["exclusive_classes"] else "linear", n_out, doubled)
    return _pooled("textcat_ensemble", n_out, (bow, Layer("cnn", {"nO": n_out}, children=cnn), output))


def _dense(name: str, n_out: Dim, n_in: Dim) -> Layer:
    """A Linear or Softmax layer: W (nO, nI) and b (nO,)."""
    return Layer(name, {"nO": n_out, "nI": n_in}, {"W": (n_out, n_in), "b": (n_out,)})


REDUCTIONS = ("first", "last", "max", "mean")


def textcat_reduce(block: dict, expander: Expander) -> Expansion | None:
    """Token vectors pooled by each chosen reduction, concatenated, into the output layer."""
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    chosen = [r for r in REDUCTIONS if block.get(f"use_reduce_{r}")]
    n_out = _labels(block, expander)
    n_in = _scaled(inner.width, len(chosen))
    pools = tuple(Layer(f"reduce_{r}", {}, field=WHOLE_DOC, rows="docs") for r in chosen)
    output = _dense("softmax" if block["exclusive_classes"] else "linear", n_out, n_in)
    return _pooled("textcat_reduce", n_out, (inner.layer,) + pools + (output,))


def textcat_parametric_attention(block: dict, expander: Expander) -> Expansion | None:
    """Attention over token vectors (keys through a GELU layer), summed, a residual maxout with
    layer normalization, and the output layer."""
    inner = expander.block(block["tok2vec"])
    if inner is None:
        return None
    width, n_out = inner.width, _labels(block, expander)
    attention = Layer("para-attn", {"nO": width}, {"Q": (width,)}, children=(_dense("gelu", width, width),))
    residual = Layer("residual", {"nO": width}, children=(_maxout(width, width, 3), _layernorm(width)))
    output = _dense("softmax" if block["exclusive_classes"] else "linear", n_out, width)
    return _pooled("textcat_parametric_attention", n_out,
                   (inner.layer, attention, Layer("reduce_sum", {}, field=WHOLE_DOC, rows="docs"), residual, output))


def span_finder(block: dict, expander: Expander) -> Expansion | None:
    """Per token, a linear logistic scorer of whether a span starts or ends there."""
    inner = expander.block(block["tok2vec"])
    scorer = block.get("scorer", {})
    if inner is None or scorer.get("@layers") != "spacy.LinearLogistic.v1":
        return None
    n_out = scorer.get("nO") if isinstance(scorer.get("nO"), int) else 2
    linear = _dense("linear", n_out, inner.width)
    field = inner.receptive_field
    return Expansion(Layer("span_finder", {"nO": n_out}, children=(inner.layer, linear), field=field), n_out, field)


def _transformer_field(get_spans: Any) -> Field:
    """A transformer sees the span its span getter cuts: a window of tokens, the sentence or the doc."""
    name = get_spans.get("@span_getters", "") if isinstance(get_spans, dict) else ""
    if isinstance(name, str) and name.endswith("strided_spans.v1"):  # windows of tokens (not wordpieces)
        return Window(get_spans.get("window", 128), get_spans.get("stride", 96))
    if name.endswith("sent_spans.v1"):
        return "its sentence"
    return WHOLE_DOC


def transformer_model(block: dict, expander: Expander) -> Expansion:
    """A Hugging Face transformer: its width and weights depend on the named model, so both stay
    symbolic (`hidden_width`, `transformer_params`) unless given."""
    width, weights = expander.symbol("hidden_width"), expander.symbol("transformer_params")
    field = _transformer_field(block.get("get_spans"))
    layer = Layer("transformer", {"name": block.get("name", ""), "nO": width}, {"weights": (weights,)}, field=field)
    return Expansion(layer, width, field)


def transformer_listener(block: dict, expander: Expander) -> Expansion:
    """Wordpiece vectors of the upstream transformer, pooled per token; no weights of its own."""
    upstream = expander.upstream(block.get("upstream", "*"), "transformer")
    if upstream is None:
        width, field = expander.symbol("hidden_width"), "what its upstream sees"
    else:  # the upstream's width; while unknown, its symbol, named after the transformer that owns it
        name, expansion = upstream
        width, field = expansion.width, expansion.receptive_field
        if isinstance(width, str):
            width = f"{width}({name})"
    return Expansion(Layer("transformer_listener", {"nO": width}, children=(Layer("pooling", {}),), field=field),
                     width, field)


def tok2vec_transformer(block: dict, expander: Expander) -> Expansion:
    """A transformer of its own, its wordpiece vectors pooled per token."""
    inner = transformer_model(block, expander)
    return Expansion(Layer("tok2vec_transformer", {"nO": inner.width}, children=(inner.layer, Layer("pooling", {})),
                           field=inner.receptive_field), inner.width, inner.receptive_field)



TOK2VEC_VIEW = "what its tok2vec sees"  # a pretraining objective predicts from each token's vector


def _pretraining_head(block: dict, expander: Expander) -> tuple[int, Dim, Layer]:
    """The maxout layer (normalized) on top of the pretrained tok2vec, its width a symbol
    (`tok2vec_width`) unless given: the objective block does not name its tok2vec."""
    hidden, n_in = block["hidden_size"], expander.symbol("tok2vec_width")
    return hidden, n_in, _maxout(hidden, n_in, block["maxout_pieces"])


def pretrain_characters(block: dict, expander: Expander) -> Expansion:
    """Pretraining's objective of guessing characters at the start and end of each word: a
    softmax over the 256 byte values per position. spaCy 3.8 builds `n_characters` of them, not
    the `2 * n_characters` positions the spec's wording suggests."""
    hidden, _, maxout = _pretraining_head(block, expander)
    n_out = 256 * block["n_characters"]
    layers = (maxout, _layernorm(hidden), _dense("multisoftmax", n_out, hidden))
    layer = Layer("pretrain_characters", {"nO": n_out}, children=layers, field=TOK2VEC_VIEW)
    return Expansion(layer, n_out, TOK2VEC_VIEW)


def pretrain_vectors(block: dict, expander: Expander) -> Expansion:
    """Pretraining's objective of predicting each word's static vector (`vectors_width` wide)."""
    hidden, _, maxout = _pretraining_head(block, expander)
    n_out = expander.symbol("vectors_width")
    layers = (maxout, _layernorm(hidden), _dense("linear", n_out, hidden))
    layer = Layer("pretrain_vectors", {"nO": n_out}, children=layers, field=TOK2VEC_VIEW)
    return Expansion(layer, n_out, TOK2VEC_VIEW)



# -- layers that are blocks of their own (their input width is a symbol: the block does not say)

def static_vectors(block: dict, expander: Expander) -> Expansion:
    """Each token's static vector (`vectors_width` wide, from the vectors table) projected to `nO`."""
    n_out = block["nO"] if isinstance(block.get("nO"), int) else expander.symbol("nO")
    n_in = expander.symbol("vectors_width")
    return Expansion(Layer("static_vectors", {"nM": n_in, "nO": n_out}, {"W": (n_out, n_in)}, field=0), n_out, 0)


def feature_extractor(block: dict, _: Expander) -> Expansion:
    """A column of attribute ids per attribute: integers for the hash tables, no weights."""
    columns = len(block["columns"])
    return Expansion(Layer("extract_features", {"nO": columns}, field=0), columns, 0)


def standalone_mean_max_reducer(block: dict, expander: Expander) -> Expansion:
    reducer = mean_max_reducer(block, expander, expander.symbol("tok2vec_width"))
    reducer = reducer._replace(field="the whole span", rows="spans")
    return Expansion(reducer, block["hidden_size"], "the whole span")


def linear_logistic(block: dict, expander: Expander) -> Expansion:
    """A linear layer and a logistic activation: independent scores per label."""
    n_out = block["nO"] if isinstance(block.get("nO"), int) else expander.symbol("n_labels")
    n_in = block["nI"] if isinstance(block.get("nI"), int) else expander.symbol("tok2vec_width")
    return Expansion(Layer("linear_logistic", {"nO": n_out}, children=(_dense("linear", n_out, n_in),
                                                                         Layer("logistic", {}))), n_out, 0)


def reduce_mean(_: dict, expander: Expander) -> Expansion:
    width = expander.symbol("tok2vec_width")
    return Expansion(Layer("reduce_mean", {"nO": width}, field=WHOLE_DOC, rows="docs"), width, WHOLE_DOC)


def _parts(block: dict, expander: Expander) -> list[Expansion] | None:
    parts = block.get("*")
    inner = [expander.block(p) if isinstance(p, dict) else None for p in (parts or {}).values()] \
        if isinstance(parts, dict) else []
    return inner if inner and all(e is not None for e in inner) else None


def _combined_field(inner: list[Expansion], combine) -> Field:
    """The parts' receptive fields combined (a chain adds them, a concatenation takes the widest);
    a field that is a description ("the whole document") stands for them all."""
    fields = [e.receptive_field for e in inner]
    return combine(fields) if all(isinstance(f, int) for f in fields) else next(f for f in fields if not isinstance(f, int))


def chain_layers(block: dict, expander: Expander) -> Expansion | None:
    """Thinc's chain of its `*` blocks: each one's output feeds the next; fields add up."""
    inner = _parts(block, expander)
    if inner is None:
        return None
    field = _combined_field(inner, sum)
    width = inner[-1].width
    return Expansion(Layer("chain", {"nO": width}, children=tuple(e.layer for e in inner), field=field), width, field)


def concatenate_layers(block: dict, expander: Expander) -> Expansion | None:
    """Thinc's concatenate of its `*` blocks, all fed the same input: widths add up."""
    inner = _parts(block, expander)
    if inner is None:
        return None
    field = _combined_field(inner, max)
    width = _sum(*(e.width for e in inner))
    return Expansion(Layer("concatenate", {"nO": width}, children=tuple(e.layer for e in inner), field=field),
                     width, field)


EXPANSIONS: dict[str, Expand] = {
    "chain.v1": chain_layers,
    "concatenate.v1": concatenate_layers,
    "spacy.SpanCategorizer.v1": span_categorizer,
    "spacy.EntityLinker.v1": entity_linker,
    "spacy.EntityLinker.v2": entity_linker,
    "spacy.HashEmbedCNN.v1": hash_embed_cnn,
    "spacy.MaxoutWindowEncoder.v1": maxout_window_encoder,
    "spacy.Tok2Vec.v1": tok2vec,
    "spacy.TextCatBOW.v1": textcat_bow,
    "spacy.TextCatBOW.v2": textcat_bow,
    "spacy.TextCatBOW.v3": textcat_bow,
    "spacy.TextCatCNN.v1": textcat_cnn,
    "spacy.TextCatEnsemble.v2": textcat_ensemble,
    "spacy.TextCatCNN.v2": textcat_cnn,
    "spacy.TransitionBasedParser.v1": transition_based_parser,
    "spacy.TransitionBasedParser.v2": transition_based_parser,
    "spacy.CharacterEmbed.v2": character_embed,
    "spacy.MultiHashEmbed.v1": multi_hash_embed,
    "spacy.MultiHashEmbed.v2": multi_hash_embed,
    "spacy.MaxoutWindowEncoder.v2": maxout_window_encoder,
    "spacy.MishWindowEncoder.v1": mish_window_encoder,  # the same layers; v1 reads one array
    "spacy.MishWindowEncoder.v2": mish_window_encoder,
    "spacy.Tok2Vec.v2": tok2vec,
    "spacy.HashEmbedCNN.v2": hash_embed_cnn,
    "spacy.Tok2VecListener.v1": listener,
    "spacy.Tagger.v1": tagger,
    "spacy.Tagger.v2": tagger,
    "spacy.TorchBiLSTMEncoder.v1": torch_bilstm,
    "spacy.TextCatEnsemble.v1": textcat_ensemble_v1,
    "spacy.TextCatReduce.v1": textcat_reduce,
    "spacy.TextCatParametricAttention.v1": textcat_parametric_attention,
    "spacy.SpanFinder.v1": span_finder,
    "spacy.PretrainCharacters.v1": pretrain_characters,
    "spacy.PretrainVectors.v1": pretrain_vectors,
    "spacy.StaticVectors.v2": static_vectors,
    "spacy.FeatureExtractor.v1": feature_extractor,
    "spacy.mean_max_reducer.v1": standalone_mean_max_reducer,
    "spacy.LinearLogistic.v1": linear_logistic,
    "reduce_mean.v1": reduce_mean,
    "spacy-transformers.TransformerModel.v1": transformer_model,
    "spacy-transformers.TransformerModel.v2": transformer_model,
    "spacy-transformers.TransformerModel.v3": transformer_model,
    "spacy-transformers.TransformerListener.v1": transformer_listener,
    "spacy-transformers.Tok2VecTransformer.v1": tok2vec_transformer,
    "spacy-transformers.Tok2VecTransformer.v2": tok2vec_transformer,
    "spacy-transformers.Tok2VecTransformer.v3": tok2vec_transformer,
}


def row_width(layer: Layer, values: dict[str, int]) -> int:
    """How many numbers a layer computes per row (token, span or doc) in a forward pass: its
    output (a maxout's pieces before the max, a parser's features), its widest input (a window
    of neighbours concatenated), or a character embedding's positions; symbols take `values`,
    those still unknown count as 1."""
    def known(dim: Any) -> int | None:
        if isinstance(dim, str):  # a symbol, or a name (a transformer's)
            return values.get(dim)
        count = _product((dim,)).given(values)
        return count.constant + sum(coefficient for _, coefficient in count.terms)

    def product(*keys: str) -> int:
        numbers = [n for n in (known(layer.dims[k]) for k in keys if k in layer.dims) if n is not None]
        total = 1 if numbers else 0
        for n in numbers:
            total *= n
        return total
    return max(product("nO", "nP", "nF"), product("nI"), product("nM", "nC"))


def field_tokens(field: Field) -> int | str:
    """Tokens one output vector sees in all (`2 * window_size * depth + 1` for a window
    encoder), or a description of what it sees."""
    return 2 * field + 1 if isinstance(field, int) else str(field)


def receptive_field_tokens(expansion: Expansion) -> int | str:
    return field_tokens(expansion.receptive_field)
