"""The models the Thinc interpreter builds from layer expressions are spaCy's, node for node:

- the spec's model architectures, built here by spaCy itself and by archwright: the same tree
  (walked in parallel: each node's name, dims and number of children), the same parameter count,
  and, with spaCy's initialized weights copied into ours node by node, the same outputs;
- every component of every real config spaCy 3.8 initialized (the oracle records each model's
  nodes in Thinc's walk order): the same sequence of (name, dims) after initialization, and the
  same tree as the model spaCy builds from the component's block (names, children, refs); and
  one component of each kind of block run: the same outputs with spaCy's weights.
"""

from __future__ import annotations

import re

import numpy
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from conftest import REAL, needs_shared, oracle_rows

from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import default_registry
from archwright.compiler.topology import topology
from archwright.compiler.thinc import _components, build, build_architecture, model_input, sum_params
from archwright.compiler.thinc._layers import VectorsTable

LABELS = 4
# every model card (the spec's and their other versions) but the transformers'
# (tests/test_build_transformers.py compares those with spacy-transformers)
CARDS = sorted({c for c in default_registry().cards() if c.expression is not None and c.returns.startswith("Model[")
                and "transformers" not in c.name}, key=lambda c: c.name)
# spaCy cannot run a listener outside a pipeline (no upstream): its tree is compared as built
NEEDS_A_PIPELINE = ("Listener",)
VECTORS = {w: numpy.linspace(-1 + i, i, 6).astype("f") for i, w in enumerate(["Alice", "quick", "fox", "Hello", "it"])}


def _dims(node) -> dict:
    return {d: node.maybe_get_dim(d) for d in node.dim_names}


def _tree(model, dims: bool = True) -> list[tuple]:
    """(depth, name, dims, number of children) of each node, depth first: equal lists are
    equal trees."""
    nodes, stack = [], [(model, 0)]
    while stack:
        node, depth = stack.pop()
        nodes.append((depth, node.name, _dims(node) if dims else None, len(node.layers)))
        stack.extend((child, depth + 1) for child in reversed(node.layers))
    return nodes


def _assert_same_tree(ours, theirs, dims: bool = True) -> None:
    a, b = _tree(ours, dims), _tree(theirs, dims)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"node {i} (depth first): ours {x}, spaCy's {y}"
    assert len(a) == len(b)


def _assert_same_refs(ours, theirs) -> None:
    """Each node refers by the same names to the same nodes (by their place in the tree)."""
    place_a = {id(a): i for i, (a, _) in enumerate(_pairs(ours, theirs))}
    place_b = {id(b): i for i, (_, b) in enumerate(_pairs(ours, theirs))}
    for a, b in _pairs(ours, theirs):
        assert sorted(a.ref_names) == sorted(b.ref_names), a.name
        for name in b.ref_names:
            assert place_a.get(id(a.get_ref(name))) == place_b.get(id(b.get_ref(name))), (a.name, name)


def _pairs(ours, theirs):
    stack = [(ours, theirs)]
    while stack:
        a, b = stack.pop()
        yield a, b
        stack.extend(zip(a.layers, b.layers))


def _copy_weights(ours, theirs) -> int:
    """spaCy's weights into our model, node by node (and what PyTorch holds, shim by shim)."""
    copied = 0
    for a, b in _pairs(ours, theirs):
        for name in b.param_names:
            if b.has_param(name):
                a.set_param(name, b.get_param(name).copy())
                copied += b.get_param(name).size
        for shim_a, shim_b in zip(a.shims, b.shims):
            shim_a._model.load_state_dict(shim_b._model.state_dict())
            copied += sum(p.numel() for p in shim_b._model.parameters())
    return copied


def _block(card) -> dict:
    return _sized(Compilation(card.example).resolved.data["model"], LABELS)


def _sized(block: dict, n: int) -> dict:
    """The block with its label count `nO` (and its sub-blocks') set to `n`, as spaCy's component
    sets it before initializing (StaticVectors' output width too, which a model around it would
    give); not TextCatEnsemble.v2's own, which it learns from the labels at initialize (set, it
    gives spaCy's output layer the wrong input width)."""
    from archwright.compiler.registry import registry_keys

    keys = registry_keys(block)
    card = default_registry().get(keys[0][1:], block[keys[0]]) if keys else None
    out = {k: _sized(v, n) if isinstance(v, dict) else v for k, v in block.items()}
    if card is not None and card.name != "spacy.TextCatEnsemble.v2" and any(a.name == "nO" for a in card.args) \
            and out.get("nO") is None:
        out["nO"] = n
    return out


