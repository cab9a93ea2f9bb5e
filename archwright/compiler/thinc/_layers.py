"""The Thinc layers spaCy defines itself (Thinc has the rest), written from the spec: same names,
dims and parameter shapes as spaCy's, so that a built model is structurally spaCy's. Each layer
is a factory returning a `Model`, its `forward` and, where it has weights, its `init`."""

from __future__ import annotations

from typing import Any

from thinc.api import Model, Ragged, glorot_uniform_init, normal_init
from thinc.types import Floats2d

# -- extract_features: docs -> one row of attribute ids per token ---------------------------------

def extract_features(columns: list[str]) -> Model:
    return Model("extract_features", _extract_features_forward, attrs={"columns": list(columns)})


def _extract_features_forward(model: Model, docs: list, is_train: bool):
    columns = model.attrs["columns"]
    features = []
    for doc in docs:
        ids = doc.to_array(columns)
        # (tokens, columns) even for an empty doc, where -1 cannot be inferred
        features.append(model.ops.asarray2i(ids.reshape((ids.shape[0], len(columns))), dtype="uint64"))
    return features, lambda d_features: []


# -- static_vectors: a fixed vectors table, projected to nO by a learned W (nO, nM) -----------------

class VectorsTable:
    """Word vectors the user provides: rows of `data`, found by the token's ORTH id. Unknown
    words get zeros (as spaCy's default vectors mode)."""

    def __init__(self, keys: list[int], data: Any) -> None:
        import numpy

        self.data = numpy.asarray(data, dtype="float32")
        if self.data.ndim != 2 or len(keys) != self.data.shape[0]:
            raise ValueError(f"a vectors table needs one row per key: {len(keys)} keys, shape {self.data.shape}")
        self.rows = {int(k): i for i, k in enumerate(keys)}  # (a key given twice: its last row)
        # the keys sorted, and each one's row: a batch of keys is found by one binary search
        self._keys = numpy.array(sorted(self.rows), dtype="uint64")
        self._rows = numpy.array([self.rows[k] for k in self._keys.tolist()], dtype="int64")

    @classmethod
    def from_words(cls, table: dict[str, Any]) -> VectorsTable:
        from ..doc import string_id

        return cls([string_id(w) for w in table], list(table.values()))

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    def lookup(self, keys) -> Any:
        import numpy

        keys = numpy.asarray(keys, dtype="uint64").reshape(-1)
        found = numpy.full(len(keys), -1, dtype="int64")
        if len(self._keys):
            at = numpy.minimum(numpy.searchsorted(self._keys, keys), len(self._keys) - 1)
            hit = self._keys[at] == keys
            found[hit] = self._rows[at[hit]]
        out = self.data[numpy.maximum(found, 0)] if len(self.data) else numpy.zeros((len(found), self.width), "f")
        out[found < 0] = 0
        return out


def static_vectors(nO: int, table: VectorsTable) -> Model:
    return Model("static_vectors", _static_vectors_forward, init=_static_vectors_init, params={"W": None},
                 dims={"nO": nO, "nM": table.width}, attrs={"vectors": table})


def _static_vectors_forward(model: Model, docs: list, is_train: bool):
    import numpy

    W = model.get_param("W")
    keys = numpy.concatenate([numpy.asarray(doc.to_array("ORTH"), dtype="uint64").reshape(-1) for doc in docs]
                             or [numpy.zeros(0, dtype="uint64")])
    V = model.ops.asarray2f(model.attrs["vectors"].lookup(keys).reshape((len(keys), model.get_dim("nM"))))
    output = Ragged(model.ops.gemm(V, W, trans2=True), model.ops.asarray1i([len(doc) for doc in docs]))

    def backprop(d_output: Ragged) -> list:
        model.inc_grad("W", model.ops.gemm(d_output.dataXd, V, trans1=True))
        return []

    return output, backprop


def _static_vectors_init(model: Model, X=None, Y=None) -> None:
    model.set_param("W", glorot_uniform_init(model.ops, (model.get_dim("nO"), model.get_dim("nM"))))


# -- charembed: nC UTF-8 bytes of each word, each embedded in its own 256-row table -----------------

