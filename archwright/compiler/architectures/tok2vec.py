"""Tok2Vec architectures: embedding and encoding token vectors (spec: "Tok2Vec architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, same_length, spec_card, variant

FAMILY = "tok2vec"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
VECTORS_TO_VECTORS = "Model[List[Floats2d], List[Floats2d]]"

HASH_EMBED_SUBWORD = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]


def _normalized_maxout(n_out, n_in, pieces: int = 3) -> x.Node:
    return x.Maxout(n_out, n_in, pieces, normalize=True, dropout=0.0)


def multi_hash_embed_layers(a: Args, width, attrs: list, rows: list, static: bool) -> x.Node:
    """One hash table per attribute (seeds 8, 9, ...), concatenated, with the projected static
    vectors beside them when asked, mixed back to `width` by a normalized maxout layer."""
    tables = [x.HashEmbed(width, n, column=i, seed=8 + i, dropout=0.0) for i, n in enumerate(rows)]
    mix = x.with_array(_normalized_maxout(width, width * (len(tables) + static)))
    features = [x.extract_features([str(c) for c in attrs]), x.list2ragged(), x.with_array(x.concatenate(*tables))]
    if static:
        vectors = x.static_vectors(width, a.symbol("vectors_width"), dropout=0.0)
        return x.chain(x.concatenate(x.chain(*features), vectors), mix, x.ragged2list())
    return x.chain(*features, mix, x.ragged2list())


def multi_hash_embed(a: Args) -> x.Node:
    return multi_hash_embed_layers(a, a["width"], list(a["attrs"]), list(a["rows"]), bool(a["include_static_vectors"]))


def character_embed(a: Args) -> x.Node:
    """The first and last bytes of each word, embedded, beside a hash embedding of one attribute
    (and static vectors), mixed to `width`."""
    width, n_m, n_c = a["width"], a["nM"], a["nC"]
    parts = [x.chain(x.charembed(n_m, n_c), x.list2ragged()),
             x.chain(x.extract_features([str(a.get("feature", "LOWER"))]), x.list2ragged(),
                     x.with_array(x.HashEmbed(width, a["rows"], column=0, seed=5)))]
    if a["include_static_vectors"]:
        parts.append(x.static_vectors(width, a.symbol("vectors_width"), dropout=0.0))
    mix = x.with_array(_normalized_maxout(width, n_m * n_c + width * (len(parts) - 1)))
    return x.chain(x.concatenate(*parts), mix, x.ragged2list())


def window_stack(width, window: int, depth: int, activation) -> x.Node:
    """`depth` residual blocks, each a window of neighbours into the activation."""
    block = x.residual(x.chain(x.expand_window(window), activation(width, width * (2 * window + 1))))
    return x.with_dims(x.clone(block, depth), nO=width)


def maxout_window_encoder(a: Args) -> x.Node:
    """Residual convolutions, each layer seeing `window_size` neighbours a side (padded per doc)."""
    stack = window_stack(a["width"], a["window_size"], a["depth"],
                         lambda o, i: _normalized_maxout(o, i, a["maxout_pieces"]))
    return x.with_array(stack, pad=a["window_size"] * a["depth"])


def maxout_window_encoder_v1(a: Args) -> x.Node:
    """v1 leaves the padding to Tok2Vec.v1, through the `receptive_field` attribute."""
    stack = window_stack(a["width"], a["window_size"], a["depth"],
                         lambda o, i: _normalized_maxout(o, i, a["maxout_pieces"]))
    return x.with_attrs(stack, receptive_field=a["window_size"] * a["depth"])


def _mish(n_out, n_in) -> x.Node:
    return x.Mish(n_out, n_in, normalize=True, dropout=0.0)


def mish_window_encoder(a: Args) -> x.Node:
    return x.with_array(window_stack(a["width"], a["window_size"], a["depth"], _mish))


def mish_window_encoder_v1(a: Args) -> x.Node:
    return x.with_attrs(window_stack(a["width"], a["window_size"], a["depth"], _mish),
                        receptive_field=a["window_size"] * a["depth"])


def bilstm_encoder(a: Args) -> x.Node:
    """PyTorch's bidirectional LSTM, `width // 2` units each way, four gates per layer and
    direction; depth 0 is a no-op."""
    width, depth = a["width"], a["depth"]
    if depth == 0:
        return x.noop()
    hidden = width // 2
    weights = sum(2 * (4 * hidden * (width if layer == 0 else 2 * hidden) + 4 * hidden * hidden + 8 * hidden)
                  for layer in range(depth))
    return x.PyTorchLSTM(width, width, depth=depth, dropout=a["dropout"], params=weights)


def tok2vec(a: Args) -> x.Node:
    embed, encode = a.sub("embed"), a.sub("encode")
    return x.with_refs(x.with_dims(x.chain(embed, encode), nO=a.width_of(encode)), embed=embed, encode=encode)


def tok2vec_v1(a: Args) -> x.Node:
    embed, encode = a.sub("embed"), a.sub("encode")
    pad = encode.settings.get("attrs", {}).get("receptive_field", 0)
    model = x.chain(embed, x.with_array(encode, pad=pad))
    return x.with_refs(x.with_dims(model, nO=a.width_of(encode)), embed=embed, encode=encode)


def hash_embed_cnn(a: Args) -> x.Node:
    """Tok2Vec of a MultiHashEmbed (NORM, or NORM, PREFIX, SUFFIX and SHAPE) and a
    MaxoutWindowEncoder; a one-piece maxout where the spec says Mish (spaCy 3.8 builds that)."""
    size, width = a["embed_size"], a["width"]
    subword = a["subword_features"]
    attrs = HASH_EMBED_SUBWORD if subword else ["NORM"]
    rows = [size, size // 2, size // 2, size // 2] if subword else [size]
    embed = multi_hash_embed_layers(a, width, attrs, rows, bool(a.get("pretrained_vectors")))
    encode = maxout_window_encoder(a)
    return x.with_refs(x.with_dims(x.chain(embed, encode), nO=width), embed=embed, encode=encode)


def tok2vec_listener(a: Args) -> x.Node:
    """A proxy for the upstream tok2vec's output: no weights of its own (they are counted once,
    upstream), and it sees what the upstream sees."""
    upstream = a.upstream("tok2vec")
    sees = upstream[1].receptive_field if upstream else "what its upstream sees"
    return x.listener("tok2vec-listener", a["width"], str(a.get("upstream", "*")), sees)


def static_vectors(a: Args) -> x.Node:
    """Each token's static vector (`vectors_width` wide) projected to `nO`."""
    n_out = a["nO"] if isinstance(a.get("nO"), int) else a.symbol("nO")
    return x.static_vectors(n_out, a.symbol("vectors_width"), dropout=a.get("dropout"))