def _labels(block: dict, n: int):
    """What spaCy's model learns its label count from at initialize, where it does (above)."""
    return numpy.zeros((3, n), dtype="f") if "TextCatEnsemble.v2" in str(block) else None


def _both(card):
    from spacy.util import registry

    block = _block(card)
    theirs = registry.resolve({"model": block})["model"]
    name = block.pop(next(k for k in block if k.startswith("@")))
    table = VectorsTable.from_words(VECTORS) if "StaticVectors" in name else None
    ours = build_architecture(name, labels={"n_labels": LABELS, "n_actions": LABELS, "entity_vector_length": LABELS},
                              vectors=table, **block)
    return ours, theirs


def _docs():
    import spacy

    nlp = spacy.blank("en")
    for word, vector in VECTORS.items():  # what spaCy's StaticVectors reads: the vocab's table
        nlp.vocab.set_vector(word, vector)
    docs = [nlp("Alice met the quick fox in Berlin."), nlp("Hello!"), nlp("The quick brown fox jumps over it.")]
    for doc, (start, end) in zip(docs, [(0, 1), (0, 1), (2, 4)]):  # what the entity linkers read
        doc.ents = [doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), label="X")]
    return docs


def _input(card, model, docs, width: int):
    """What the model reads: vectors for an encoder (one array for the first window encoders);
    each span's vectors (ragged) for a reducer; rows of vectors for a scorer; else what a
    component gives it (docs; for the span categorizer docs and spans)."""
    from thinc.api import Ragged

    rng = numpy.random.default_rng(0)
    if "WindowEncoder.v1" in card.name:
        return rng.uniform(-1, 1, (9, width)).astype("f")
    if "List[Floats2d], List[Floats2d]" in card.returns:
        return [rng.uniform(-1, 1, (len(d), width)).astype("f") for d in docs]
    if card.returns.startswith("Model[Ragged"):
        return Ragged(rng.uniform(-1, 1, (9, width)).astype("f"), numpy.array([7, 2], dtype="i"))
    if card.returns.startswith("Model[Floats2d"):
        return rng.uniform(-1, 1, (5, width)).astype("f")
    return model_input(model, docs)


def _rows(output) -> numpy.ndarray:
    if hasattr(output, "dataXd"):
        return numpy.asarray(output.dataXd)
    if isinstance(output, (list, tuple)):
        return numpy.concatenate([_rows(o).reshape((len(o), -1)) for o in output]) if output else numpy.zeros(0)
    return numpy.asarray(output)


@pytest.mark.parametrize("card", CARDS, ids=lambda c: c.name)
def test_spec_architectures_are_spacys_node_for_node(card) -> None:
    ours, theirs = _both(card)
    _assert_same_refs(ours, theirs)
    if any(s in card.name for s in NEEDS_A_PIPELINE):
        _assert_same_tree(ours, theirs, dims=False)
        return
    docs = _docs()
    width = _block(card).get("width") or _block(card).get("nI") or 16
    X = _input(card, ours, docs, width)
    theirs.initialize(X=X, Y=_labels(_block(card), LABELS))
    ours.initialize(X=X, Y=_labels(_block(card), LABELS))
    _assert_same_tree(ours, theirs)
    assert sum_params(ours) == sum_params(theirs)
    assert _copy_weights(ours, theirs) == sum_params(theirs)
    if "TransitionBasedParser" in card.name:
        _assert_same_parser_outputs(ours, theirs, docs)
        return
    mine, spacys = _rows(ours.predict(X)), _rows(theirs.predict(X))
    assert mine.shape == spacys.shape and mine.size > 0
    assert numpy.allclose(mine, spacys, atol=1e-5), numpy.abs(mine - spacys).max()


def _assert_same_parser_outputs(ours, theirs, docs) -> None:
    """spaCy's parser model scores parse states (its forward makes a step model), so each of its
    parts is compared on the same input: the token vectors (tok2vec >> linear), the lower layer's
    precomputed features and the upper layer's action scores."""
    (tok2vec, lower, upper), (their_tok2vec, their_lower, their_upper) = ours.layers, theirs.layers
    vectors = their_tok2vec.predict(docs)
    assert numpy.allclose(tok2vec.predict(docs), vectors, atol=1e-5)
    assert numpy.allclose(lower.predict(vectors), their_lower.predict(vectors), atol=1e-5)
    if ours.attrs["has_upper"]:
        hidden = numpy.random.default_rng(1).uniform(-1, 1, (3, lower.get_dim("nO"))).astype("f")
        assert numpy.allclose(upper.predict(hidden), their_upper.predict(hidden), atol=1e-5)
    _randomize_upper(ours, theirs)  # (spaCy initializes it with zeros: every score would be 0)
    mine = numpy.concatenate(ours.predict(docs))
    spacys = _spacy_state_scores(theirs, docs)
    assert mine.shape == spacys.shape == (sum(len(d) for d in docs), theirs.get_ref("upper").get_dim("nO")
                                          if ours.attrs["has_upper"] else lower.get_dim("nO"))
    assert numpy.allclose(mine, spacys, atol=1e-5), numpy.abs(mine - spacys).max()