def charembed(nM: int, nC: int) -> Model:
    return Model("charembed", _charembed_forward, init=_charembed_init, params={"E": None},
                 dims={"nM": nM, "nC": nC, "nO": nM * nC, "nV": 256})


def _charembed_init(model: Model, X=None, Y=None) -> None:
    model.set_param("E", model.ops.alloc3f(model.get_dim("nC"), model.get_dim("nV"), model.get_dim("nM")))


def _charembed_forward(model: Model, docs: list, is_train: bool):
    E, nC, nM = model.get_param("E"), model.get_dim("nC"), model.get_dim("nM")
    positions = model.ops.xp.arange(nC)
    ids = [model.ops.asarray(doc.to_utf8_array(nr_char=nC)) for doc in docs]
    # E[position, byte of the word at that position] for every word and position
    output = [E[positions, doc_ids].reshape((len(doc_ids), nC * nM)) for doc_ids in ids]

    def backprop(d_output: list) -> list:
        dE = model.ops.alloc3f(*E.shape)
        for doc_ids, d in zip(ids, d_output):
            model.ops.xp.add.at(dE, (positions, doc_ids), d.reshape((len(doc_ids), nC, nM)))
        model.inc_grad("E", dE)
        return []

    return output, backprop


# -- precomputable_affine: the parser's lower layer, one affine map per state feature ---------------

def precomputable_affine(nO: int | None, nI: int, nF: int, nP: int) -> Model:
    return Model("precomputable_affine", _precomputable_forward, init=_precomputable_init,
                 dims={"nO": nO, "nI": nI, "nF": nF, "nP": nP}, params={"W": None, "b": None, "pad": None})


def _precomputable_init(model: Model, X=None, Y=None) -> None:
    nF, nO, nP, nI = (model.get_dim(d) for d in ("nF", "nO", "nP", "nI"))
    model.set_param("W", normal_init(model.ops, (nF, nO, nP, nI), mean=float((1.0 / (nF * nI)) ** 0.5)))
    model.set_param("b", model.ops.alloc2f(nO, nP))
    model.set_param("pad", normal_init(model.ops, (1, nF, nO, nP), mean=1.0))


def _precomputable_forward(model: Model, X: Floats2d, is_train: bool):
    """Every token's contribution to every feature slot, with the padding row first:
    (n_tokens + 1, nF, nO, nP)."""
    W, pad = model.get_param("W"), model.get_param("pad")
    nF, nO, nP, nI = W.shape
    # the product written straight after the padding row (no copy of the whole table to prepend it)
    Y = model.ops.alloc2f(X.shape[0] + 1, nF * nO * nP, zeros=False)
    model.ops.gemm(X, W.reshape((nF * nO * nP, nI)), trans2=True, out=Y[1:])
    Y = Y.reshape((X.shape[0] + 1, nF, nO, nP))
    Y[0] = pad[0]

    def backprop(dY):
        model.inc_grad("pad", dY[:1])
        dY = dY[1:]
        model.inc_grad("W", model.ops.xp.einsum("tfop,ti->fopi", dY, X))
        return model.ops.xp.einsum("tfop,fopi->ti", dY, W)

    return Y, backprop


# -- parser_model: tok2vec, lower and upper; the forward scores one state per token ---------------

def parser_model(tok2vec: Model, lower: Model, upper: Model | None) -> Model:
    from thinc.api import noop

    has_upper = upper is not None
    upper = upper if has_upper else noop()
    return Model("parser_model", _parser_forward, init=_parser_init, dims={"nI": tok2vec.maybe_get_dim("nI")},
                 layers=[tok2vec, lower, upper], refs={"tok2vec": tok2vec, "lower": lower, "upper": upper},
                 attrs={"has_upper": has_upper})


def _parser_init(model: Model, X=None, Y=None) -> None:
    tok2vec, lower, upper = model.layers
    tok2vec.initialize(X=X)
    lower.initialize()
    if model.attrs["has_upper"]:
        upper.initialize(X=model.ops.alloc2f(2, lower.get_dim("nO")))


