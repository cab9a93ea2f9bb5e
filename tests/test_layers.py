"""Static parameter counts and receptive fields (groundwork of the layer graph), against spaCy's
own initialized models (the oracle) and hand-derived values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archwright.compiler.compilation import Compilation
from archwright.compiler.dims import Count, dim_value, known
from archwright.compiler.expand import Expander
from archwright.compiler.topology import filled
from archwright.compiler.static import receptive_field_tokens
from archwright.compiler.registry import factories
from conftest import REAL, needs_shared, oracle_rows


def _symbols(component: dict, row: dict | None = None) -> dict[str, int]:
    # the oracle initialized configs that name vectors with a stand-in table: "..., width 300, ..."
    patches = " ".join((row or {}).get("initialize", {}).get("patches", []))
    vectors = re.search(r"stand-in table, width (\d+)", patches)
    return {"n_labels": len(component.get("labels") or []), "n_actions": component.get("n_moves") or 0,
            "entity_vector_length": component.get("nO") or 0, "vectors_width": int(vectors.group(1)) if vectors else 0}


def _value(dim, symbols: dict[str, int]) -> int:
    return known(dim, symbols)


def _expand(file: str, component: dict):
    settings = Compilation(Path(REAL / file)).resolved.data["components"][component["name"]]
    # spaCy fills what the model block leaves out from the factory's default config
    default = factories()[component["factory"]]["model"]
    return Expander().block(filled(settings.get("model", default), default))


# every component of the oracle whose architectures have an expansion so far
CASES = []
ROWS: dict[str, dict] = {}
for row in oracle_rows():
    init = row.get("initialize") or {}
    for component in init.get("components", []) if init.get("status") == "ok" else []:
        if component.get("factory") in factories() and component.get("param_count") is not None \
                and _expand(row["file"], component) is not None:
            CASES.append((row["file"], component))
            ROWS[row["file"]] = row


@needs_shared
def test_the_default_cnn_tok2vec_and_tagger() -> None:
    """spaCy 3.8's default English CNN: tok2vec 1,500,768 parameters, tagger 97 per tag."""
    data = Compilation(Path(REAL / "init-config__en_tagger_efficiency_cpu.cfg")).resolved.data
    tok2vec = Expander().block(data["components"]["tok2vec"]["model"])
    assert tok2vec.layer.count == Count(1_500_768)
    tagger = Expander(upstreams={"tok2vec": ("tok2vec", tok2vec)}).block(data["components"]["tagger"]["model"])
    assert str(tagger.layer.count) == "97·n_labels"
    assert tagger.layer.count.given({"n_labels": 6}) == Count(582)
    assert receptive_field_tokens(tagger) == 9  # depth 4, window 1: 2 * 1 * 4 + 1


@needs_shared
@pytest.mark.parametrize("file, component", CASES, ids=[f"{f}:{c['factory']}" for f, c in CASES])
def test_static_counts_equal_spacys(file: str, component: dict) -> None:
    expansion = _expand(file, component)
    assert expansion.layer.count.given(_symbols(component, ROWS[file])) == Count(component["param_count"])


@pytest.mark.parametrize("depth, window, tokens", [(4, 1, 9), (4, 2, 17), (1, 1, 3), (8, 3, 49)])
def test_window_encoders_see_2_window_depth_plus_1_tokens(depth: int, window: int, tokens: int) -> None:
    """The spec's example (depth 4, window 2: 17 tokens) fits 2 * window * depth + 1, not its
    formula depth * (2 * window + 1), which gives 20."""
    for name in ("spacy.MaxoutWindowEncoder.v2", "spacy.MishWindowEncoder.v2"):
        block = {"@architectures": name, "width": 8, "window_size": window, "depth": depth, "maxout_pieces": 2}
        assert receptive_field_tokens(Expander().block(block)) == tokens
    assert depth * (2 * window + 1) != tokens or depth == 1


