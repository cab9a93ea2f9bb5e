"""The receptive field, checked on built models: changing token i changes exactly the output
vectors of tokens i - rf ... i + rf, where rf is the static field (tokens per side) of layers.py."""

from __future__ import annotations

import numpy
import pytest

from archwright.compiler.thinc import build_architecture
from archwright.compiler.doc import Doc
from archwright.compiler.expand import Expander
from archwright.compiler.static import Window

EMBED = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 16, "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
         "rows": [500, 200, 200, 200], "include_static_vectors": False}
CHARS = {"@architectures": "spacy.CharacterEmbed.v2", "width": 16, "rows": 500, "nM": 8, "nC": 4,
         "include_static_vectors": False, "feature": "NORM"}
FAMILIES = {
    "HashEmbedCNN (maxout, window 1, depth 4)": {
        "@architectures": "spacy.HashEmbedCNN.v2", "width": 16, "depth": 4, "embed_size": 500, "window_size": 1,
        "maxout_pieces": 3, "subword_features": True, "pretrained_vectors": None},
    "Tok2Vec: MultiHashEmbed + MaxoutWindowEncoder (window 2, depth 3)": {
        "@architectures": "spacy.Tok2Vec.v2", "embed": EMBED,
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16, "window_size": 2, "depth": 3,
                   "maxout_pieces": 2}},
    "Tok2Vec: MultiHashEmbed + MishWindowEncoder (window 1, depth 2)": {
        "@architectures": "spacy.Tok2Vec.v2", "embed": EMBED,
        "encode": {"@architectures": "spacy.MishWindowEncoder.v2", "width": 16, "window_size": 1, "depth": 2}},
    "Tok2Vec: CharacterEmbed + MaxoutWindowEncoder (window 3, depth 1)": {
        "@architectures": "spacy.Tok2Vec.v2", "embed": CHARS,
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16, "window_size": 3, "depth": 1,
                   "maxout_pieces": 3}},
    "Tok2Vec.v1: MultiHashEmbed.v1 + MaxoutWindowEncoder.v1 (window 1, depth 3)": {
        "@architectures": "spacy.Tok2Vec.v1", "embed": {**EMBED, "@architectures": "spacy.MultiHashEmbed.v1"},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v1", "width": 16, "window_size": 1, "depth": 3,
                   "maxout_pieces": 3}},
}
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "while", "seven", "Swiss", "cats", "quietly", "watch", "from", "a", "tall", "wooden", "fence", "near", "Berlin", "in", "late", "May", ",", "2024", "!", "Yes", "indeed"]


def _randomized(model) -> None:
    """Random weights everywhere (zero-initialized tables would hide a token's change)."""
    rng = numpy.random.default_rng(0)
    for node in model.walk():
        for name in node.param_names:
            if node.has_param(name):
                node.set_param(name, rng.normal(0, 1, node.get_param(name).shape).astype("f"))


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_token_changes_exactly_the_outputs_in_its_receptive_field(family: str) -> None:
    block = dict(FAMILIES[family])
    rf = Expander().block(block).receptive_field
    assert rf is not None and rf >= 0
    model = build_architecture(block.pop("@architectures"), **block)
    model.initialize(X=[Doc(WORDS)])
    _randomized(model)
    base = model.predict([Doc(WORDS)])[0]
    assert len(WORDS) == 30
    for i in (0, 7, 15, 29):
        changed_words = list(WORDS)
        changed_words[i] = "Zebra" + changed_words[i]
        out = model.predict([Doc(changed_words)])[0]
        changed = {j for j in range(len(WORDS)) if not numpy.array_equal(out[j], base[j])}
        assert changed == set(range(max(0, i - rf), min(len(WORDS), i + rf + 1))), (i, rf)


def test_the_bilstm_sees_the_whole_document() -> None:
    """Changing one token changes every output (the `torch` extra, which the test command installs)."""
    block = {"@architectures": "spacy.Tok2Vec.v2", "embed": EMBED,
             "encode": {"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 16, "depth": 1, "dropout": 0.0}}
    assert Expander().block(block).receptive_field == "the whole document"
    model = build_architecture(block.pop("@architectures"), **block)
    model.initialize(X=[Doc(WORDS)])
    base = model.predict([Doc(WORDS)])[0]
    changed_words = list(WORDS)
    changed_words[15] = "Zebra"
    out = model.predict([Doc(changed_words)])[0]
    assert all(not numpy.allclose(out[j], base[j]) for j in range(len(WORDS)))


# -- transformers (the `transformers` extra): a tiny BERT saved in a temporary directory --------------

@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    from test_build_transformers import _save_tiny_bert

    return _save_tiny_bert(tmp_path_factory.mktemp("models") / "tiny-bert")


def _transformer_outputs(block: dict, words: list[str]):
    model = build_architecture(block.pop("@architectures"), **block)
    model.initialize(X=[Doc(words)])
    return model.predict([Doc(words)])[0]


@pytest.mark.parametrize("window, stride", [(8, 8), (8, 4), (6, 5)])
def test_a_transformer_sees_exactly_the_windows_that_hold_the_token(tiny_bert, window: int, stride: int) -> None:
    """strided_spans cuts windows of tokens (Doc positions, not wordpieces); a token's change
    reaches every output in the windows that hold it and none outside, as the static field says."""
    block = {"@architectures": "spacy-transformers.Tok2VecTransformer.v1", "name": str(tiny_bert),
             "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1", "window": window,
                           "stride": stride},
             "tokenizer_config": {}, "pooling": {"@layers": "reduce_mean.v1"}, "grad_factor": 1.0}
    field = Expander().block(block).receptive_field
    assert field == Window(window, stride)
    base = _transformer_outputs(dict(block), WORDS)
    assert base.shape == (30, 32)
    for i in (0, 7, 8, 15, 29):
        changed_words = list(WORDS)
        changed_words[i] = "hello" if WORDS[i] != "hello" else "world"
        out = _transformer_outputs(dict(block), changed_words)
        # other windows may be padded to another length: equal up to float rounding
        changed = {j for j in range(len(WORDS)) if not numpy.allclose(out[j], base[j], atol=1e-5)}
        holding = [(a, b) for a, b in field.spans(len(WORDS)) if a <= i < b]
        assert changed == {j for a, b in holding for j in range(a, b)}, i


def test_a_transformer_over_the_whole_doc_sees_the_whole_doc(tiny_bert) -> None:
    block = {"@architectures": "spacy-transformers.Tok2VecTransformer.v1", "name": str(tiny_bert),
             "get_spans": {"@span_getters": "spacy-transformers.doc_spans.v1"},
             "tokenizer_config": {}, "pooling": {"@layers": "reduce_mean.v1"}, "grad_factor": 1.0}
    assert Expander().block(block).receptive_field == "the whole document"
    base = _transformer_outputs(dict(block), WORDS)
    changed_words = list(WORDS)
    changed_words[15] = "hello"
    out = _transformer_outputs(dict(block), changed_words)
    assert all(not numpy.allclose(out[j], base[j], atol=1e-5) for j in range(len(WORDS)))
