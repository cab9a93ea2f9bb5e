"""The layers of spacy-transformers' architectures, as archwright builds them (the `transformers` extra:
Hugging Face `transformers` and torch, not spacy-transformers) from a model in a local directory.
Nothing is ever downloaded: `name` must be a directory with a Hugging Face config.json and
tokenizer files. Weights come from its model.safetensors when there is one, else they are
randomly initialized from config.json (enough for shapes, counts and forward passes).

The pieces, named as spacy-transformers names its layers so a built model is structurally spaCy's:
docs -> span getter (token ranges) -> tokenizer (wordpieces, and each token's wordpieces found
through character offsets) -> "transformer" wrapping "hf-pytorch" (the Hugging Face model in a
Thinc PyTorch shim) -> a Batch; per doc, "trfs2arrays" pools each token's wordpiece vectors (its
`pooling` layer, usually reduce_mean) into one row per token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from thinc.api import Model, Ragged

from ...diagnostics import Diagnostic
from ..static import Window
from . import _layers
from ._context import Context, Unbuildable, files_not_read, require

# settings that would let a model directory run its own Python code: a config never may
REFUSED_SETTINGS = ("trust_remote_code", "code_revision")
WEIGHTS = ("model.safetensors", "model.safetensors.index.json")  # never a pickled pytorch_model.bin
# passed last to every loader, so no setting of the config can turn them off
LOCAL_ONLY = {"local_files_only": True, "trust_remote_code": False}


# -- span getters: each doc cut into token ranges (start, end) ----------------------------------------

def strided_spans(block: dict, ctx: Context) -> Any:
    """Windows of `window` tokens, one starting every `stride` tokens, cut as spacy-transformers
    cuts them: counted in tokens (Doc positions), the last window holding what is left."""
    window, stride = block["window"], block["stride"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (window, stride)):
        raise Unbuildable(Diagnostic("AW505", f"strided spans need a positive whole window and stride, not "
                                     f"{window!r} and {stride!r}", config_path=ctx.path,
                                     hint="e.g. window = 128, stride = 96"))

    windows = Window(window, stride)  # the same cutting the static receptive field describes

    def get_spans(docs: list) -> list[list[tuple[int, int]]]:
        return [windows.spans(len(doc)) for doc in docs]

    return get_spans


def doc_spans(block: dict, ctx: Context) -> Any:
    return lambda docs: [[(0, len(doc))] if len(doc) else [] for doc in docs]


def sent_spans(block: dict, ctx: Context) -> Any:
    """Each sentence of a spaCy Doc with sentence boundaries; a doc of ours is one sentence."""
    return lambda docs: [[s for s in _layers._sentences(doc) if s[1] > s[0]] for doc in docs]


# -- the local model directory ---------------------------------------------------------------------

def model_directory(name: Any, path: str = "") -> Path:
    """The directory `name` names, or Unbuildable (AW508) saying how to get one."""
    how = ("download it once (`huggingface-cli download NAME --local-dir DIR`, or `save_pretrained(DIR)` "
           "of a model and its tokenizer) and give DIR as `name`")
    if not isinstance(name, str) or not name.strip():
        raise Unbuildable(Diagnostic("AW508", f"`name` must be the path of a model directory, not {name!r}",
                                     config_path=f"{path}.name", hint=how))
    directory = Path(name).expanduser()
    if not directory.is_dir():
        raise Unbuildable(Diagnostic(
            "AW508", f"{name!r} is not a local directory: archwright builds transformers only from a model "
            "directory on disk and never downloads one", config_path=f"{path}.name", hint=how))
    if not (directory / "config.json").is_file():
        raise Unbuildable(Diagnostic(
            "AW508", f"the model directory {name!r} has no config.json", config_path=f"{path}.name",
            hint="give a directory written by Hugging Face's save_pretrained (config.json and tokenizer files)"))
    return directory


def _refuse_code(settings: Any, key: str, path: str) -> dict:
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise Unbuildable(Diagnostic("AW505", f"`{key}` must be a table of settings", config_path=f"{path}.{key}",
                                     hint="write it as {} or {\"use_fast\": true}"))
    refused = [k for k in REFUSED_SETTINGS if k in settings]
    if refused:
        raise Unbuildable(Diagnostic(
            "AW505", f"`{key}` sets {refused[0]}: a config can never run code from a model directory",
            config_path=f"{path}.{key}.{refused[0]}", hint=f"remove {refused[0]}; use a model that needs no code"))
    return dict(settings)


def _hf_config(directory: Path, settings: dict, path: str) -> Any:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(str(directory), **{**settings, **LOCAL_ONLY, "return_dict": True})
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise Unbuildable(Diagnostic(
            "AW508", f"the model directory {str(directory)!r} has a config.json Hugging Face cannot read: "
            f"{_first_line(e)}", config_path=f"{path}.name",
            hint="check config.json (its model_type must be one transformers knows)")) from None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def static_sizes(block: Any) -> dict[str, int]:
    """{"hidden_width", "transformer_params"} of the first transformer in a block whose `name` is
    a readable model directory, counted without allocating (PyTorch's meta device); {} when there
    is none or the packages are missing (building then says why)."""
    found = _transformer_block(block)
    if found is None:
        return {}
    try:
        import importlib.util

        if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
            return {}
        directory = model_directory(found.get("name"))
        config = _hf_config(directory, _refuse_code(found.get("transformer_config"), "transformer_config", ""), "")
        return sizes_of(config)
    except (Unbuildable, OSError, ValueError, TypeError, KeyError, AttributeError, RuntimeError):
        return {}  # the builder reports what is wrong


def sizes_of(config: Any) -> dict[str, int]:
    """The width and exact parameter count of the model a Hugging Face config describes."""
    import torch
    from transformers import AutoModel

    with torch.device("meta"):  # shapes only: nothing is allocated
        model = AutoModel.from_config(config)
    return {"hidden_width": int(config.hidden_size), "transformer_params": sum(p.numel() for p in model.parameters())}


def model_sizes(directory: str | os.PathLike) -> dict[str, int]:
    """{"hidden_width", "transformer_params"} of the model in a local directory: the sizes
    the static interpreter leaves symbolic for a transformer (give them as a component's labels)."""
    return sizes_of(_hf_config(model_directory(str(directory)), {}, "name"))


def _transformer_block(block: Any) -> dict | None:
    if isinstance(block, dict):
        name = block.get("@architectures", "")
        if isinstance(name, str) and name.startswith(("spacy-transformers.TransformerModel",
                                                      "spacy-transformers.Tok2VecTransformer")):
            return block
        for value in block.values():
            found = _transformer_block(value)
            if found is not None:
                return found
    return None


def _load(directory: Path, tokenizer_settings: dict, config: Any, path: str) -> tuple[Any, Any, str]:
    """The tokenizer (a fast one: its character offsets align wordpieces to tokens) and the model,
    with the directory's safetensors weights when it has them."""
    from transformers import AutoModel, AutoTokenizer

    # always the fast tokenizer: a slow one has no character offsets to align wordpieces with
    settings = {**tokenizer_settings, **LOCAL_ONLY, "use_fast": True}
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory), **settings)
    except (OSError, ValueError, KeyError, TypeError, ImportError) as e:
        raise Unbuildable(Diagnostic(
            "AW508", f"the tokenizer of {str(directory)!r} cannot be loaded: {_first_line(e)}",
            config_path=f"{path}.name", hint="the directory needs the tokenizer files save_pretrained writes "
            "(tokenizer.json, or vocab.txt / vocab.json and merges.txt)")) from None
    if not getattr(tokenizer, "is_fast", False):
        raise Unbuildable(Diagnostic(
            "AW508", f"the tokenizer of {str(directory)!r} has no fast (Rust) version, whose character offsets "
            "align wordpieces to tokens", config_path=f"{path}.name",
            hint="save the model's fast tokenizer (tokenizer.json) into the directory"))
    weights = next((w for w in WEIGHTS if (directory / w).is_file()), None)
    try:
        if weights:
            model = AutoModel.from_pretrained(str(directory), config=config, use_safetensors=True, **LOCAL_ONLY)
        else:
            model = AutoModel.from_config(config)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise Unbuildable(Diagnostic(
            "AW508", f"the model in {str(directory)!r} cannot be loaded: {_first_line(e)}",
            config_path=f"{path}.name", hint="check config.json and model.safetensors (written together)")) from None
    return tokenizer, model, weights or "random"