def _parser_forward(model: Model, docs: list, is_train: bool):
    """Action scores for one state per token: the token at the front of the buffer, the
    previous token on top of the stack, the other feature slots empty (padding)."""
    tok2vec, lower, upper = model.layers
    hidden = lower.predict(tok2vec.predict(docs))  # (1 + n_tokens, nF, nO, nP); row 0 is the padding
    lengths = [len(doc) for doc in docs]
    state = _state_features(model.ops.xp, hidden, lengths, lower.get_param("b"))  # (n_tokens, nO, nP)
    best = state[..., 0]
    if state.shape[-1] == 1:  # one piece: spaCy's parser applies a relu instead of the maxout
        best = model.ops.xp.maximum(best, 0)
    for piece in range(1, state.shape[-1]):
        best = model.ops.xp.maximum(best, state[..., piece])
    scores = upper.predict(best) if model.attrs["has_upper"] else best
    return model.ops.xp.split(scores, model.ops.xp.cumsum(lengths)[:-1]), lambda d: []


def _state_features(xp, hidden, lengths: list[int], bias):
    """The sum over feature slots of each state's precomputed rows, and the bias, every doc at
    once (row i + 1 of `hidden` is token i of the batch). As slices, not a gather of
    (n_tokens, nF) rows: slot 0 of token i is row i + 1, slot 1 (the previous token) is row i,
    the padding row at each doc's first token, and the empty slots add the same padding rows
    to every state."""
    n, nF = hidden.shape[0] - 1, hidden.shape[1]
    if nF == 1:
        return hidden[1:, 0] + bias
    state = hidden[1:, 0] + hidden[:-1, 1]
    starts = xp.cumsum(xp.asarray(lengths[:-1], dtype="i"))
    starts = starts[starts < n]  # the docs after empty ones at the end start nowhere
    state[starts] = hidden[starts + 1, 0] + hidden[0, 1]
    state += hidden[0, 2:].sum(axis=0) + bias
    return state


# -- spans ---------------------------------------------------------------------------------------

def flattener() -> Model:
    """spaCy's span finder tail: the docs' rows of scores as one array (spacy.ml.models.span_finder)."""
    return Model("Flattener", forward=_flattener_forward)


def _flattener_forward(model: Model, X: list, is_train: bool):
    lengths = model.ops.asarray1i([len(rows) for rows in X])
    Y = model.ops.flatten(X)

    def backprop(dY: Floats2d) -> list:
        return model.ops.unflatten(dY, lengths)

    return Y, backprop


def extract_spans() -> Model:
    return Model("extract_spans", _extract_spans_forward)


def _extract_spans_forward(model: Model, inputs: tuple[Ragged, Ragged], is_train: bool):
    """Token vectors of each span (start, end) of each doc, as one ragged array."""
    X, spans = inputs
    xp = model.ops.xp
    doc_starts = xp.cumsum(xp.asarray(X.lengths, dtype="i")) - xp.asarray(X.lengths, dtype="i")
    rows = xp.asarray(spans.dataXd, dtype="i").reshape((-1, 2))
    lengths = rows[:, 1] - rows[:, 0]
    sizes = xp.maximum(lengths, 0)  # (a span that ends before it starts has no rows)
    # the rows of span k are begin_k, begin_k + 1, ...: the place in the output minus the
    # output's offset of span k, plus begin_k, for all spans at once
    begins = doc_starts[xp.repeat(xp.arange(len(spans.lengths)), spans.lengths)] + rows[:, 0]
    offsets = xp.cumsum(sizes) - sizes
    indices = model.ops.asarray1i(xp.arange(int(sizes.sum())) + xp.repeat(begins - offsets, sizes))
    Y = Ragged(X.dataXd[indices], model.ops.asarray1i(lengths))
    shape, x_lengths = X.dataXd.shape, X.lengths

    def backprop(dY: Ragged):
        dX = model.ops.alloc2f(*shape)
        model.ops.scatter_add(dX, indices, dY.dataXd)
        return Ragged(dX, x_lengths), spans

    return Y, backprop


def span_maker(n_sents: int = 0) -> Model:
    return Model("span_maker", _span_maker_forward, attrs={"n_sents": n_sents})


