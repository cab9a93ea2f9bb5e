"""Text classification models (spec: "Text classification architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, hash_embed_cnn, spec_card, variant

FAMILY = "textcat"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
DOCS_TO_SCORES = "Model[List[Doc], Floats2d]"

_NO = {**POSITIVE, "doc": "Number of labels; the text categorizer sets it at initialization when null."}
_EXCLUSIVE = {"doc": "Whether each text has exactly one label (softmax) rather than any number (logistic)."}
_NGRAM = {**POSITIVE, "doc": "Longest n-gram used as a bag-of-words feature (3: uni-, bi- and trigrams)."}


def _bow_args() -> dict:
    return {"exclusive_classes": _EXCLUSIVE, "ngram_size": _NGRAM,
            "no_output_layer": {"doc": "Leave out the output layer (softmax or logistic)."},
            "nO": _NO}


def _cnn_args() -> dict:
    return {"tok2vec": {"doc": "The tok2vec whose vectors are mean-pooled per text."},
            "exclusive_classes": _EXCLUSIVE, "nO": _NO}


NEG_VALUE = -5000  # bias of unseen classes when an output layer grows
REDUCTIONS = ("first", "last", "max", "mean")


def _bow(exclusive: bool, ngram_size: int, no_output_layer: bool, given, n_out, sparse_length=None,
         v2: bool = False, resizable_output: bool = True) -> x.Node:
    """Hashed n-grams of the document into a sparse linear layer (on CPU), then softmax or logistic."""
    fill = {"b": 0, "W": 0}
    output = None
    if not no_output_layer:
        fill["b"] = NEG_VALUE
        output = x.softmax_activation() if exclusive else x.Logistic()
    sparse = x.SparseLinear(n_out, sparse_length if sparse_length is not None else 2 ** 18, v2=v2)
    # spaCy makes the layer without its size and sets it after wrapping it (so the wrappers keep none)
    sparse = x.node(sparse.op, dims=sparse.dims, late_dims=("nO",) if given is None else ())
    linear = x.resizable(sparse, fill) if resizable_output else sparse
    model = x.with_cpu(x.chain(x.extract_ngrams(ngram_size), linear))
    if output is not None:
        model = x.chain(model, x.with_cpu(output))
    if given is not None:
        model = x.with_dims(model, nO=given)
    return x.with_attrs(x.with_refs(model, output_layer=sparse), multi_label=not exclusive)


def _given(a: Args):
    value = a.get("nO")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def textcat_bow_v1(a: Args) -> x.Node:
    return _bow(a["exclusive_classes"], a["ngram_size"], a["no_output_layer"], _given(a), a.size("n_labels"),
                resizable_output=False)


def textcat_bow_v2(a: Args) -> x.Node:
    return _bow(a["exclusive_classes"], a["ngram_size"], a["no_output_layer"], _given(a), a.size("n_labels"))


def textcat_bow_v3(a: Args) -> x.Node:
    length = a.get("length", 262144)
    if length < 1:
        raise x.Refused(f"`length` is {length}; it must be at least 1", "length", "use a power of two such as 262144")
    return _bow(a["exclusive_classes"], a["ngram_size"], a["no_output_layer"], _given(a), a.size("n_labels"),
                2 ** (length - 1).bit_length(), v2=True)  # rounded up to a power of two


def _classifier(model: x.Node, n_out, exclusive: bool, tok2vec: x.Node | None = None,
                output: x.Node | None = None) -> x.Node:
    """What spaCy's text classifiers carry: `nO`, the `multi_label` attribute and, where spaCy
    sets them, refs to the tok2vec and the output layer."""
    refs = {name: node for name, node in (("tok2vec", tok2vec), ("output_layer", output)) if node is not None}
    return x.with_attrs(x.with_refs(x.with_dims(model, nO=n_out), **refs), multi_label=not exclusive)


def _reduce_classifier(a: Args, reductions: list[str]) -> x.Node:
    inner = a.sub("tok2vec")
    exclusive, n_out = a["exclusive_classes"], a.size("n_labels")
    if not reductions:
        raise x.Refused("TextCatReduce.v1 needs at least one reduction", "use_reduce_mean",
                        "set one of use_reduce_first/last/max/mean to true")
    n_in = a.width_of(inner) * len(reductions)
    fill = {"b": NEG_VALUE if exclusive else 0, "W": 0}
    output = x.Softmax(n_out, n_in) if exclusive else x.Linear(n_out, n_in)
    model = x.pipe(inner, x.list2ragged(), x.concatenate(*(x.reduce(r) for r in reductions)), x.resizable(output, fill))
    if not exclusive:
        model = x.pipe(model, x.Logistic())
    return _classifier(model, n_out, exclusive, inner, output)


def textcat_cnn(a: Args) -> x.Node:
    """Token vectors mean-pooled over the document, then softmax (exclusive) or linear+logistic."""
    return _reduce_classifier(a, ["mean"])


def textcat_reduce(a: Args) -> x.Node:
    return _reduce_classifier(a, [r for r in REDUCTIONS if a.get(f"use_reduce_{r}")])


def textcat_cnn_v1(a: Args) -> x.Node:
    inner = a.sub("tok2vec")
    n_out, exclusive, width = a.size("n_labels"), a["exclusive_classes"], a.width_of(inner)
    if exclusive:
        output = x.Softmax(n_out, width)
        model = x.pipe(inner, x.list2ragged(), x.reduce("mean"), output)
    else:
        output = x.Linear(n_out, width)
        model = x.pipe(inner, x.list2ragged(), x.reduce("mean"), output, x.Logistic())
    return _classifier(model, n_out, exclusive, inner, output)


def textcat_ensemble(a: Args) -> x.Node:
    """A bag-of-words model beside attention-pooled token vectors, concatenated, then an output
    layer (softmax, or linear+logistic for multi-label) over `width + n_labels` inputs."""
    inner, linear_model = a.sub("tok2vec"), a.sub("linear_model")
    n_out = a.size("n_labels")
    exclusive = not linear_model.settings.get("attrs", {}).get("multi_label", False)
    width = a.width_of(inner)
    cnn = x.pipe(inner, x.list2ragged(), x.ParametricAttention(width), x.reduce("sum"),
                 x.residual(x.pipe(x.Maxout(width, width), x.layer_norm(width), x.Dropout(0.0))))
    output = x.Softmax(n_out) if exclusive else x.pipe(x.Linear(n_out), x.Logistic())
    return _classifier(x.pipe(x.concatenate(linear_model, cnn), output), n_out, exclusive, inner)


def textcat_ensemble_v1(a: Args) -> x.Node:
    """The first ensemble: its own hash-embedding CNN (LOWER, PREFIX, SUFFIX, SHAPE tables,
    computed once per distinct word), attention-pooled to `nO`, beside a bag-of-words model; the
    output layer reads both label scores (`2·n_labels`)."""
    width, rows, dropout = a["width"], a["embed_size"], a["dropout"]
    n_out, exclusive = a.size("n_labels"), a["exclusive_classes"]
    depth, window = a["conv_depth"], a["window_size"]
    cols = ["ORTH", "LOWER", "PREFIX", "SUFFIX", "SHAPE", "ID"]
    tables = [x.HashEmbed(w, rows, column=cols.index(attr), dropout=dropout, seed=seed)
              for attr, w, seed in (("LOWER", width, 10), ("PREFIX", width // 2, 11),
                                    ("SUFFIX", width // 2, 12), ("SHAPE", width // 2, 13))]
    n_in = width + 3 * (width // 2)
    embedded = x.pipe(x.extract_features(cols), x.with_array(x.uniqued(
        x.pipe(x.concatenate(*tables), x.Maxout(width, n_in, normalize=True)), column=cols.index("ORTH"))))
    vectors_width = width
    if a["pretrained_vectors"]:
        embedded = x.concatenate(embedded, x.static_vectors(width, a.symbol("vectors_width")))
        vectors_width = width * 2
    conv = x.residual(x.pipe(x.expand_window(window), x.Maxout(width, width * (window * 2 + 1), normalize=True)))
    inner = x.pipe(embedded, x.with_array(x.pipe(x.Maxout(width, vectors_width, normalize=True), x.clone(conv, depth)),
                                          pad=depth))
    cnn = x.pipe(inner, x.list2ragged(), x.ParametricAttention(width), x.reduce("sum"),
                 x.residual(x.Maxout(width, width)), x.Linear(n_out, width), x.Dropout(0.0))
    linear_model = _bow(exclusive, a["ngram_size"], False, _given(a), n_out, resizable_output=False)
    output = x.Softmax(n_out, n_out * 2) if exclusive else \
        x.pipe(x.Linear(n_out, n_out * 2), x.Dropout(0.0), x.Logistic())
    return _classifier(x.pipe(x.concatenate(linear_model, cnn), output), n_out, exclusive, inner)


def textcat_parametric_attention(a: Args) -> x.Node:
    inner = a.sub("tok2vec")
    width, n_out, exclusive = a.width_of(inner), a.size("n_labels"), a["exclusive_classes"]
    attention = x.ParametricAttention(width, key_transform=x.Gelu(width, width))
    pooled = x.pipe(inner, x.list2ragged(), attention, x.reduce("sum"),
                    x.residual(x.pipe(x.Maxout(width, width), x.layer_norm(width), x.Dropout(0.0))))
    output = x.Softmax(n_out) if exclusive else x.pipe(x.Linear(n_out), x.Logistic())
    return _classifier(x.pipe(pooled, output), n_out, exclusive)


CARDS = [
    spec_card(
        "spacy.TextCatEnsemble.v2", expression=textcat_ensemble, family=FAMILY, returns=DOCS_TO_SCORES,
        doc="Stacks a linear bag-of-words model with a neural model (a tok2vec with attention). "
            "Whether labels are exclusive comes from the linear model.",
        args={"tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "The tok2vec of the neural model."},
              "linear_model": {"annotation": DOCS_TO_SCORES, "doc": "The bag-of-words model."},
              "nO": _NO},
        example="""