# -- the transformer: docs -> Batch ----------------------------------------------------------------

class Wordpieces(NamedTuple):
    input_ids: Any  # (n_spans, length) int
    attention_mask: Any
    token_type_ids: Any | None


@dataclass(frozen=True)
class Batch:
    """The transformer's output for a batch of docs: the wordpiece vectors of every span
    (`hidden`, padded), and per doc its rows and each token's wordpiece rows. (Not a tuple or an
    array: Thinc must not read a width from it, as it reads none from spaCy's.)"""

    hidden: Any  # (n_spans, length, width)
    docs: list  # per doc: (first span, end span, Ragged alignment of its tokens to flat rows of its spans)
    width: int

    @property
    def shape(self) -> tuple:
        return tuple(self.hidden.shape)


@dataclass(frozen=True)
class DocData:
    """One doc's share of a Batch: its spans' wordpiece vectors, flattened, and per token the
    rows of its wordpieces (a token in two overlapping spans has the wordpieces of both)."""

    rows: Any  # (n_wordpiece_rows, width)
    align: Ragged


def _doc_text(doc: Any) -> tuple[str, list[int], list[int]]:
    """A doc's text, each token's character offset and length (ours: the words joined by
    spaces; a spaCy Doc's read as two columns, without making a Token per word)."""
    if hasattr(doc, "words"):
        offsets, at = [], 0
        for word in doc.words:
            offsets.append(at)
            at += len(word) + 1
        return doc.text, offsets, [len(word) for word in doc.words]
    from spacy.attrs import IDX, LENGTH

    columns = doc.to_array([IDX, LENGTH]).reshape((-1, 2)).T.tolist() if len(doc) else [[], []]
    return doc.text, columns[0], columns[1]