def _randomize_upper(*models) -> None:
    """The same random weights in each model's upper layer."""
    rng = numpy.random.default_rng(2)
    upper = models[0].get_ref("upper")
    if models[0].attrs["has_upper"]:
        values = {name: rng.uniform(-1, 1, upper.get_param(name).shape).astype("f") for name in ("W", "b")}
        for model in models:
            for name, value in values.items():
                model.get_ref("upper").set_param(name, value.copy())


def _state_ids(docs, nF: int) -> numpy.ndarray:
    """The states archwright's parser forward scores, in spaCy's step model's terms (row of the
    batch's token vectors, -1 for an empty slot): token i at the front of the buffer, token
    i - 1 of the same doc on the stack."""
    ids = numpy.full((sum(len(d) for d in docs), nF), -1, dtype="i")
    row = 0
    for doc in docs:
        for i in range(len(doc)):
            ids[row, 0] = row
            if nF > 1 and i > 0:
                ids[row, 1] = row - 1
            row += 1
    return ids


def _spacy_state_scores(model, docs) -> numpy.ndarray:
    """spaCy's own scores of those states: its forward's step model (the token vectors and the
    precomputed lower layer), its state2vec (sum of the slots' rows, bias, maxout or relu) and
    its upper layer, as its step_forward runs them."""
    step = model.predict(docs)
    vectors = step.state2vec.predict(_state_ids(docs, step.state2vec.nF))
    return step.vec2scores.predict(vectors) if step.vec2scores is not None else vectors


@pytest.mark.parametrize("args", [{}, {"use_upper": False}, {"maxout_pieces": 1}, {"state_type": "parser"},
                                  {"extra_state_tokens": True}])
def test_the_parser_scores_a_batch_as_it_scores_each_doc(args: dict) -> None:
    """The forward scores every doc's states at once: the same scores as doc by doc, with
    empty docs at the start, between and at the end of the batch."""
    block = {**_block(default_registry().get("architectures", "spacy.TransitionBasedParser.v2")), **args}
    ours = build_architecture(block.pop("@architectures"), **block)
    docs = _docs()
    docs = [docs[0][:0].as_doc()] + docs[:2] + [docs[0][:0].as_doc()] + docs[2:] + [docs[0][:0].as_doc()]
    ours.initialize(X=docs)
    _randomize_upper(ours)
    batched = ours.predict(docs)
    assert [len(s) for s in batched] == [len(d) for d in docs]
    for doc, scores in zip(docs, batched):
        if len(doc):  # (Thinc's window encoder cannot run on no tokens at all, in spaCy's model too)
            assert numpy.allclose(ours.predict([doc])[0], scores, atol=1e-6)


def test_the_interpreter_builds_every_word_of_the_vocabulary() -> None:
    from archwright.compiler.expr import OPS
    from archwright.compiler.thinc.interpret import LAYERS

    assert set(LAYERS) == set(OPS)


def test_the_comparison_sees_a_different_tree() -> None:
    """The parallel walk tells a chain of three from two nested chains with the same nodes."""
    from thinc.api import Relu, chain

    flat = chain(Relu(2, 2), Relu(2, 2), Relu(2, 2))
    nested = chain(chain(Relu(2, 2), Relu(2, 2)), Relu(2, 2))
    with pytest.raises(AssertionError):
        _assert_same_tree(flat, nested, dims=False)


# -- the oracle: every component spaCy initialized in the real corpus --------------------------------

CASES = [row for row in oracle_rows() if (row.get("initialize") or {}).get("status") == "ok"
         and not any(d.code == "AW425" for d in Compilation(REAL / row["file"]).diagnostics)]


def _oracle_build(row: dict):
    init = row["initialize"]
    width = re.search(r"stand-in table, width (\d+)", " ".join(init.get("patches", [])))
    table = VectorsTable(list(range(1, 11)), numpy.zeros((10, int(width.group(1))))) if width else None
    components = [c for c in init["components"] if c.get("param_count") is not None]
    labels = {c["name"]: {"n_labels": len(c.get("labels") or []), "n_actions": c.get("n_moves") or 0,
                          "entity_vector_length": c.get("nO") or 0} for c in components}
    return build(REAL / row["file"], labels=labels, vectors=table), components


