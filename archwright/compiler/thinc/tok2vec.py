"""Builders of the tok2vec family: embeddings (hash tables, characters, static vectors) and
context encoders, composed from Thinc's layers as the spec describes them."""

from __future__ import annotations

from collections.abc import Callable

from thinc.api import (
    HashEmbed,
    Maxout,
    Mish,
    Model,
    chain,
    clone,
    concatenate,
    expand_window,
    list2ragged,
    noop,
    ragged2list,
    residual,
    with_array,
    with_padded,
)

from ...diagnostics import Diagnostic
from ..doc import ATTRIBUTES
from . import _layers
from ._context import Context, Unbuildable

HASH_EMBED_SUBWORD = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]


def _normalized_maxout(n_out: int, n_in: int, pieces: int = 3) -> Model:
    return Maxout(n_out, n_in, nP=pieces, dropout=0.0, normalize=True)


def _multi_hash_embed(width: int, attrs: list[str], rows: list[int], ctx: Context, static: bool) -> Model:
    """One hash table per attribute (seeds 8, 9, ...), the tables concatenated, with the projected
    static vectors beside them when asked, mixed back to `width` by a normalized maxout layer."""
    if len(rows) != len(attrs):
        raise Unbuildable(Diagnostic("AW505", f"`attrs` has {len(attrs)} entries but `rows` has {len(rows)}",
                                     config_path=ctx.path, hint="give one row count per attribute"))
    _known_attributes(attrs, ctx)
    tables = [HashEmbed(width, n, column=i, seed=8 + i, dropout=0.0) for i, n in enumerate(rows)]
    mix = with_array(_normalized_maxout(width, width * (len(tables) + static)))
    features = [_layers.extract_features(list(attrs)), list2ragged(), with_array(concatenate(*tables))]
    if static:
        vectors = _layers.static_vectors(width, ctx.need_vectors("spacy.StaticVectors"))
        return chain(concatenate(chain(*features), vectors), mix, ragged2list())
    return chain(*features, mix, ragged2list())


def multi_hash_embed(block: dict, ctx: Context) -> Model:
    return _multi_hash_embed(block["width"], list(block["attrs"]), list(block["rows"]), ctx,
                             bool(block["include_static_vectors"]))


def character_embed(block: dict, ctx: Context) -> Model:
    """The first and last bytes of each word, embedded, beside a hash embedding of one attribute
    (and static vectors), mixed to `width`."""
    width, n_m, n_c = block["width"], block["nM"], block["nC"]
    chars = chain(_layers.charembed(n_m, n_c), list2ragged())
    feature = chain(_layers.extract_features([str(block.get("feature", "LOWER"))]), list2ragged(),
                    with_array(HashEmbed(nO=width, nV=block["rows"], column=0, seed=5)))
    parts = [chars, feature]
    if block["include_static_vectors"]:
        parts.append(_layers.static_vectors(width, ctx.need_vectors("spacy.CharacterEmbed")))
    mix = with_array(_normalized_maxout(width, n_m * n_c + width * (len(parts) - 1)))
    return chain(concatenate(*parts), mix, ragged2list())


def _window_stack(block: dict, activation: Callable[[int, int], Model]) -> Model:
    width, window = block["width"], block["window_size"]
    model = clone(residual(chain(expand_window(window_size=window), activation(width, width * (2 * window + 1)))),
                  block["depth"])
    model.set_dim("nO", width)
    return model


def maxout_window_encoder(block: dict, ctx: Context) -> Model:
    """Residual convolutions: each layer sees `window_size` neighbours a side (padded per doc)."""
    pieces = block["maxout_pieces"]
    model = _window_stack(block, lambda o, i: _normalized_maxout(o, i, pieces))
    return with_array(model, pad=block["window_size"] * block["depth"])


def maxout_window_encoder_v1(block: dict, ctx: Context) -> Model:
    """v1 leaves the padding to Tok2Vec.v1, through the `receptive_field` attribute."""
    pieces = block["maxout_pieces"]
    model = _window_stack(block, lambda o, i: _normalized_maxout(o, i, pieces))
    model.attrs["receptive_field"] = block["window_size"] * block["depth"]
    return model


def mish_window_encoder(block: dict, ctx: Context) -> Model:
    return with_array(_window_stack(block, lambda o, i: Mish(nO=o, nI=i, dropout=0.0, normalize=True)))


def mish_window_encoder_v1(block: dict, ctx: Context) -> Model:
    model = _window_stack(block, lambda o, i: Mish(nO=o, nI=i, dropout=0.0, normalize=True))
    model.attrs["receptive_field"] = block["window_size"] * block["depth"]
    return model


