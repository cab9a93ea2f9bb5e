"""The spacy-transformers architectures, built by archwright (the `transformers` extra) from a tiny
BERT made here: saved with `save_pretrained` into a temporary directory (random weights, a
WordPiece vocab of ~90 entries), so nothing is ever downloaded.

Checked: span getters cut as spacy-transformers cuts; every spec architecture builds and runs;
a pipeline's built parameter counts equal the static layer graph's given the sizes read from the
model directory; listeners read (and send gradients to) their upstream transformer; the model is
structurally spaCy's own (spacy-transformers, the `parity` extra), with the same token vectors;
what cannot be built is a diagnostic.

Differences from spacy-transformers, by design (none shows in counts or layer dims):
- the tokenizer is always the fast one (`use_fast = false` is read as true): archwright aligns
  wordpieces to tokens by their character offsets, which slow tokenizers do not give;
- spans longer than the model's position table lose their last wordpieces (spaCy cuts only at
  the tokenizer's model_max_length, and torch fails past the table);
- the weights are the directory's model.safetensors when there is one, else random: never a
  pickled pytorch_model.bin, and never a download.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: no network, ever
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from archwright.compiler.thinc import BuildError, build, build_architecture, sum_params
from archwright.compiler.thinc._context import Context
from archwright.compiler.thinc.transformers import BUILDERS, model_sizes
from archwright.compiler.compilation import Compilation
from archwright.compiler.doc import Doc
from archwright.compiler.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["the", "quick", "brown", "fox", "jump", "over", "lazy", "dog", "alice", "met", "in", "berlin", "hello",
         "world", "smith", "visited", "may", "team", "acme", "to", "a", "and"]
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'-")
         + [w for w in WORDS if len(w) > 1] + ["##s", "##ing", "##ed", "##er", "##ly", "##e", "##a", "##o"])
HIDDEN = 32
SPANS = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 8, "stride": 6}
POOLING = {"@layers": "reduce_mean.v1"}
TEXTS = ["Alice Smith visited Berlin in May to meet the Acme team.", "Hello world!",
         "The quick brown fox jumps over the lazy dog, and the dog jumped over the fox."]


def _save_tiny_bert(directory: Path, weights: bool = True) -> Path:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    directory.mkdir(parents=True)
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=37, max_position_embeddings=64)
    BertTokenizerFast(str(directory / "vocab.txt")).save_pretrained(str(directory))
    if weights:
        import torch

        torch.manual_seed(0)
        BertModel(config).save_pretrained(str(directory))
    else:
        config.save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _save_tiny_bert(tmp_path_factory.mktemp("models") / "tiny-bert")


def _pipeline_config(model_dir: Path) -> str:
    """A transformer component with a tagger listening to it, and a tok2vec with a transformer of its own."""
    return f"""
[nlp]
lang = "en"
pipeline = ["transformer", "tagger", "tok2vec"]

[components]

[components.transformer]
factory = "transformer"

[components.transformer.model]
@architectures = "spacy-transformers.TransformerModel.v3"
name = "{model_dir.as_posix()}"
tokenizer_config = {{"use_fast": true}}
transformer_config = {{}}
mixed_precision = false
grad_scaler_config = {{}}