@needs_shared
@pytest.mark.parametrize("row", CASES, ids=[r["file"] for r in CASES])
def test_oracle_components_are_spacys_node_for_node(row: dict) -> None:
    """In Thinc's walk order (breadth first), the oracle's nodes after spaCy initialized them;
    and the tree of the model spaCy builds from the same block, with the same refs (spaCy builds
    every one of them alone: none needs the project's own code)."""
    from spacy.util import registry

    pipeline, components = _oracle_build(row)
    blocks = {name: block for name, _, block in _components(topology(Compilation(REAL / row["file"]).resolved.data))}
    for component in components:
        model = pipeline[component["name"]]
        ours = [(node.name, _dims(node)) for node in model.walk()]
        theirs = [(layer["name"], layer["dims"]) for layer in component["layers"]]
        assert ours == theirs, component["name"]
        spacys = registry.resolve({"model": blocks[component["name"]]})["model"]
        _assert_same_tree(model, spacys, dims=False)
        _assert_same_refs(model, spacys)


# -- pretraining objectives: functions of the tok2vec they pretrain ------------------------------------

TOK2VEC = {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 24, "depth": 2,
           "embed_size": 300, "window_size": 1, "maxout_pieces": 3, "subword_features": True}


@pytest.mark.parametrize("name, args", [
    ("spacy.PretrainCharacters.v1", {"maxout_pieces": 2, "hidden_size": 16, "n_characters": 3}),
    ("spacy.PretrainVectors.v1", {"maxout_pieces": 3, "hidden_size": 12, "loss": "cosine"}),
])
def test_pretraining_objectives_are_spacys_node_for_node(name: str, args: dict) -> None:
    from spacy.ml.models.multi_task import create_pretrain_characters, create_pretrain_vectors
    from spacy.util import registry

    docs = _docs()
    create = create_pretrain_characters if "Characters" in name else create_pretrain_vectors
    theirs = create(**args)(docs[0].vocab, registry.resolve({"m": TOK2VEC})["m"])
    block = {k: v for k, v in TOK2VEC.items() if not k.startswith("@")}
    objective = build_architecture(name, vectors=VECTORS, **args)
    ours = objective(build_architecture(TOK2VEC["@architectures"], **block))
    theirs.initialize(X=docs)
    ours.initialize(X=docs)
    _assert_same_tree(ours, theirs)
    assert _copy_weights(ours, theirs) == sum_params(theirs) == sum_params(ours)
    assert numpy.allclose(_rows(ours.predict(docs)), _rows(theirs.predict(docs)), atol=1e-5)


def test_the_vectors_objective_needs_vectors_when_it_is_built() -> None:
    from archwright.compiler.thinc import BuildError

    with pytest.raises(BuildError) as e:
        build_architecture("spacy.PretrainVectors.v1", maxout_pieces=3, hidden_size=12, loss="cosine")
    assert [d.code for d in e.value.diagnostics] == ["AW502"]


# -- the oracle's components run: one of each kind of block, spaCy's weights in ours ------------------

