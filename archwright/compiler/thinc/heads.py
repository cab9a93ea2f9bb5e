"""Builders of the task models on top of a tok2vec: tagger, text classifiers, span categorizer,
entity linker and the transition-based parser."""

from __future__ import annotations

from functools import partial

from thinc.api import (
    Dropout,
    Gelu,
    LayerNorm,
    Linear,
    Logistic,
    Maxout,
    Model,
    ParametricAttention,
    ParametricAttention_v2,
    Softmax,
    Softmax_v2,
    SparseLinear,
    SparseLinear_v2,
    chain,
    concatenate,
    glorot_uniform_init,
    list2array,
    list2ragged,
    reduce_first,
    reduce_last,
    reduce_max,
    reduce_mean,
    reduce_sum,
    residual,
    resizable,
    softmax_activation,
    tuplify,
    with_array,
    with_cpu,
    with_getitem,
    zero_init,
)
from thinc.layers.resizable import resize_linear_weighted

from ...diagnostics import Diagnostic
from . import _layers
from ._context import Context, Unbuildable

NEG_VALUE = -5000  # bias of unseen classes when an output layer grows


def _pipe(*layers: Model) -> Model:
    """`a >> b >> c` as spaCy writes it with Thinc's operator: chains nested pairwise, each
    intermediate chain a node of its own."""
    model = layers[0]
    for layer in layers[1:]:
        model = chain(model, layer)
    return model


def _cat(*layers: Model) -> Model:
    """`a | b | c` as spaCy writes it: Thinc's concatenate extends its first argument in place
    when that is a concatenation, keeping the first name ("a|b")."""
    model = layers[0]
    for layer in layers[1:]:
        model = concatenate(model, layer)
    return model


def _given(block: dict) -> int | None:
    value = block.get("nO")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _width(model: Model) -> int | None:
    return model.maybe_get_dim("nO")


def _positional(block: dict, ctx: Context) -> list[Model]:
    parts = block.get("*") if isinstance(block.get("*"), dict) else {}
    return [ctx.block(part, str(key)) for key, part in parts.items()]


def chain_layers(block: dict, ctx: Context) -> Model:
    """Thinc's chain.v1 of the `*` blocks (what a --code function that returns chain(...) builds)."""
    return chain(*_positional(block, ctx))


def concatenate_layers(block: dict, ctx: Context) -> Model:
    return concatenate(*_positional(block, ctx))