def _tokenize(model: Model, docs: list) -> tuple[Wordpieces, list, list]:
    """Wordpieces of every span, and per doc (first span, end span, token -> flat wordpiece rows)."""
    import numpy

    tokenizer = model.attrs["tokenizer"]
    nested = model.attrs["get_spans"](docs)
    texts, places = [], []
    for doc, spans in zip(docs, nested):
        text, offsets, lengths = _doc_text(doc)
        for start, end in spans:
            begin = offsets[start]
            texts.append(text[begin:offsets[end - 1] + lengths[end - 1]])
            places.append((offsets, lengths, start, end, begin))
    if not texts:
        empty = numpy.zeros((0, 0), dtype="int64")
        return Wordpieces(empty, empty, None), [(0, 0, [[] for _ in doc]) for doc in docs], nested
    encoded = tokenizer(texts, add_special_tokens=True, return_attention_mask=True, return_offsets_mapping=True,
                        return_tensors="np", padding="longest")
    limit = model.attrs["max_length"]  # longer spans lose their last wordpieces, as spaCy drops them
    ids = encoded["input_ids"][:, :limit]
    types = encoded.get("token_type_ids")
    wordpieces = Wordpieces(ids, encoded["attention_mask"][:, :limit], types[:, :limit] if types is not None else None)
    length = ids.shape[1]
    per_doc, index = [], 0
    for doc, spans in zip(docs, nested):
        aligned: list[list[int]] = [[] for _ in range(len(doc))]
        for k in range(len(spans)):  # spans in order, wordpieces in order: each token's rows come sorted
            _align_span(*places[index + k], encoded["offset_mapping"][index + k][:limit], k * length, aligned)
        per_doc.append((index, index + len(spans), aligned))
        index += len(spans)
    return wordpieces, per_doc, nested


def _align_span(offsets: list[int], lengths: list[int], start: int, end: int, begin: int, wordpiece_chars: Any,
                first: int, aligned: list[list[int]]) -> None:
    """Each token of the span gets the wordpieces whose characters overlap it (a token also owns
    the character after it, so a wordpiece that starts with a space goes to the token before)."""
    import numpy

    last = offsets[end - 1] + lengths[end - 1]
    owner = numpy.full(last - begin + 1, -1, dtype="int64")
    for i in range(start, end):
        owner[offsets[i] - begin:offsets[i] - begin + lengths[i] + 1] = i
    # the tokens owning characters in [lo, hi) are a run (in text order, none empty): from the
    # owner of the first owned character at or after lo to that of the last one before hi
    owned = owner >= 0
    places = numpy.arange(len(owner))
    after = numpy.minimum.accumulate(numpy.where(owned, places, len(owner))[::-1])[::-1]
    before = numpy.maximum.accumulate(numpy.where(owned, places, -1))
    chars = numpy.asarray(wordpiece_chars).reshape((-1, 2))
    lo, hi = numpy.minimum(chars[:, 0], len(owner)), numpy.minimum(chars[:, 1], len(owner))
    real = numpy.flatnonzero(hi > lo)  # (special tokens and padding have no characters)
    padded = numpy.append(owner, -1)  # at len(owner) and at -1: nobody
    firsts, lasts = padded[after[lo[real]]], padded[before[hi[real] - 1]]
    for j, a, b in zip(real.tolist(), firsts.tolist(), lasts.tolist()):
        if a >= 0 and b >= a:
            for i in range(a, b + 1):
                aligned[i].append(first + j)