@needs_shared
@pytest.mark.parametrize("file, component", CASES, ids=[f"{f}:{c['factory']}" for f, c in CASES])
def test_static_layers_have_spacys_parameter_shapes(file: str, component: dict) -> None:
    """The multiset of (layer, parameter, shape) equals that of spaCy's initialized model."""
    symbols = _symbols(component, ROWS[file])
    ours = sorted((layer.name, name, tuple(_value(d, symbols) for d in shape))
                  for layer in _expand(file, component).layer.walk() for name, shape in layer.params.items())
    theirs = sorted((layer["name"], name, tuple(shape)) for layer in component["layers"]
                    for name, shape in (layer.get("params") or {}).items())
    assert ours == theirs


def test_counts_that_depend_on_labels_stay_formulas() -> None:
    bow = Expander().block({"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                            "ngram_size": 1, "no_output_layer": False, "length": 1024, "nO": None})
    assert str(bow.layer.count) == "1,025·n_labels"
    assert bow.layer.count.given({"n_labels": 3}) == Count(3075)
    fixed = Expander().block({"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                              "ngram_size": 1, "no_output_layer": False, "length": 1024, "nO": 3})
    assert fixed.layer.count == Count(3075)


def test_receptive_fields_by_family() -> None:
    """Hand-derived: embeddings see their own token; a window encoder adds `window_size` tokens
    a side per layer; a BiLSTM sees the whole document; a transformer the span its span getter
    cuts; a listener what its upstream sees; pooled outputs their whole doc, span or entity."""
    cnn = {"@architectures": "spacy.HashEmbedCNN.v2", "width": 8, "depth": 3, "embed_size": 100,
           "window_size": 2, "maxout_pieces": 3, "subword_features": True, "pretrained_vectors": None}
    embed = {"@architectures": "spacy.CharacterEmbed.v2", "width": 8, "rows": 50, "nM": 4, "nC": 2,
             "include_static_vectors": False}
    multi = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 8, "attrs": ["NORM"], "rows": [10],
             "include_static_vectors": False}
    mish = {"@architectures": "spacy.MishWindowEncoder.v2", "width": 8, "window_size": 3, "depth": 2}
    bilstm = {"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 8, "depth": 2, "dropout": 0.0}
    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 8, "upstream": "*"}

    def field(block, **kwargs):
        return receptive_field_tokens(Expander(**kwargs).block(block))

    assert [field(embed), field(multi), field(cnn)] == [1, 1, 13]  # 13 = 2 * 2 * 3 + 1
    assert field({"@architectures": "spacy.Tok2Vec.v2", "embed": multi, "encode": mish}) == 13  # 2 * 3 * 2 + 1
    assert field({"@architectures": "spacy.Tok2Vec.v2", "embed": embed, "encode": bilstm}) == "the whole document"
    tagger = {"@architectures": "spacy.Tagger.v2", "tok2vec": listener, "nO": None}
    upstream = Expander().block(cnn)
    assert field(tagger, upstreams={"tok2vec": ("tok2vec", upstream)}) == 13
    parser = {"@architectures": "spacy.TransitionBasedParser.v2", "tok2vec": cnn, "state_type": "ner",
              "extra_state_tokens": False, "hidden_width": 8, "maxout_pieces": 2, "use_upper": True, "nO": None}
    assert field(parser) == 13
    finder = {"@architectures": "spacy.SpanFinder.v1", "tok2vec": cnn,
              "scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": 2, "nI": None}}
    assert field(finder) == 13

    def transformer(get_spans):
        return {"@architectures": "spacy-transformers.TransformerModel.v3", "name": "roberta-base",
                "get_spans": get_spans, "tokenizer_config": {}}

    strided = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 128, "stride": 96}
    assert field(transformer(strided)) == "its 128-token window (windows overlap: stride 96)"
    assert field(transformer({"@span_getters": "spacy-transformers.sent_spans.v1"})) == "its sentence"
    assert field(transformer({"@span_getters": "spacy-transformers.doc_spans.v1"})) == "the whole document"
    upstream = Expander().block(transformer(strided))
    listening = {"@architectures": "spacy-transformers.TransformerListener.v1", "grad_factor": 1.0,
                 "pooling": {"@layers": "reduce_mean.v1"}, "upstream": "*"}
    assert field(listening, upstreams={"transformer": ("transformer", upstream)}) == "its 128-token window (windows overlap: stride 96)"

    pooled = {"the whole document": [
        {"@architectures": "spacy.TextCatCNN.v2", "tok2vec": cnn, "exclusive_classes": True, "nO": 2},
        {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1,
         "no_output_layer": False, "length": 64, "nO": 2},
        {"@architectures": "spacy.TextCatReduce.v1", "tok2vec": cnn, "exclusive_classes": True, "nO": 2,
         "use_reduce_first": False, "use_reduce_last": False, "use_reduce_max": True, "use_reduce_mean": True},
        {"@architectures": "spacy.TextCatParametricAttention.v1", "tok2vec": cnn, "exclusive_classes": True,
         "nO": 2}],
        "the whole entity": [{"@architectures": "spacy.EntityLinker.v2", "tok2vec": cnn, "nO": 64}],
        "the whole span": [{"@architectures": "spacy.SpanCategorizer.v1", "tok2vec": cnn,
                            "reducer": {"@layers": "spacy.mean_max_reducer.v1", "hidden_size": 16},
                            "scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": 3, "nI": None}}]}
    objective = {"@architectures": "spacy.PretrainCharacters.v1", "maxout_pieces": 3, "hidden_size": 8,
                 "n_characters": 4}
    assert field(objective) == "what its tok2vec sees"
    for expected, blocks in pooled.items():
        assert [field(block) for block in blocks] == [expected] * len(blocks)