def bilstm_encoder(block: dict, ctx: Context) -> Model:
    """Bidirectional LSTM layers over the padded batch (PyTorch)."""
    if block["depth"] == 0:
        return noop()
    require("torch", "spacy.TorchBiLSTMEncoder.v1", "torch", ctx)
    from thinc.api import PyTorchLSTM

    return with_padded(PyTorchLSTM(block["width"], block["width"], bi=True, depth=block["depth"],
                                   dropout=block["dropout"]))


def tok2vec(block: dict, ctx: Context) -> Model:
    embed, encode = ctx.block(block["embed"], "embed"), ctx.block(block["encode"], "encode")
    model = chain(embed, encode)
    if encode.has_dim("nO"):
        model.set_dim("nO", encode.get_dim("nO"))
    model.set_ref("embed", embed)
    model.set_ref("encode", encode)
    return model


def tok2vec_v1(block: dict, ctx: Context) -> Model:
    embed, encode = ctx.block(block["embed"], "embed"), ctx.block(block["encode"], "encode")
    model = chain(embed, with_array(encode, pad=encode.attrs.get("receptive_field", 0)))
    model.set_dim("nO", encode.get_dim("nO"))
    model.set_ref("embed", embed)
    model.set_ref("encode", encode)
    return model


def hash_embed_cnn(block: dict, ctx: Context) -> Model:
    """Tok2Vec of a MultiHashEmbed (NORM, or NORM, PREFIX, SUFFIX and SHAPE) and a
    MaxoutWindowEncoder."""
    size, width = block["embed_size"], block["width"]
    subword = block["subword_features"]
    attrs = HASH_EMBED_SUBWORD if subword else ["NORM"]
    rows = [size, size // 2, size // 2, size // 2] if subword else [size]
    embed = _multi_hash_embed(width, attrs, rows, ctx, bool(block.get("pretrained_vectors")))
    encode = maxout_window_encoder(block, ctx)
    model = chain(embed, encode)
    model.set_dim("nO", width)
    model.set_ref("embed", embed)
    model.set_ref("encode", encode)
    return model


def listener(block: dict, ctx: Context) -> Model:
    model = _layers.tok2vec_listener(block["width"], block.get("upstream", "*"))
    ctx.listeners.append(model)
    return model


def static_vectors(block: dict, ctx: Context) -> Model:
    model = _layers.static_vectors(block.get("nO"), ctx.need_vectors("spacy.StaticVectors.v2"))
    if block.get("dropout"):
        model.attrs["dropout_rate"] = block["dropout"]
    return model


def feature_extractor(block: dict, ctx: Context) -> Model:
    columns = [str(c) for c in block["columns"]]
    _known_attributes(columns, ctx)
    return _layers.extract_features(columns)


def _known_attributes(names: list[str], ctx: Context) -> None:
    unknown = [name for name in names if name not in ATTRIBUTES]
    if unknown:
        raise Unbuildable(Diagnostic(
            "AW505", f"archwright's Doc does not compute the token attribute {unknown[0]!r}",
            config_path=ctx.path, hint=f"use one of {', '.join(ATTRIBUTES)}"))


def require(module: str, architecture: str, extra: str, ctx: Context) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise Unbuildable(Diagnostic(
            "AW501", f"{architecture} needs the `{module}` package, which is not installed", config_path=ctx.path,
            hint=f"pip install 'archwright[{extra}]'"))


BUILDERS = {
    "spacy.Tok2Vec.v1": tok2vec_v1,
    "spacy.Tok2Vec.v2": tok2vec,
    "spacy.HashEmbedCNN.v1": hash_embed_cnn,
    "spacy.HashEmbedCNN.v2": hash_embed_cnn,
    "spacy.Tok2VecListener.v1": listener,
    "spacy.MultiHashEmbed.v1": multi_hash_embed,
    "spacy.MultiHashEmbed.v2": multi_hash_embed,
    "spacy.CharacterEmbed.v2": character_embed,
    "spacy.MaxoutWindowEncoder.v1": maxout_window_encoder_v1,
    "spacy.MaxoutWindowEncoder.v2": maxout_window_encoder,
    "spacy.MishWindowEncoder.v1": mish_window_encoder_v1,
    "spacy.MishWindowEncoder.v2": mish_window_encoder,
    "spacy.TorchBiLSTMEncoder.v1": bilstm_encoder,
    "spacy.StaticVectors.v2": static_vectors,
    "spacy.FeatureExtractor.v1": feature_extractor,
}
