"""Static parameter counts against models spaCy builds and initializes here: the spec's example
of every architecture spaCy can build on its own, and the architectures spaCy 3.8 registers
beyond the spec. (Parsers, spancat and TextCatEnsemble.v2 only initialize inside a pipeline:
the oracle's 288 initialized components cover them in test_layers.py.)"""

from __future__ import annotations

import numpy
import pytest
import spacy
from spacy.util import registry

from archwright.compiler.compilation import Compilation
from archwright.compiler.dims import Count
from archwright.compiler.expand import Expander
from archwright.compiler.registry import default_registry

ALONE = ("spacy.Tok2Vec.v2", "spacy.HashEmbedCNN.v2", "spacy.CharacterEmbed.v2", "spacy.MultiHashEmbed.v2",
         "spacy.MaxoutWindowEncoder.v2", "spacy.MishWindowEncoder.v2", "spacy.Tok2VecListener.v1",
         "spacy.Tagger.v1", "spacy.TextCatBOW.v1", "spacy.TextCatBOW.v2", "spacy.TextCatCNN.v1",
         "spacy.TextCatCNN.v2", "spacy.TextCatEnsemble.v1", "spacy.EntityLinker.v1")
CARDS = [card for card in default_registry().cards() if card.in_spec and card.name in ALONE]
CNN = {"@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 2, "embed_size": 300, "window_size": 1,
       "maxout_pieces": 3, "subword_features": True, "pretrained_vectors": None}
BEYOND_THE_SPEC = {
    "TextCatReduce": {"@architectures": "spacy.TextCatReduce.v1", "tok2vec": CNN, "exclusive_classes": True,
                      "use_reduce_first": True, "use_reduce_last": False, "use_reduce_max": True,
                      "use_reduce_mean": True, "nO": 3},
    "TextCatReduce multilabel": {"@architectures": "spacy.TextCatReduce.v1", "tok2vec": CNN,
                                 "exclusive_classes": False, "use_reduce_first": False, "use_reduce_last": True,
                                 "use_reduce_max": False, "use_reduce_mean": False, "nO": 4},
    "TextCatParametricAttention": {"@architectures": "spacy.TextCatParametricAttention.v1", "tok2vec": CNN,
                                   "exclusive_classes": True, "nO": 5},
    "TextCatBOW.v3": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 2,
                      "no_output_layer": False, "length": 4096, "nO": 3},
    "SpanFinder": {"@architectures": "spacy.SpanFinder.v1", "tok2vec": CNN,
                   "scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": 2}},
}


def _with_labels(block):
    """The block with every label count left `null` set to 3, so spaCy can initialize it alone."""
    if isinstance(block, dict):
        return {k: 3 if k == "nO" and v is None else _with_labels(v) for k, v in block.items()}
    return block


def _spacy_count(block: dict) -> int:
    nlp = spacy.blank("en")
    model = registry.resolve({"model": block})["model"]
    docs = [nlp("A sample sentence, with words."), nlp("Another one")]
    if "Encoder" in block["@architectures"]:  # an encoder reads vectors, not docs
        docs = [numpy.zeros((len(doc), block["width"]), dtype="f") for doc in docs]
    model.initialize(X=docs)
    return sum(node.get_param(name).size for node in model.walk() for name in node.param_names
               if node.has_param(name))


@pytest.mark.parametrize("card", CARDS, ids=lambda c: c.name)
def test_the_spec_examples_count_as_spacys_built_models(card) -> None:
    block = _with_labels(Compilation(card.example).resolved.data["model"])
    expansion = Expander().block(block)
    assert expansion is not None, f"{card.name} has no expansion"
    assert expansion.layer.count == Count(_spacy_count(block))


@pytest.mark.parametrize("name", BEYOND_THE_SPEC)
def test_architectures_beyond_the_spec_count_as_spacys_built_models(name: str) -> None:
    block = BEYOND_THE_SPEC[name]
    assert Expander().block(block).layer.count == Count(_spacy_count(block))