def _kind(value):
    """What makes blocks build different trees: their functions, flags and words, not their sizes."""
    if isinstance(value, dict):
        return tuple((k, _kind(v)) for k, v in sorted(value.items()))
    if isinstance(value, list):
        return tuple(_kind(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return type(value).__name__
    return value


def _runnable_sample() -> list[tuple[str, str, str]]:
    """(file, component, factory): the first component of each kind of block among those spaCy
    runs alone (no listener, no static vectors: those need a pipeline)."""
    seen, sample = set(), []
    for row in CASES:
        blocks = {name: (factory, block) for name, factory, block
                  in _components(topology(Compilation(REAL / row["file"]).resolved.data))}
        for c in row["initialize"]["components"]:
            layers = " ".join(layer["name"] for layer in c.get("layers") or [])
            if c.get("param_count") is None or any(s in layers for s in ("listener", "static_vectors")):
                continue
            factory, block = blocks[c["name"]]
            key = (factory, _kind(block))
            if key not in seen:
                seen.add(key)
                sample.append((row["file"], c["name"], factory))
    return sample


SAMPLE = _runnable_sample() if REAL.is_dir() else []
SIZE_OF = {"parser": "n_actions", "ner": "n_actions", "entity_linker": "entity_vector_length"}


@needs_shared
def test_the_sample_has_every_runnable_family() -> None:
    assert {"tok2vec", "tagger", "parser", "ner", "textcat", "textcat_multilabel", "spancat", "entity_linker",
            "senter", "morphologizer"} <= {factory for _, _, factory in SAMPLE}


@needs_shared
@pytest.mark.parametrize("file, component, factory", SAMPLE, ids=[f"{f}:{c}" for f, c, _ in SAMPLE])
def test_oracle_components_give_spacys_outputs_with_spacys_weights(file: str, component: str, factory: str) -> None:
    from spacy.util import registry
    from thinc.api import Ragged

    row = next(r for r in CASES if r["file"] == file)
    pipeline, _ = _oracle_build(row)  # for the sizes the oracle gives
    sizes = pipeline.sizes[component]
    block = _sized({name: b for name, _, b in _components(topology(Compilation(REAL / file).resolved.data))}[component],
                   sizes[SIZE_OF.get(factory, "n_labels")])
    Y = _labels(block, sizes[SIZE_OF.get(factory, "n_labels")])
    theirs = registry.resolve({"model": block})["model"]
    ours = build_architecture(block.pop(next(k for k in block if k.startswith("@"))), labels=sizes, **block)
    docs = _docs()
    X = docs
    if factory == "spancat":
        spans = [(i, i + 1) for doc in docs for i in range(len(doc))]
        X = docs, Ragged(numpy.array(spans, dtype="i"), numpy.array([len(doc) for doc in docs], dtype="i"))
    theirs.initialize(X=X, Y=Y)
    ours.initialize(X=X, Y=Y)
    _assert_same_tree(ours, theirs)
    assert _copy_weights(ours, theirs) == sum_params(theirs) == sum_params(ours)
    if factory in ("parser", "ner"):
        _assert_same_parser_outputs(ours, theirs, docs)
        return
    mine, spacys = _rows(ours.predict(X)), _rows(theirs.predict(X))
    assert mine.shape == spacys.shape and mine.size > 0
    assert numpy.allclose(mine, spacys, atol=1e-5), numpy.abs(mine - spacys).max()


@pytest.mark.parametrize("size", [1, 2, 3])
def test_ngram_ids_are_spacys(size: int) -> None:
    """The bag of n-grams (found for the batch at once) is spaCy's layer's, array for array:
    each doc's sorted distinct ids, their counts and the number per doc. Empty docs (on which
    spaCy's layer fails past unigrams) have none."""
    from spacy.attrs import ORTH
    from spacy.ml.extract_ngrams import extract_ngrams

    from archwright.compiler.thinc._layers import extract_ngrams as ours

    hello = _docs()[1][:1].as_doc()  # one id, ending one doc and starting the next
    docs = _docs() + [_docs()[0], hello, hello]
    mine, spacys = ours(size, "ORTH").predict(docs), extract_ngrams(size, ORTH).predict(docs)
    assert len(mine) == len(spacys) == 3
    for a, b in zip(mine, spacys):
        assert a.dtype == b.dtype and numpy.array_equal(a, b)
    empty = docs[0][:0].as_doc()
    keys, counts, lengths = ours(size, "ORTH").predict([empty] + docs[:2] + [empty, empty] + docs[2:] + [empty])
    assert lengths.tolist() == [0, *mine[2][:2].tolist(), 0, 0, *mine[2][2:].tolist(), 0]
    assert numpy.array_equal(keys, mine[0]) and numpy.array_equal(counts, mine[1])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=5), st.data())
def test_span_rows_are_spacys(doc_lengths: list[int], data) -> None:
    """The rows of every span (found for all spans at once) are those spaCy's layer extracts:
    spans of any length (empty ones too) in docs of any length (empty ones too)."""
    from spacy.ml.extract_spans import extract_spans
    from thinc.api import Ragged

    from archwright.compiler.thinc._layers import extract_spans as ours

    spans = [data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)).map(sorted), max_size=4))
             for n in doc_lengths]
    assume(any(end > start for doc in spans for start, end in doc))  # (with no rows spaCy gives zeros of X's shape)
    X = Ragged(numpy.arange(sum(doc_lengths) * 2, dtype="f").reshape((-1, 2)), numpy.array(doc_lengths, dtype="i"))
    flat = numpy.array([span for doc in spans for span in doc], dtype="i").reshape((-1, 2))
    inputs = (X, Ragged(flat, numpy.array([len(doc) for doc in spans], dtype="i")))
    mine, spacys = ours().predict(inputs), extract_spans().predict(inputs)
    assert numpy.array_equal(mine.dataXd, spacys.dataXd) and numpy.array_equal(mine.lengths, spacys.lengths)