def test_every_spec_architecture_that_makes_a_model_has_an_expression() -> None:
    from archwright.compiler.registry import default_registry

    cards = [card for card in default_registry().cards() if card.in_spec and card.registry == "architectures"]
    assert len(cards) > 20
    assert [card.name for card in cards if card.expression is None] == []


def test_a_bilstm_counts_four_gates_per_layer_and_direction() -> None:
    """width 8: 4 units each way; a layer and direction holds 4·4 × (input + 4 + 2) weights:
    input 8 for the first layer and 2·4 for the next, so (16·14) · 2 directions · 2 layers."""
    bilstm = Expander().block({"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 8, "depth": 2,
                               "dropout": 0.0})
    assert bilstm.layer.count == Count(16 * 14 * 2 * 2) and bilstm.width == 8
    assert Expander().block({"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 8, "depth": 0,
                             "dropout": 0.0}).layer.count == Count(0)


def test_a_transformers_width_and_weights_stay_symbols_until_given() -> None:
    transformer = {"@architectures": "spacy-transformers.TransformerModel.v3", "name": "roberta-base",
                   "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 128,
                                 "stride": 96}, "tokenizer_config": {}}
    listener = {"@architectures": "spacy-transformers.TransformerListener.v1", "grad_factor": 1.0,
                "pooling": {"@layers": "reduce_mean.v1"}, "upstream": "*"}
    tagger = {"@architectures": "spacy.Tagger.v2", "tok2vec": listener, "nO": None}
    upstream = Expander().block(transformer)
    assert str(upstream.layer.count) == "transformer_params" and dim_value(upstream.width) == "hidden_width"
    # the listener's width is the transformer's: its symbol keeps its owner's name in every total
    count = Expander(upstreams={"transformer": ("transformer", upstream)}).block(tagger).layer.count
    assert str(count) == "hidden_width(transformer)·n_labels + n_labels"
    assert str(count.qualified("tagger")) == "hidden_width(transformer)·n_labels(tagger) + n_labels(tagger)"
    assert count.given({"hidden_width(transformer)": 768, "n_labels": 17}) == Count(768 * 17 + 17)
    known = Expander({"hidden_width": 768, "transformer_params": 124_645_632}).block(transformer)
    assert known.layer.count == Count(124_645_632) and known.width == 768