def tagger(block: dict, ctx: Context) -> Model:
    """Token vectors, each through a softmax layer (zero-initialized)."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    n_out = ctx.size(block, "n_labels")
    if block.get("@architectures") == "spacy.Tagger.v1":
        output = Softmax(n_out, _width(inner), init_W=zero_init)
    else:
        output = Softmax_v2(n_out, _width(inner), init_W=zero_init, normalize_outputs=bool(block.get("normalize")))
    model = chain(inner, with_array(output))
    model.set_ref("tok2vec", inner)
    model.set_ref("output_layer", output)
    return model


def _bow(block: dict, ctx: Context, sparse: Model, resizable_output: bool) -> Model:
    """Hashed n-grams of the document into a sparse linear layer (on CPU), then softmax or logistic."""
    exclusive = block["exclusive_classes"]
    fill = {"b": 0, "W": 0}
    output = None
    if not block["no_output_layer"]:
        fill["b"] = NEG_VALUE
        output = softmax_activation() if exclusive else Logistic()
    linear = resizable(sparse, resize_layer=partial(resize_linear_weighted, fill_defaults=fill)) \
        if resizable_output else sparse
    model = chain(_layers.extract_ngrams(block["ngram_size"], attr="ORTH"), linear)
    model = with_cpu(model, model.ops)
    # spaCy creates the layer without its size (known from data later), and with_cpu copied the
    # unset size: set it only now
    if not sparse.has_dim("nO"):
        sparse.set_dim("nO", ctx.size(block, "n_labels"))
    if output is not None:
        model = chain(model, with_cpu(output, output.ops))
    if isinstance(block.get("nO"), int):
        model.set_dim("nO", block["nO"])
    model.set_ref("output_layer", sparse)
    model.attrs["multi_label"] = not exclusive
    return model


def textcat_bow_v1(block: dict, ctx: Context) -> Model:
    return _bow(block, ctx, SparseLinear(_given(block)), resizable_output=False)


def textcat_bow_v2(block: dict, ctx: Context) -> Model:
    return _bow(block, ctx, SparseLinear(_given(block)), resizable_output=True)


def textcat_bow_v3(block: dict, ctx: Context) -> Model:
    length = block.get("length", 262144)
    if length < 1:
        raise Unbuildable(Diagnostic("AW505", f"`length` is {length}; it must be at least 1",
                                     config_path=f"{ctx.path}.length", hint="use a power of two such as 262144"))
    length = 2 ** (length - 1).bit_length()  # rounded up to a power of two
    return _bow(block, ctx, SparseLinear_v2(nO=_given(block), length=length), resizable_output=True)


def _classifier(model: Model, n_out: int, exclusive: bool, tok2vec: Model | None = None,
                output: Model | None = None) -> Model:
    """What spaCy's text classifiers carry: `nO`, the `multi_label` attribute and, where spaCy
    sets them, refs to the tok2vec and the output layer."""
    if tok2vec is not None:
        model.set_ref("tok2vec", tok2vec)
    if output is not None:
        model.set_ref("output_layer", output)
    model.set_dim("nO", n_out)
    model.attrs["multi_label"] = not exclusive
    return model


def _reduce_classifier(inner: Model, reductions: list[Model], exclusive: bool, n_out: int) -> Model:
    width = _width(inner)
    n_in = width * len(reductions) if width is not None else None
    fill = {"b": NEG_VALUE if exclusive else 0, "W": 0}
    output = Softmax(nO=n_out, nI=n_in) if exclusive else Linear(nO=n_out, nI=n_in)
    model = _pipe(inner, list2ragged(), concatenate(*reductions),
                  resizable(output, resize_layer=partial(resize_linear_weighted, fill_defaults=fill)))
    if not exclusive:
        model = _pipe(model, Logistic())
    return _classifier(model, n_out, exclusive, inner, output)


def textcat_cnn(block: dict, ctx: Context) -> Model:
    """Token vectors mean-pooled over the document, then softmax (exclusive) or linear+logistic."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    return _reduce_classifier(inner, [reduce_mean()], block["exclusive_classes"], ctx.size(block, "n_labels"))


def textcat_reduce(block: dict, ctx: Context) -> Model:
    inner = ctx.block(block["tok2vec"], "tok2vec")
    reductions = [make() for key, make in (("use_reduce_first", reduce_first), ("use_reduce_last", reduce_last),
                                           ("use_reduce_max", reduce_max), ("use_reduce_mean", reduce_mean))
                  if block.get(key)]
    if not reductions:
        raise Unbuildable(Diagnostic("AW505", "TextCatReduce.v1 needs at least one reduction", config_path=ctx.path,
                                     hint="set one of use_reduce_first/last/max/mean to true"))
    return _reduce_classifier(inner, reductions, block["exclusive_classes"], ctx.size(block, "n_labels"))


def textcat_cnn_v1(block: dict, ctx: Context) -> Model:
    inner = ctx.block(block["tok2vec"], "tok2vec")
    n_out, exclusive = ctx.size(block, "n_labels"), block["exclusive_classes"]
    if exclusive:
        output = Softmax(nO=n_out, nI=_width(inner))
        model = _pipe(inner, list2ragged(), reduce_mean(), output)
    else:
        output = Linear(nO=n_out, nI=_width(inner))
        model = _pipe(inner, list2ragged(), reduce_mean(), output, Logistic())
    return _classifier(model, n_out, exclusive, inner, output)