def _transformer_forward(model: Model, docs: list, is_train: bool):
    import numpy

    wordpieces, per_doc, _ = _tokenize(model, docs)
    width = model.get_dim("nO")
    if wordpieces.input_ids.size == 0:
        hidden, backprop_hidden = numpy.zeros((0, 0, width), dtype="f"), (lambda d: None)
    else:
        hidden, backprop_hidden = model.layers[0](wordpieces, is_train)
    docs_data = [(a, b, _ragged(model, rows)) for a, b, rows in per_doc]

    def backprop(d_batch: Batch) -> list:
        if wordpieces.input_ids.size:
            backprop_hidden(d_batch.hidden)
        return []

    return Batch(hidden, docs_data, width), backprop


def _ragged(model: Model, rows: list[list[int]]) -> Ragged:
    flat = [j for token in rows for j in token]
    return Ragged(model.ops.asarray1i(flat), model.ops.asarray1i([len(token) for token in rows]))


def _hf_inputs(model: Model, wordpieces: Wordpieces, is_train: bool):
    from thinc.api import ArgsKwargs, xp2torch

    kwargs = {"input_ids": xp2torch(wordpieces.input_ids), "attention_mask": xp2torch(wordpieces.attention_mask)}
    if wordpieces.token_type_ids is not None:
        kwargs["token_type_ids"] = xp2torch(wordpieces.token_type_ids)
    return ArgsKwargs(args=(), kwargs=kwargs), lambda d: []


def _hf_outputs(model: Model, inputs_outputs: Any, is_train: bool):
    from thinc.api import ArgsKwargs, torch2xp, xp2torch

    _, output = inputs_outputs
    state = output.last_hidden_state

    def backprop(d_hidden: Any) -> ArgsKwargs:
        return ArgsKwargs(args=(state,), kwargs={"grad_tensors": (xp2torch(d_hidden),)})

    return torch2xp(state), backprop


def hf_wrapper(hf_model: Any) -> Model:
    """The Hugging Face model in a Thinc PyTorch shim: wordpieces in, last hidden states out."""
    from thinc.api import PyTorchShim
    from thinc.layers.pytorchwrapper import forward

    return Model("hf-pytorch", forward, attrs={"convert_inputs": _hf_inputs, "convert_outputs": _hf_outputs},
                 shims=[PyTorchShim(hf_model)], dims={"nI": None, "nO": None})


def transformer_model(block: dict, ctx: Context) -> Model:
    name = block.get("@architectures", "spacy-transformers.TransformerModel")
    if not ctx.read_files:
        raise Unbuildable(files_not_read(f"{ctx.path}.name", "a transformer's model"))
    directory = model_directory(block.get("name"), ctx.path)
    require("transformers", name, "transformers", ctx)
    require("torch", name, "transformers", ctx)
    tokenizer_settings = _refuse_code(block.get("tokenizer_config"), "tokenizer_config", ctx.path)
    config = _hf_config(directory, _refuse_code(block.get("transformer_config"), "transformer_config", ctx.path),
                        ctx.path)
    get_spans = ctx.block(block["get_spans"], "get_spans")
    tokenizer, hf_model, weights = _load(directory, tokenizer_settings, config, ctx.path)
    # spans longer than the model takes lose their last wordpieces (spaCy drops them past the
    # tokenizer's model_max_length; the position table bounds it too, or torch fails)
    limit = min(int(tokenizer.model_max_length), int(getattr(config, "max_position_embeddings", 0) or 1 << 30))
    # mixed_precision and grad_scaler_config only change training on a GPU: not used here
    return Model("transformer", _transformer_forward, layers=[hf_wrapper(hf_model)], dims={"nO": config.hidden_size},
                 attrs={"name": str(block.get("name")), "get_spans": get_spans, "tokenizer": tokenizer,
                        "max_length": limit, "weights": weights})


# -- per token: split by doc, align, pool -----------------------------------------------------------

def split_by_doc(batch: Batch, ops: Any) -> list[DocData]:
    out = []
    for first, end, align in batch.docs:
        rows = batch.hidden[first:end].reshape((-1, batch.width)) if end > first else ops.alloc2f(0, batch.width)
        out.append(DocData(rows, align))
    return out