def feature_extractor(a: Args) -> x.Node:
    return x.extract_features([str(c) for c in a["columns"]])


CARDS = [
    spec_card(
        "spacy.Tok2Vec.v2", expression=tok2vec, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="A tok2vec model made of two subnetworks: `embed` gives each token a vector from its own "
            "features, `encode` mixes in the context.",
        args={"embed": {"annotation": DOCS_TO_VECTORS, "doc": "The embedding subnetwork."},
              "encode": {"annotation": VECTORS_TO_VECTORS, "doc": "The context encoder."}},
        example="""
[model]
@architectures = "spacy.Tok2Vec.v2"

[model.embed]
@architectures = "spacy.CharacterEmbed.v2"
width = 128
rows = 7000
nM = 64
nC = 8
include_static_vectors = false

[model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 128
window_size = 1
maxout_pieces = 3
depth = 4
"""),
    spec_card(
        "spacy.HashEmbedCNN.v2", expression=hash_embed_cnn, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="spaCy's standard tok2vec: a MultiHashEmbed of NORM (and, with subword features, PREFIX, "
            "SUFFIX and SHAPE) followed by a MaxoutWindowEncoder. Each layer of depth widens the "
            "receptive field by `window_size` tokens on each side.",
        args={"width": {**POSITIVE, "recommended": (64, 300), "doc": "Width of the input and output."},
              "depth": {**POSITIVE, "recommended": (2, 8), "doc": "Number of convolutional layers."},
              "embed_size": {**POSITIVE, "recommended": (1000, 10000), "doc": "Rows of each hash embedding table."},
              "window_size": {"ge": 0, "recommended": (1, 3), "doc": "Tokens on each side concatenated per layer."},
              "maxout_pieces": {**POSITIVE, "recommended": (1, 3), "doc": "Maxout pieces; 1 uses Mish instead."},
              "subword_features": {"doc": "Also embed prefix, suffix and shape."},
              "pretrained_vectors": {"doc": "Also use static vectors."}},
        example="""
[model]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
"""),
    spec_card(
        "spacy.Tok2VecListener.v1", expression=tok2vec_listener, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="A proxy for the output of an upstream tok2vec component: it receives that component's "
            "predictions and sends gradients back. Its width must equal the upstream output width.",
        args={"width": {**POSITIVE, "doc": "Width of the upstream component's vectors."},
              "upstream": {"doc": "Name of the upstream tok2vec component, or \"*\" for any."}},
        example="""
[model]
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "*"
"""),
    spec_card(
        "spacy.MultiHashEmbed.v2", expression=multi_hash_embed, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="One hash embedding table per lexical attribute; the embeddings (and static vectors, if "
            "included) are concatenated and mixed down to `width` by a maxout layer.",
        args={"width": {**POSITIVE, "recommended": (64, 300), "doc": "Output width, and width of each table."},
              "attrs": {"annotation": "List[Union[int, str]]", "doc": "Token attributes to embed."},
              "rows": {"doc": "Rows of each table, one number per attribute."},
              "include_static_vectors": {"doc": "Also use the vocab's static vectors."}},
        rules=(same_length("attrs", "rows"),),
        example="""
[model]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [2000, 1000, 1000, 1000]
include_static_vectors = false
"""),
    spec_card(
        "spacy.CharacterEmbed.v2", expression=character_embed, family=FAMILY, returns=DOCS_TO_VECTORS,
        doc="Embeds `nC` UTF-8 bytes of each word (half from its start, half from its end) and a "
            "hash embedding of one attribute, then mixes them with a feed-forward layer.",
        args={"width": {**POSITIVE, "doc": "Output width, and width of the attribute embedding."},
              "rows": {**POSITIVE, "doc": "Rows of the attribute embedding table."},
              "nM": {**POSITIVE, "recommended": (16, 64), "doc": "Width of each character embedding."},
              "nC": {**POSITIVE, "recommended": (3, 8), "doc": "UTF-8 bytes embedded per word."},
              "include_static_vectors": {"doc": "Also use the vocab's static vectors."},
              "feature": {"doc": "The attribute of the hash embedding."}},
        example="""
[model]
@architectures = "spacy.CharacterEmbed.v2"
width = 128
rows = 7000
nM = 64
nC = 8
include_static_vectors = false
"""),
    spec_card(
        "spacy.MaxoutWindowEncoder.v2", expression=maxout_window_encoder, family=FAMILY, returns=VECTORS_TO_VECTORS,
        doc="`depth` residual blocks, each concatenating `window_size` neighbours on either side, "
            "then maxout and layer normalization. Sees `2 * window_size * depth + 1` tokens.",
        args={"width": {**POSITIVE, "recommended": (64, 300), "doc": "Input and output width."},
              "window_size": {"ge": 0, "recommended": (1, 3), "doc": "Neighbours on each side per layer."},
              "maxout_pieces": {**POSITIVE, "recommended": (1, 3), "doc": "Maxout pieces."},
              "depth": {**POSITIVE, "recommended": (1, 8), "doc": "Number of layers."}},
        example="""
[model]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 128
window_size = 1
maxout_pieces = 3
depth = 4
"""),
    spec_card(
        "spacy.MishWindowEncoder.v2", expression=mish_window_encoder, family=FAMILY, returns=VECTORS_TO_VECTORS,
        doc="Like MaxoutWindowEncoder, with the Mish activation instead of maxout.",
        args={"width": {**POSITIVE, "recommended": (64, 300), "doc": "Input and output width."},
              "window_size": {"ge": 0, "recommended": (1, 3), "doc": "Neighbours on each side per layer."},
              "depth": {**POSITIVE, "recommended": (1, 8), "doc": "Number of layers."}},
        example="""
[model]
@architectures = "spacy.MishWindowEncoder.v2"
width = 64
window_size = 1
depth = 4
"""),
    spec_card(
        "spacy.TorchBiLSTMEncoder.v1", expression=bilstm_encoder, family=FAMILY, returns=VECTORS_TO_VECTORS,
        doc="Bidirectional LSTM layers (PyTorch); each token sees the whole document.",
        args={"width": {**POSITIVE, "doc": "Input and output width."},
              "depth": {**POSITIVE, "doc": "Number of stacked LSTM layers."},
              "dropout": {"ge": 0, "lt": 1, "doc": "Dropout between LSTM layers."}},
        example="""
[model]
@architectures = "spacy.TorchBiLSTMEncoder.v1"
width = 64
depth = 2
dropout = 0.0
"""),
    spec_card(
        "spacy.StaticVectors.v2", expression=static_vectors, registry="layers", family=FAMILY, returns="Model[List[Doc], Ragged]",
        doc="Looks tokens up in the vocab's static vectors table and projects them linearly to `nO`. "
            "spaCy registers it as a layer (`@layers`), although the spec lists it with the architectures.",
        args={"nO": {"gt": 0, "doc": "Output width after the projection."},
              "nM": {"gt": 0, "doc": "Width of the static vectors."},
              "dropout": {"ge": 0, "lt": 1, "doc": "Dropout per dimension over the batch."},
              "init_W": {"annotation": "Callable[[Ops, Tuple[int, ...]], FloatsXd]", "doc": "Initializer."},
              "key_attr": {"doc": "The attribute used as key into the vectors table."}},
        example="""
[model]
@layers = "spacy.StaticVectors.v2"
nO = null
nM = null
dropout = 0.2
key_attr = "ORTH"

[model.init_W]
@initializers = "glorot_uniform_init.v1"
"""),
    spec_card(
        "spacy.FeatureExtractor.v1", expression=feature_extractor, registry="layers", family=FAMILY, returns="Model[List[Doc], List[Ints2d]]",
        doc="Extracts an array of token attributes from each Doc. Registered as a layer (`@layers`).",
        args={"columns": {"annotation": "List[Union[int, str]]", "doc": "The token attributes to extract."}},
        example="""
[model]
@layers = "spacy.FeatureExtractor.v1"
columns = ["NORM", "PREFIX", "SUFFIX", "SHAPE", "ORTH"]
"""),
]
BY_NAME = {card.name: card for card in CARDS}
CARDS += [
    variant(BY_NAME["spacy.Tok2Vec.v2"], "spacy.Tok2Vec.v1", tok2vec_v1,
            "The first Tok2Vec: it pads the encoder's input by the encoder's receptive field itself."),
    variant(BY_NAME["spacy.HashEmbedCNN.v2"], "spacy.HashEmbedCNN.v1"),
    variant(BY_NAME["spacy.MultiHashEmbed.v2"], "spacy.MultiHashEmbed.v1"),
    variant(BY_NAME["spacy.MaxoutWindowEncoder.v2"], "spacy.MaxoutWindowEncoder.v1", maxout_window_encoder_v1,
            "The first MaxoutWindowEncoder: it reads one array and leaves the padding to Tok2Vec.v1."),
    variant(BY_NAME["spacy.MishWindowEncoder.v2"], "spacy.MishWindowEncoder.v1", mish_window_encoder_v1,
            "The first MishWindowEncoder: it reads one array and leaves the padding to Tok2Vec.v1."),
]