def textcat_ensemble(block: dict, ctx: Context) -> Model:
    """A bag-of-words model beside attention-pooled token vectors, concatenated, then an output
    layer (softmax, or linear+logistic for multi-label)."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    linear_model = ctx.block(block["linear_model"], "linear_model")
    n_out = ctx.size(block, "n_labels")
    exclusive = not linear_model.attrs["multi_label"]
    width = _width(inner)
    attention = ParametricAttention(width)
    cnn = _pipe(inner, list2ragged(), attention, reduce_sum(),
                residual(_pipe(Maxout(nO=width, nI=width), LayerNorm(nI=width), Dropout(0.0))))
    output = Softmax(nO=n_out, nI=None) if exclusive else _pipe(Linear(nO=n_out, nI=None), Logistic())
    return _classifier(_pipe(concatenate(linear_model, cnn), output), n_out, exclusive, inner)


def textcat_ensemble_v1(block: dict, ctx: Context) -> Model:
    """The first ensemble: its own hash-embedding CNN (LOWER, PREFIX, SUFFIX, SHAPE tables,
    computed once per distinct word), attention-pooled to `nO`, beside a bag-of-words model."""
    from thinc.api import HashEmbed, clone, expand_window, uniqued

    width, rows, dropout = block["width"], block["embed_size"], block["dropout"]
    n_out, exclusive = ctx.size(block, "n_labels"), block["exclusive_classes"]
    depth, window = block["conv_depth"], block["window_size"]
    cols = ["ORTH", "LOWER", "PREFIX", "SUFFIX", "SHAPE", "ID"]
    tables = [HashEmbed(nO=w, nV=rows, column=cols.index(attr), dropout=dropout, seed=seed)
              for attr, w, seed in (("LOWER", width, 10), ("PREFIX", width // 2, 11),
                                    ("SUFFIX", width // 2, 12), ("SHAPE", width // 2, 13))]
    n_in = sum(t.get_dim("nO") for t in tables)
    embedded = _pipe(_layers.extract_features(cols), with_array(uniqued(
        _pipe(_cat(*tables), Maxout(nO=width, nI=n_in, normalize=True)), column=cols.index("ORTH"))))
    vectors_width = width
    if block["pretrained_vectors"]:
        embedded = concatenate(embedded, _layers.static_vectors(width, ctx.need_vectors("TextCatEnsemble.v1")))
        vectors_width = width * 2
    conv = residual(_pipe(expand_window(window_size=window),
                          Maxout(nO=width, nI=width * (window * 2 + 1), normalize=True)))
    inner = _pipe(embedded, with_array(_pipe(Maxout(width, vectors_width, normalize=True), clone(conv, depth)),
                                       pad=depth))
    cnn = _pipe(inner, list2ragged(), ParametricAttention(width), reduce_sum(),
                residual(Maxout(nO=width, nI=width)), Linear(nO=n_out, nI=width), Dropout(0.0))
    linear_model = textcat_bow_v1({"exclusive_classes": exclusive, "ngram_size": block["ngram_size"],
                                   "no_output_layer": False, "nO": _given(block)}, ctx)
    output = Softmax(nO=n_out, nI=n_out * 2) if exclusive else \
        _pipe(Linear(nO=n_out, nI=n_out * 2), Dropout(0.0), Logistic())
    return _classifier(_pipe(concatenate(linear_model, cnn), output), n_out, exclusive, inner)


def textcat_parametric_attention(block: dict, ctx: Context) -> Model:
    inner = ctx.block(block["tok2vec"], "tok2vec")
    width, n_out, exclusive = _width(inner), ctx.size(block, "n_labels"), block["exclusive_classes"]
    attention = ParametricAttention_v2(nO=width, key_transform=Gelu(nI=width, nO=width))
    pooled = _pipe(inner, list2ragged(), attention, reduce_sum(),
                   residual(_pipe(Maxout(nI=width, nO=width), LayerNorm(nI=width), Dropout(0.0))))
    output = Softmax(nO=n_out) if exclusive else _pipe(Linear(nO=n_out), Logistic())
    return _classifier(_pipe(pooled, output), n_out, exclusive)


def linear_logistic(block: dict, ctx: Context) -> Model:
    return chain(Linear(nO=ctx.size(block, "n_labels"), nI=block.get("nI"), init_W=glorot_uniform_init), Logistic())


def mean_max_reducer(block: dict, ctx: Context) -> Model:
    """Last, first, mean and max of each span's vectors, concatenated, into a normalized maxout."""
    return chain(concatenate(reduce_last(), reduce_first(), reduce_mean(), reduce_max()),
                 Maxout(nO=block["hidden_size"], normalize=True, dropout=0.0))