def _split_forward(model: Model, batch: Batch, is_train: bool):
    datas = split_by_doc(batch, model.ops)

    def backprop(d_datas: list) -> Batch:
        d_hidden = model.ops.alloc3f(*batch.hidden.shape) if batch.hidden.size else batch.hidden
        for (first, end, _), d in zip(batch.docs, d_datas):
            if end > first:
                d_hidden[first:end] += d.rows.reshape(d_hidden[first:end].shape)
        return Batch(d_hidden, batch.docs, batch.width)

    return datas, backprop


def split_trf_batch() -> Model:
    return Model("split-trf-batch", _split_forward)


def trfs2arrays(pooling: Model, grad_factor: float) -> Model:
    """Each doc's token vectors: its tokens' wordpiece vectors, pooled."""
    return Model("trfs2arrays", _trfs2arrays_forward, layers=[pooling], attrs={"grad_factor": grad_factor})


def _trfs2arrays_forward(model: Model, datas: list[DocData], is_train: bool):
    pooling, xp = model.layers[0], model.ops.xp
    width = next((d.rows.shape[1] for d in datas if d.rows.ndim == 2), 0)
    lengths = [len(d.align.lengths) for d in datas]
    # pooled together: the wordpiece rows of each token, all docs in a row
    gathered = [d.rows[d.align.dataXd] for d in datas]
    counts = xp.concatenate([d.align.lengths for d in datas]) if datas else model.ops.alloc1i(0)
    if not sum(len(rows) for rows in gathered):  # no token has a wordpiece: nothing to pool, zeros
        return [model.ops.alloc2f(n, width) for n in lengths], lambda d: [DocData(x.rows * 0, x.align) for x in datas]
    # a token without wordpieces (whitespace, a character the tokenizer drops) gets zeros, as
    # reduce_mean gives it; reduce_max/first/last would fail on it
    has_rows = counts > 0
    X = Ragged(xp.concatenate(gathered).astype("f"), model.ops.asarray1i(counts[has_rows]))
    pooled, backprop_pooling = pooling(X, is_train)
    Y = model.ops.alloc2f(len(counts), width)
    Y[has_rows] = pooled
    outputs = xp.split(Y, xp.cumsum(xp.asarray(lengths))[:-1])

    def backprop(d_outputs: list) -> list[DocData]:
        dX = backprop_pooling(xp.concatenate(d_outputs)[has_rows]).dataXd * model.attrs["grad_factor"]
        d_datas, at = [], 0
        for d, rows in zip(datas, gathered):
            d_rows = model.ops.alloc2f(*d.rows.shape)
            model.ops.scatter_add(d_rows, d.align.dataXd, dX[at:at + len(rows)])
            d_datas.append(DocData(d_rows, d.align))
            at += len(rows)
        return d_datas

    return list(outputs), backprop


# -- the listener: the upstream transformer's output for the same docs ------------------------------

def transformer_listener(width: int | None, upstream: str) -> Model:
    return Model("transformer-listener", _listener_forward, init=_listener_init, dims={"nO": width},
                 attrs={"upstream_name": upstream, "upstream": None, "upstream_kind": "transformer"})


def _listener_init(model: Model, X=None, Y=None) -> None:
    upstream = model.attrs["upstream"]
    if upstream is not None and upstream.has_dim("nO") and model.maybe_get_dim("nO") is None:
        model.set_dim("nO", upstream.get_dim("nO"))


def _listener_forward(model: Model, docs: list, is_train: bool):
    upstream = model.attrs["upstream"]
    if upstream is None:  # spaCy's listener without its transformer: zeros, one row per token
        width = model.get_dim("nO")
        return [DocData(model.ops.alloc2f(len(doc), width), _ragged(model, [[i] for i in range(len(doc))]))
                for doc in docs], lambda d: []
    batch, backprop_upstream = upstream(docs, is_train)
    datas, backprop_split = _split_forward(model, batch, is_train)
    return datas, lambda d_datas: backprop_upstream(backprop_split(d_datas))


# -- listeners -----------------------------------------------------------------------------------------

def connect(listener_model: Model, upstream: Model) -> None:
    """A listener reads its upstream transformer component, with its width."""
    listener_model.attrs["upstream"] = upstream
    if listener_model.maybe_get_dim("nO") is None and upstream.has_dim("nO"):
        listener_model.set_dim("nO", upstream.get_dim("nO"))


BUILDERS = {  # the span getters (the models are built from their expressions: interpret.py)
    "spacy-transformers.strided_spans.v1": strided_spans,
    "spacy-transformers.doc_spans.v1": doc_spans,
    "spacy-transformers.sent_spans.v1": sent_spans,
}

__all__ = ["BUILDERS", "Batch", "DocData", "connect", "model_directory", "model_sizes", "static_sizes"]
