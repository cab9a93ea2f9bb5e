"""Tok2Vec architectures: embedding and encoding token vectors (spec: "Tok2Vec architectures")."""

from __future__ import annotations

from ._card import POSITIVE, same_length, spec_card

FAMILY = "tok2vec"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
VECTORS_TO_VECTORS = "Model[List[Floats2d], List[Floats2d]]"

CARDS = [
    spec_card(
        "spacy.Tok2Vec.v2", family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy.HashEmbedCNN.v2", family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy.Tok2VecListener.v1", family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy.MultiHashEmbed.v2", family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy.CharacterEmbed.v2", family=FAMILY, returns=DOCS_TO_VECTORS,
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
        "spacy.MaxoutWindowEncoder.v2", family=FAMILY, returns=VECTORS_TO_VECTORS,
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
        "spacy.MishWindowEncoder.v2", family=FAMILY, returns=VECTORS_TO_VECTORS,
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
        "spacy.TorchBiLSTMEncoder.v1", family=FAMILY, returns=VECTORS_TO_VECTORS,
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
        "spacy.StaticVectors.v2", registry="layers", family=FAMILY, returns="Model[List[Doc], Ragged]",
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
        "spacy.FeatureExtractor.v1", registry="layers", family=FAMILY, returns="Model[List[Doc], List[Ints2d]]",
        doc="Extracts an array of token attributes from each Doc. Registered as a layer (`@layers`).",
        args={"columns": {"annotation": "List[Union[int, str]]", "doc": "The token attributes to extract."}},
        example="""
[model]
@layers = "spacy.FeatureExtractor.v1"
columns = ["NORM", "PREFIX", "SUFFIX", "SHAPE", "ORTH"]
"""),
]