[model]
@architectures = "spacy.TextCatEnsemble.v2"
nO = null

[model.linear_model]
@architectures = "spacy.TextCatBOW.v2"
exclusive_classes = true
ngram_size = 1
no_output_layer = false

[model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
rows = [2000, 2000, 1000, 1000, 1000, 1000]
attrs = ["ORTH", "LOWER", "PREFIX", "SUFFIX", "SHAPE", "ID"]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = ${model.tok2vec.embed.width}
window_size = 1
maxout_pieces = 3
depth = 2
"""),
    spec_card(
        "spacy.TextCatCNN.v2", expression=textcat_cnn, family=FAMILY, returns=DOCS_TO_SCORES,
        doc="Mean-pools the vectors of a tok2vec (a CNN) and classifies them with a feed-forward "
            "layer. Faster, usually less accurate than the ensemble. Labels can be added later.",
        args=_cnn_args(),
        example="""
[model]
@architectures = "spacy.TextCatCNN.v2"
exclusive_classes = false
nO = null

""" + hash_embed_cnn("model.tok2vec")),
    spec_card(
        "spacy.TextCatBOW.v2", expression=textcat_bow_v2, family=FAMILY, returns=DOCS_TO_SCORES,
        doc="A linear model over n-gram (bag-of-words) features: the fastest, and weaker on short "
            "texts. Labels can be added later.",
        args=_bow_args(),
        example="""
[model]
@architectures = "spacy.TextCatBOW.v2"
exclusive_classes = false
ngram_size = 1
no_output_layer = false
nO = null
"""),
    spec_card(
        "spacy.TextCatEnsemble.v1", expression=textcat_ensemble_v1, family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier ensemble of a bag-of-words and a neural model, which builds its own tok2vec "
            "from the sizes given instead of taking one as argument.",
        args={"width": {**POSITIVE, "doc": "Width of the internal tok2vec's vectors."},
              "embed_size": {**POSITIVE, "doc": "Rows of the internal hash embedding tables."},
              "pretrained_vectors": {"doc": "Also use static vectors in the internal tok2vec."},
              "exclusive_classes": _EXCLUSIVE,
              "ngram_size": _NGRAM,
              "window_size": {"ge": 0, "doc": "Neighbours concatenated on each side in the internal tok2vec."},
              "conv_depth": {**POSITIVE, "doc": "Number of layers of the internal tok2vec."},
              "dropout": {"ge": 0, "lt": 1, "doc": "Dropout rate."},
              "nO": _NO},
        example="""
[model]
@architectures = "spacy.TextCatEnsemble.v1"
exclusive_classes = false
pretrained_vectors = null
width = 64
embed_size = 2000
conv_depth = 2
window_size = 1
ngram_size = 1
dropout = 0.0
nO = null
"""),
    spec_card(
        "spacy.TextCatCNN.v1", expression=textcat_cnn_v1, family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier TextCatCNN with the same arguments, which cannot take new labels after training.",
        args=_cnn_args(),
        example="""
[model]
@architectures = "spacy.TextCatCNN.v1"
exclusive_classes = false
nO = null

""" + hash_embed_cnn("model.tok2vec")),
    spec_card(
        "spacy.TextCatBOW.v1", expression=textcat_bow_v1, family=FAMILY, returns=DOCS_TO_SCORES, legacy=True,
        doc="Earlier TextCatBOW with the same arguments, which cannot take new labels after training.",
        args=_bow_args(),
        example="""
[model]
@architectures = "spacy.TextCatBOW.v1"
exclusive_classes = false
ngram_size = 1
no_output_layer = false
nO = null
"""),
]
BY_NAME = {card.name: card for card in CARDS}
CARDS += [
    variant(BY_NAME["spacy.TextCatBOW.v2"], "spacy.TextCatBOW.v3", textcat_bow_v3,
            "A bag of hashed n-grams into a sparse linear layer of `length` rows (rounded up to a power of two).",
            args={"length": {"gt": 0, "doc": "Rows of the sparse linear layer's hash table (a power of two)."}},
            example="""
[model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = false
ngram_size = 1
no_output_layer = false
length = 262144
nO = null
"""),
    variant(BY_NAME["spacy.TextCatCNN.v2"], "spacy.TextCatReduce.v1", textcat_reduce,
            "Token vectors pooled by each chosen reduction (first, last, max, mean), concatenated, "
            "into the output layer.",
            args={f"use_reduce_{r}": {"doc": f"Pool the token vectors by their {r}."} for r in REDUCTIONS},
            example="""
[model]
@architectures = "spacy.TextCatReduce.v1"
exclusive_classes = false
use_reduce_first = false
use_reduce_last = false
use_reduce_max = true
use_reduce_mean = true
nO = null

""" + hash_embed_cnn("model.tok2vec")),
    variant(BY_NAME["spacy.TextCatCNN.v2"], "spacy.TextCatParametricAttention.v1", textcat_parametric_attention,
            "Attention over the token vectors (keys through a GELU layer), summed, a residual maxout with "
            "layer normalization, and the output layer."),
]