def _span_maker_forward(model: Model, docs: list, is_train: bool):
    """For each entity, the tokens of its sentence (our Docs are one sentence each)."""
    spans = []
    for doc in docs:
        sentences = _sentences(doc)
        rows = []
        for ent in doc.ents:
            index = next((i for i, (s, e) in enumerate(sentences) if s <= ent.start < e), None)
            if index is None:  # in no sentence (an empty doc's empty span): the whole doc
                rows.append((0, len(doc)))
                continue
            first = max(0, index - model.attrs["n_sents"])
            last = min(len(sentences) - 1, index + model.attrs["n_sents"])
            rows.append((sentences[first][0], sentences[last][1]))
        spans.append(model.ops.asarray2i(rows) if rows else model.ops.alloc2i(0, 2))
    return Ragged(model.ops.flatten(spans) if spans else model.ops.alloc2i(0, 2),
                  model.ops.asarray1i([len(s) for s in spans])), lambda d: []


def _sentences(doc) -> list[tuple[int, int]]:
    try:
        return [(s.start, s.end) for s in doc.sents]  # a spaCy Doc with sentence boundaries
    except (AttributeError, ValueError):
        return [(0, len(doc))]


# -- extract_ngrams: bag of n-gram ids, for the sparse linear model --------------------------------

def extract_ngrams(ngram_size: int, attr: str = "ORTH") -> Model:
    return Model("extract_ngrams", _extract_ngrams_forward, attrs={"ngram_size": ngram_size, "attr": attr})


def _extract_ngrams_forward(model: Model, docs: list, is_train: bool):
    """Each doc's distinct n-gram ids, sorted, with their counts (numpy's `unique` per doc, as
    spaCy's layer: the same arrays). Each doc's ids are sorted on their own; the runs of equal
    ids are found for the whole batch at once."""
    xp, size = model.ops.xp, model.attrs["ngram_size"]
    grams = []
    for doc in docs:
        # one attribute name: a 1-d uint64 array, from spaCy's Doc and from archwright's
        unigrams = model.ops.asarray(doc.to_array(model.attrs["attr"]))
        if size > 1 and len(unigrams):  # (Thinc's ngrams fails on no ids: spaCy's layer on an empty doc)
            unigrams = xp.concatenate([unigrams] + [model.ops.ngrams(n, unigrams) for n in range(2, size + 1)])
        grams.append(xp.sort(unigrams))
    keys = xp.concatenate(grams) if grams else xp.zeros(0, dtype="uint64")
    owner = xp.repeat(xp.arange(len(docs)), [len(g) for g in grams])  # each id's doc
    first = xp.ones(len(keys), dtype=bool)  # where a run of one doc's equal ids starts
    first[1:] = (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])
    starts = xp.flatnonzero(first)
    counts = xp.diff(xp.append(starts, len(keys)))
    lengths = model.ops.asarray1i(xp.bincount(owner[starts], minlength=len(docs)))
    return (keys[starts], model.ops.asarray(counts, dtype="f"), lengths), lambda d: []


# -- tok2vec-listener: the upstream tok2vec component's output, no weights of its own -------------

def tok2vec_listener(width: int, upstream: str) -> Model:
    return Model("tok2vec-listener", _listener_forward, dims={"nO": width},
                 attrs={"upstream_name": upstream, "upstream": None})


def _listener_forward(model: Model, docs: list, is_train: bool):
    upstream = model.attrs["upstream"]
    if upstream is None:  # spaCy's listener outside a pipeline: zeros of its width
        return [model.ops.alloc2f(len(doc), model.get_dim("nO")) for doc in docs], lambda d: []
    return upstream(docs, is_train)


def with_upstream(listener: Model, upstream: Model) -> None:
    listener.attrs["upstream"] = upstream


def sum_pieces(model: Model) -> int:
    """Parameters of a model, each node once."""
    seen, total = set(), 0
    for node in model.walk():
        if id(node) in seen:
            continue
        seen.add(id(node))
        total += sum(node.get_param(p).size for p in node.param_names if node.has_param(p))
    return total