def test_every_spec_model_architecture_is_covered_here_or_by_the_oracle() -> None:
    in_pipelines_only = {"spacy.TransitionBasedParser.v1", "spacy.TransitionBasedParser.v2",
                         "spacy.SpanCategorizer.v1", "spacy.TextCatEnsemble.v2", "spacy.EntityLinker.v2"}
    # symbolic until a model is built: their weights live in PyTorch or Hugging Face (test_layers.py)
    pretraining = {"spacy.PretrainCharacters.v1", "spacy.PretrainVectors.v1"}  # their own test below
    elsewhere = {"spacy.TorchBiLSTMEncoder.v1", "spacy-transformers.TransformerModel.v1",
                 "spacy-transformers.TransformerListener.v1", "spacy-transformers.Tok2VecTransformer.v1"}
    architectures = {card.name for card in default_registry().cards()
                     if card.in_spec and card.registry == "architectures" and not card.legacy}
    assert architectures <= set(ALONE) | in_pipelines_only | pretraining | elsewhere


def _objective_count(build, width: int, vectors_width: int = 0) -> int:
    """Parameters of a pretraining objective spaCy builds on a tok2vec, minus the tok2vec's."""
    nlp = spacy.blank("en")
    if vectors_width:
        nlp.vocab.vectors.resize((10, vectors_width))
    tok2vec = registry.resolve({"m": dict(CNN, width=width)})["m"]
    model = build(nlp.vocab, tok2vec)
    model.initialize(X=[nlp("a few words")])

    def count(m):
        return sum(node.get_param(name).size for node in m.walk() for name in node.param_names if node.has_param(name))

    return count(model) - count(tok2vec)


def test_pretraining_objectives_count_as_spacys() -> None:
    from spacy.ml.models.multi_task import create_pretrain_characters, create_pretrain_vectors

    characters = {"@architectures": "spacy.PretrainCharacters.v1", "maxout_pieces": 2, "hidden_size": 48,
                  "n_characters": 3}
    ours = Expander({"tok2vec_width": 32}).block(characters).layer.count
    assert ours == Count(_objective_count(create_pretrain_characters(2, 48, 3), 32))
    vectors = {"@architectures": "spacy.PretrainVectors.v1", "maxout_pieces": 3, "hidden_size": 40, "loss": "L2"}
    ours = Expander({"tok2vec_width": 32, "vectors_width": 20}).block(vectors).layer.count
    assert ours == Count(_objective_count(create_pretrain_vectors(3, 40, "L2"), 32, vectors_width=20))


def test_a_bilstm_counts_as_the_pytorch_lstm_spacy_builds() -> None:
    """spaCy's BiLSTM keeps its weights in PyTorch (a shim): count those."""
    block = {"@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 24, "depth": 3, "dropout": 0.1}
    model = registry.resolve({"model": block})["model"]
    model.initialize(X=[numpy.zeros((5, 24), dtype="f")])
    in_pytorch = sum(p.numel() for node in model.walk() for shim in node.shims for p in shim._model.parameters())
    assert in_pytorch > 0 and Expander().block(block).layer.count == Count(in_pytorch)


def test_a_hash_embed_cnn_with_one_maxout_piece_builds_maxout_not_mish() -> None:
    """The spec says maxout_pieces = 1 gives Mish; spaCy 3.8 builds one-piece maxout layers."""
    block = dict(CNN, maxout_pieces=1)
    nlp = spacy.blank("en")
    model = registry.resolve({"model": block})["model"]
    model.initialize(X=[nlp("A few words")])
    theirs = sorted((node.name, name, node.get_param(name).shape) for node in model.walk()
                    for name in node.param_names if node.has_param(name))
    ours = sorted((layer.name, name, shape) for layer in Expander().block(block).layer.walk()
                  for name, shape in layer.params.items())
    assert ours == theirs and "mish" not in {name for name, _, _ in ours}