[components.transformer.model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 8
stride = 6

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[components.tagger.model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[components.tagger.model.tok2vec.pooling]
@layers = "reduce_mean.v1"

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy-transformers.Tok2VecTransformer.v1"
name = "{model_dir.as_posix()}"
tokenizer_config = {{"use_fast": true}}
grad_factor = 1.0

[components.tok2vec.model.get_spans]
@span_getters = "spacy-transformers.doc_spans.v1"

[components.tok2vec.model.pooling]
@layers = "reduce_max.v1"
"""


# -- span getters --------------------------------------------------------------------------------------

def _cut(name: str, docs: list, **args) -> list:
    return BUILDERS[name]({"@span_getters": name, **args}, Context(BUILDERS))(docs)


@lru_cache(maxsize=1)
def _blank():
    import spacy

    return spacy.blank("en")


def test_strided_spans_are_counted_in_tokens() -> None:
    doc = Doc([f"w{i}" for i in range(30)])
    assert _cut("spacy-transformers.strided_spans.v1", [doc], window=8, stride=8) == [
        [(0, 8), (8, 16), (16, 24), (24, 30)]]
    assert _cut("spacy-transformers.strided_spans.v1", [doc], window=12, stride=10) == [
        [(0, 12), (10, 22), (20, 30)]]
    assert _cut("spacy-transformers.doc_spans.v1", [doc, Doc([])]) == [[(0, 30)], []]
    assert _cut("spacy-transformers.sent_spans.v1", [doc]) == [[(0, 30)]]  # our docs are one sentence
    with pytest.raises(BuildError) as e:
        build_architecture("spacy-transformers.strided_spans.v1", window=8, stride=0)
    assert e.value.diagnostics[0].code == "AW307"  # the arguments are checked as a config's: stride > 0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(1, 12), st.integers(1, 12))
def test_strided_spans_equal_spacy_transformers(n: int, window: int, stride: int) -> None:
    from spacy_transformers.span_getters import get_strided_spans

    doc = _blank().make_doc(" ".join(f"w{i}" for i in range(n)))
    theirs = [[(s.start, s.end) for s in spans] for spans in get_strided_spans([doc], window, stride)]
    assert _cut("spacy-transformers.strided_spans.v1", [doc], window=window, stride=stride) == theirs


# -- every spec architecture builds and runs -------------------------------------------------------------

def _example_block(name: str) -> dict:
    card = default_registry().get("architectures", name)
    return dict(Compilation(card.example).resolved.data["model"])


@pytest.mark.parametrize("name", ["spacy-transformers.TransformerModel.v1", "spacy-transformers.Tok2VecTransformer.v1",
                                  "spacy-transformers.TransformerListener.v1"])
def test_every_spec_architecture_builds_and_runs(name: str, tiny: Path) -> None:
    block = _example_block(name)
    block.pop("@architectures")
    if "name" in block:
        block["name"] = str(tiny)  # the spec's roberta-base / albert-base-v2, as a local tiny model
    model = build_architecture(name, labels={"hidden_width": HIDDEN}, **block)
    docs = [Doc.from_text(t) for t in TEXTS]
    model.initialize(X=docs)
    output = model.predict(docs)
    if name.endswith("TransformerModel.v1"):  # the wordpiece vectors of every span (strided: 128 tokens)
        assert output.hidden.shape[0] == 3 and output.hidden.shape[2] == HIDDEN
        assert numpy.isfinite(output.hidden).all()
    else:  # one vector per token (the listener outside a pipeline: zeros, as spaCy's)
        assert [o.shape for o in output] == [(len(d), HIDDEN) for d in docs]
        assert numpy.isfinite(numpy.concatenate(output)).all()
        assert numpy.concatenate(output).any() == ("Listener" not in name)


def test_the_model_reads_the_directorys_weights_or_starts_random(tiny: Path, tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    block = {"name": str(tiny), "get_spans": SPANS, "tokenizer_config": {}}
    model = build_architecture("spacy-transformers.TransformerModel.v1", **block)
    saved = load_file(str(tiny / "model.safetensors"))
    hf = model.layers[0].shims[0]._model
    assert model.attrs["weights"] == "model.safetensors"
    assert numpy.array_equal(hf.embeddings.word_embeddings.weight.detach().numpy(),
                             saved["embeddings.word_embeddings.weight"])
    random = build_architecture("spacy-transformers.TransformerModel.v1",
                                **{**block, "name": str(_save_tiny_bert(tmp_path / "no-weights", weights=False))})
    assert random.attrs["weights"] == "random" and sum_params(random) == sum_params(model)


# -- a pipeline: built counts equal the static graph's; listeners ------------------------------------------

def test_model_sizes_read_the_directory(tiny: Path) -> None:
    import torch
    from transformers import AutoModel

    exact = sum(p.numel() for p in AutoModel.from_pretrained(str(tiny)).parameters())
    assert model_sizes(tiny) == {"hidden_width": HIDDEN, "transformer_params": exact}
    # embeddings (words, positions, types, layer norm), 2 layers, pooler: counted by hand
    layer = 4 * (HIDDEN * HIDDEN + HIDDEN) + 2 * HIDDEN + (HIDDEN * 37 + 37) + (37 * HIDDEN + HIDDEN) + 2 * HIDDEN
    embeddings = (len(VOCAB) + 64 + 2) * HIDDEN + 2 * HIDDEN
    assert exact == embeddings + 2 * layer + HIDDEN * HIDDEN + HIDDEN
    assert torch.get_default_dtype() == torch.float32


def test_built_counts_equal_the_static_graph(tiny: Path) -> None:
    text = _pipeline_config(tiny)
    assert Compilation(text).diagnostics == []
    pipeline = build(text, labels={"tagger": {"n_labels": 5}})
    sizes = {"transformer": model_sizes(tiny), "tagger": {"n_labels": 5}, "tok2vec": model_sizes(tiny)}
    graph = Compilation(text, labels=sizes).graph
    counts = {}
    for name, model in pipeline.items():
        static = graph.components[name].expansion.layer.count.given(sizes[name])
        assert static.terms == () and static.constant == sum_params(model), name
        counts[name] = sum_params(model)
    transformer = model_sizes(tiny)["transformer_params"]
    assert counts == {"transformer": transformer, "tagger": HIDDEN * 5 + 5, "tok2vec": transformer}
    assert pipeline.sizes["transformer"] == model_sizes(tiny)  # read from the directory, not assumed
    words = [len(Doc.from_text(t)) for t in TEXTS]
    assert [o.shape for o in pipeline.predict("tagger", TEXTS)] == [(n, 5) for n in words]
    assert [o.shape for o in pipeline.predict("tok2vec", TEXTS)] == [(n, HIDDEN) for n in words]
    batch = pipeline.predict("transformer", TEXTS)
    spans = _cut("spacy-transformers.strided_spans.v1", [Doc.from_text(t) for t in TEXTS], window=8, stride=6)
    assert batch.hidden.shape[0] == sum(map(len, spans)) == 6 and batch.hidden.shape[2] == HIDDEN


def test_listeners_read_and_train_their_upstream_transformer(tiny: Path) -> None:
    pipeline = build(_pipeline_config(tiny), "tagger", labels={"tagger": {"n_labels": 4}})
    assert list(pipeline) == ["transformer", "tagger"]  # the tagger with the transformer it listens to
    vectors = pipeline["tagger"].get_ref("tok2vec")
    docs = [Doc.from_text(t) for t in TEXTS]
    before = vectors.predict(docs)
    hf = pipeline["transformer"].layers[0].shims[0]._model
    with __import__("torch").no_grad():
        hf.embeddings.word_embeddings.weight.mul_(2.0)
    after = vectors.predict(docs)
    assert all(b.shape == a.shape == (len(d), HIDDEN) for b, a, d in zip(before, after, docs))
    assert not any(numpy.allclose(b, a) for b, a in zip(before, after))
    # a gradient on the tagger's token vectors reaches the transformer's weights
    hf.zero_grad()
    outputs, backprop = vectors.begin_update(docs)
    backprop([numpy.ones_like(o) for o in outputs])
    assert hf.embeddings.word_embeddings.weight.grad is not None
    assert float(hf.embeddings.word_embeddings.weight.grad.abs().sum()) > 0


def test_the_cli_builds_a_transformer_pipeline(tiny: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "pipeline.cfg"
    path.write_text(_pipeline_config(tiny), encoding="utf-8")
    code, out, err = run_cli(capsys, "build", str(path), "--labels", "tagger=7", "--text", "Hello world again.")
    assert code == 0, err
    lines = out.splitlines()
    transformer = model_sizes(tiny)["transformer_params"]
    assert re.match(rf"transformer \(transformer\): output \(1, \d+, {HIDDEN}\), {transformer:,} parameters",
                    lines[0])
    assert lines[1].startswith(f"tagger (tagger): output [(4, 7)], {HIDDEN * 7 + 7:,} parameters")
    assert lines[2].startswith(f"tok2vec (tok2vec): output [(4, {HIDDEN})]")


# -- parity with spacy-transformers ---------------------------------------------------------------------

def _structure(model) -> Counter:
    return Counter((node.name, tuple(sorted((d, node.maybe_get_dim(d)) for d in node.dim_names)))
                   for node in model.walk())


def _spacy_pipeline(text: str):
    import spacy
    from spacy.training import Example
    from thinc.api import Config

    nlp = spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True, validate=True)
    tags = ["A", "B", "C", "D", "E"]
    examples = []
    for t in TEXTS:
        doc = nlp.make_doc(t)
        examples.append(Example.from_dict(doc, {"tags": [tags[i % 5] for i in range(len(doc))]}))
    nlp.initialize(lambda: examples)
    return nlp


def test_components_equal_spacy_transformers_models(tiny: Path) -> None:
    """spaCy's own pipeline from the same config and model directory: every component has the
    same layers (names and dims) and parameters, and the listener's and tok2vec's token vectors
    are the same numbers (same weights, same spans, same wordpiece alignment)."""
    text = _pipeline_config(tiny)
    nlp = _spacy_pipeline(text)
    pipeline = build(text, labels={"tagger": {"n_labels": 5}})
    docs = list(nlp.pipe(TEXTS))  # the transformer component sets doc._.trf_data for listeners
    for name, ours in pipeline.items():
        theirs = nlp.get_pipe(name).model
        assert _structure(ours) == _structure(theirs), name
        assert sum_params(ours) == sum_params(theirs), name
    for name, ours_vectors, their_vectors in [
            ("tagger", pipeline["tagger"].get_ref("tok2vec"), nlp.get_pipe("tagger").model.get_ref("tok2vec")),
            ("tok2vec", pipeline["tok2vec"], nlp.get_pipe("tok2vec").model)]:
        for o, t in zip(ours_vectors.predict(docs), their_vectors.predict(docs)):
            assert o.shape == t.shape and numpy.allclose(o, t, atol=1e-5), name


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_tok2vec_transformer_versions_equal_spacys(version: str, tiny: Path) -> None:
    import spacy
    from spacy.util import registry

    block = {"@architectures": f"spacy-transformers.Tok2VecTransformer.{version}", "name": str(tiny),
             "get_spans": {"@span_getters": "spacy-transformers.sent_spans.v1"}, "tokenizer_config": {},
             "pooling": {"@layers": "reduce_mean.v1"}, "grad_factor": 0.5}
    theirs = registry.resolve({"model": block})["model"]
    ours = build_architecture(block.pop("@architectures"), **block)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    docs = list(nlp.pipe(TEXTS[:2] + ["One. Two three! Four"]))
    theirs.initialize(X=docs)
    ours.initialize(X=docs)
    assert _structure(ours) == _structure(theirs)
    assert sum_params(ours) == sum_params(theirs)
    for o, t in zip(ours.predict(docs), theirs.predict(docs)):
        assert numpy.allclose(o, t, atol=1e-5)


@pytest.mark.parametrize("spans", [(3, 2), (2, 5)], ids=["overlapping", "with-gaps"])
def test_awkward_text_gives_spacys_token_vectors(spans: tuple[int, int], tiny: Path) -> None:
    """Whitespace tokens, newlines, emoji and unknown words, in overlapping windows (a token in two
    spans pools the wordpieces of both) and in windows with gaps (a token in no span: zeros).
    One difference: spaCy gives a doc whose last tokens are in no span fewer rows than tokens
    (and fails on an empty doc); archwright gives one row per token, zeros for those."""
    import spacy
    from spacy.util import registry

    window, stride = spans
    block = {"@architectures": "spacy-transformers.Tok2VecTransformer.v3", "name": str(tiny),
             "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1", "window": window, "stride": stride},
             "tokenizer_config": {"use_fast": True}, "pooling": {"@layers": "reduce_mean.v1"}, "grad_factor": 1.0}
    theirs = registry.resolve({"model": block})["model"]
    ours = build_architecture(block.pop("@architectures"), **block)
    nlp = spacy.blank("en")
    docs = [nlp(t) for t in ["Hello  world   again!", "zzz \U0001F600 the\n\nfox", "a b c d e f g h i j k l m", " "]]
    theirs.initialize(X=docs)
    ours.initialize(X=docs)
    for doc, o, t in zip(docs, ours.predict(docs), theirs.predict(docs)):
        assert o.shape == (len(doc), HIDDEN)
        assert numpy.allclose(o[:len(t)], t, atol=1e-5) and not o[len(t):].any()
    assert ours.predict([nlp("")])[0].shape == (0, HIDDEN)


@pytest.fixture(scope="module")
def strided(tiny: Path):
    block = {"name": str(tiny), "get_spans": {**SPANS, "window": 5, "stride": 3}, "tokenizer_config": {},
             "pooling": POOLING, "grad_factor": 1.0}
    model = build_architecture("spacy-transformers.Tok2VecTransformer.v1", **block)
    model.initialize(X=[Doc(["a", "b"])])
    return model


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_one_finite_vector_per_token(strided, text: str) -> None:
    for doc in (Doc.from_text(text), _blank().make_doc(text)):
        (output,) = strided.predict([doc])
        assert output.shape == (len(doc), HIDDEN) and numpy.isfinite(output).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=10), st.data())
def test_tokens_get_the_wordpieces_whose_characters_overlap_them(tokens, data) -> None:
    """The alignment (found by runs of owners) equals its definition, character by character:
    a token owns its characters and the one after it (the next token's, when they touch)."""
    from archwright.compiler.thinc.transformers import _align_span

    offsets, lengths, at = [], [], 0
    for gap, length in tokens:  # (spaces before the token, its length)
        at += gap
        offsets.append(at)
        lengths.append(length)
        at += length
    start = data.draw(st.integers(0, len(tokens) - 1))
    end = data.draw(st.integers(start + 1, len(tokens)))
    begin, size = offsets[start], offsets[end - 1] + lengths[end - 1] - offsets[start]
    pieces = data.draw(st.lists(st.tuples(st.integers(0, size), st.integers(0, size)).map(sorted), max_size=12))
    owner = [-1] * (size + 1)
    for i in range(start, end):
        for c in range(offsets[i] - begin, offsets[i] - begin + lengths[i] + 1):
            owner[c] = i
    expected = [[] for _ in tokens]
    for j, (lo, hi) in enumerate(pieces):
        for i in sorted(set(owner[lo:hi]) - {-1}):
            expected[i].append(100 + j)
    aligned = [[] for _ in tokens]
    _align_span(offsets, lengths, start, end, begin, numpy.array(pieces, dtype="int64").reshape((-1, 2)), 100, aligned)
    assert aligned == expected


# -- what cannot be built ---------------------------------------------------------------------------------

def test_a_name_that_is_not_a_local_directory_is_a_diagnostic() -> None:
    with pytest.raises(BuildError) as e:
        build(ROOT / "examples" / "transformer.cfg")
    (d,) = [d for d in e.value.diagnostics if d.is_error]  # beside it: the tagger's label count, assumed
    assert d.code == "AW508" and "'roberta-base' is not a local directory" in d.message
    lines = (ROOT / "examples" / "transformer.cfg").read_text(encoding="utf-8").splitlines()
    assert d.config_path == "components.transformer.model.name"
    assert (d.span.line, d.span.column) == (lines.index('name = "roberta-base"') + 1, 8)  # the value
    assert "--local-dir" in d.hint


def test_model_directories_that_cannot_be_read_are_diagnostics(tiny: Path, tmp_path: Path) -> None:
    def problem(name: str, **settings) -> tuple[str, str]:
        with pytest.raises(BuildError) as e:
            build_architecture("spacy-transformers.TransformerModel.v1", name=name, get_spans=SPANS, **settings)
        (d,) = e.value.diagnostics
        return d.code, d.message

    (tmp_path / "empty").mkdir()
    empty = str(tmp_path / "empty")
    assert problem(empty) == ("AW508", f"the model directory {empty!r} has no config.json")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text('{"model_type": "no-such-model"}', encoding="utf-8")
    assert problem(str(tmp_path / "bad"))[0] == "AW508"
    (tmp_path / "config-only").mkdir()
    (tmp_path / "config-only" / "config.json").write_text((tiny / "config.json").read_text(), encoding="utf-8")
    code, message = problem(str(tmp_path / "config-only"))
    assert code == "AW508" and "tokenizer" in message
    assert problem("")[0] == "AW508"
    code, message = problem(str(tiny), tokenizer_config={"trust_remote_code": True})
    assert code == "AW505" and "never run code" in message


def test_without_the_transformers_package_it_says_what_to_install(tiny: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # what a missing package looks like to `import`
    with pytest.raises(BuildError) as e:
        build_architecture("spacy-transformers.TransformerModel.v1", name=str(tiny), get_spans=SPANS)
    (d,) = e.value.diagnostics
    assert d.code == "AW501" and d.hint == "pip install 'archwright[transformers]'"


def test_with_read_files_off_nothing_the_config_names_is_read(tiny: Path, monkeypatch) -> None:
    """What the explorer does for pasted configs: the model directory exists, but is not opened."""
    import sys

    opened = []
    hook_on = [True]

    def audit(event: str, args: tuple) -> None:
        if hook_on[0] and event in ("open", "os.listdir", "os.scandir") and str(tiny) in str(args[0]):
            opened.append(args[0])

    sys.addaudithook(audit)
    try:
        with pytest.raises(BuildError) as e:
            build(_pipeline_config(tiny), read_files=False)
    finally:
        hook_on[0] = False
    assert {d.code for d in e.value.diagnostics if d.is_error} == {"AW509"}
    assert opened == []