def span_categorizer(block: dict, ctx: Context) -> Model:
    """(docs, spans): token vectors of each span, reduced to one vector, scored."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    reducer, scorer = ctx.block(block["reducer"], "reducer"), ctx.block(block["scorer"], "scorer")
    model = chain(with_getitem(0, chain(inner, list2ragged())), _layers.extract_spans(), reducer, scorer)
    model.set_ref("tok2vec", inner)
    model.set_ref("reducer", reducer)
    model.set_ref("scorer", scorer)
    model.attrs["archwright_input"] = "spans"
    return model


def span_finder(block: dict, ctx: Context) -> Model:
    """Per token, the scorer's start and end probabilities; the docs' rows flattened into one array."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    scorer = ctx.block(block["scorer"], "scorer")
    logistic = with_array(scorer)
    model = chain(inner, logistic, _layers.flattener())
    model.set_ref("tok2vec", inner)
    model.set_ref("scorer", scorer)
    model.set_ref("logistic_layer", logistic)
    return model


def entity_linker(block: dict, ctx: Context) -> Model:
    """Each entity's sentence: its token vectors averaged, a residual maxout, projected to the
    knowledge base's entity vector width."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    width = _width(inner)
    output = Linear(nO=ctx.size(block, "entity_vector_length"), nI=width)
    model = _pipe(tuplify(_pipe(inner, list2ragged()), _layers.span_maker()), _layers.extract_spans(),
                  reduce_mean(), residual(Maxout(nO=width, nI=width, nP=2, dropout=0.0)), output)
    model.set_ref("output_layer", output)
    model.set_ref("tok2vec", inner)
    model.attrs["archwright_input"] = "entities"
    return model


STATE_TOKENS = {("parser", False): 8, ("parser", True): 13, ("ner", False): 3, ("ner", True): 6}


def transition_based_parser(block: dict, ctx: Context) -> Model:
    """tok2vec >> list2array >> linear to `hidden_width`; a precomputable affine lower layer over
    the state tokens' vectors; with `use_upper`, a linear layer scoring the actions."""
    inner = ctx.block(block["tok2vec"], "tok2vec")
    hidden = block["hidden_width"]
    n_features = STATE_TOKENS[(block["state_type"], bool(block.get("extra_state_tokens", False)))]
    n_actions = ctx.size(block, "n_actions")
    use_upper = block.get("use_upper", True)
    projected = chain(inner, list2array(), Linear(hidden, _width(inner)))
    projected.set_dim("nO", hidden)
    lower = _layers.precomputable_affine(nO=hidden if use_upper else n_actions, nF=n_features, nI=hidden,
                                         nP=block["maxout_pieces"])
    upper = Linear(nO=n_actions, nI=None, init_W=zero_init) if use_upper else None
    return _layers.parser_model(projected, lower, upper)


BUILDERS = {
    "chain.v1": chain_layers,
    "concatenate.v1": concatenate_layers,
    "spacy.Tagger.v1": tagger,
    "spacy.Tagger.v2": tagger,
    "spacy.TextCatBOW.v1": textcat_bow_v1,
    "spacy.TextCatBOW.v2": textcat_bow_v2,
    "spacy.TextCatBOW.v3": textcat_bow_v3,
    "spacy.TextCatCNN.v1": textcat_cnn_v1,
    "spacy.TextCatCNN.v2": textcat_cnn,
    "spacy.TextCatReduce.v1": textcat_reduce,
    "spacy.TextCatEnsemble.v1": textcat_ensemble_v1,
    "spacy.TextCatEnsemble.v2": textcat_ensemble,
    "spacy.TextCatParametricAttention.v1": textcat_parametric_attention,
    "spacy.LinearLogistic.v1": linear_logistic,
    "spacy.mean_max_reducer.v1": mean_max_reducer,
    "spacy.SpanCategorizer.v1": span_categorizer,
    "spacy.SpanFinder.v1": span_finder,
    "spacy.EntityLinker.v1": entity_linker,
    "spacy.EntityLinker.v2": entity_linker,
    "spacy.TransitionBasedParser.v1": transition_based_parser,
    "spacy.TransitionBasedParser.v2": transition_based_parser,
}
