"""The wiring mistakes spaCy's `debug config` calls valid, caught statically, all in one run."""

from __future__ import annotations

from pathlib import Path

from archwright.compiler.compilation import Compilation

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "pipeline_cnn.cfg").read_text(encoding="utf-8")


def _edit(text: str, section: str, key: str, value: str) -> str:
    """Set `key = value` in [section] (which must already have the key)."""
    lines = text.split("\n")
    start = lines.index(f"[{section}]")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(f"{key} ="):
            lines[i] = f"{key} = {value}"
            return "\n".join(lines)
    raise AssertionError(f"no {key} in [{section}]")


def _line_of(text: str, section: str, key: str) -> int:
    lines = text.split("\n")
    start = lines.index(f"[{section}]")
    return next(i for i in range(start + 1, len(lines)) if lines[i].startswith(f"{key} =")) + 1


def test_the_example_is_clean() -> None:
    assert Compilation(EXAMPLE).diagnostics == []


def test_every_wiring_mistake_in_one_run_with_both_spans() -> None:
    text = EXAMPLE
    text = _edit(text, "components.tagger.model.tok2vec", "width", "128")  # listener width != 96
    text = _edit(text, "components.tok2vec.model.embed", "width", "64")  # embed width != encode width
    text = _edit(text, "components.parser.model.tok2vec", "upstream", '"tok2vek"')  # misspelled upstream
    text = _edit(text, "components.ner.model", "hidden_width", "-5")  # width = -5
    text = _edit(text, "training", "dropout", "3.5")  # dropout = 3.5
    found = {(d.code, d.span.line): d for d in Compilation(text).diagnostics}
    listener = found[("AW411", _line_of(text, "components.tagger.model.tok2vec", "width"))]
    assert [r.span.line for r in listener.related] == [_line_of(text, "components.tok2vec.model.encode", "width")]
    embed = found[("AW412", _line_of(text, "components.tok2vec.model.encode", "width"))]
    assert [r.span.line for r in embed.related] == [_line_of(text, "components.tok2vec.model.embed", "width")]
    upstream = found[("AW409", _line_of(text, "components.parser.model.tok2vec", "upstream"))]
    assert upstream.hint == 'did you mean "tok2vec"?'
    assert ("AW307", _line_of(text, "components.ner.model", "hidden_width")) in found
    assert ("AW430", _line_of(text, "training", "dropout")) in found  # a warning: spaCy trains with it
    assert all(d.is_error for d in found.values() if d.code != "AW430")


def test_a_text_classifier_plugged_in_as_a_tok2vec() -> None:
    text = EXAMPLE.replace(
        '[components.tagger.model.tok2vec]\n@architectures = "spacy.Tok2VecListener.v1"\n'
        'width = ${components.tok2vec.model.encode.width}\nupstream = "*"',
        '[components.tagger.model.tok2vec]\n@architectures = "spacy.TextCatBOW.v3"\n'
        'exclusive_classes = true\nngram_size = 1\nno_output_layer = false')
    diagnostic, = [d for d in Compilation(text).diagnostics if d.is_error]
    assert diagnostic.code == "AW401"
    assert "Model[List[Doc], List[Floats2d]]" in diagnostic.message
    assert "Model[List[Doc], Floats2d]" in diagnostic.message


def test_pipeline_components_and_training_settings() -> None:
    text = EXAMPLE.replace('pipeline = ["tok2vec", "tagger", "parser", "ner"]',
                           'pipeline = ["tok2vec", "taggr", "parser", "ner"]')
    text = text.replace("max_epochs = 0\n", "max_epoch = 0\n")
    text = text.replace("frozen_components = []", 'frozen_components = ["nerr"]')
    codes = {d.code: d for d in Compilation(text).diagnostics}
    assert codes["AW404"].hint == "did you mean `tagger`?"
    assert codes["AW410"].hint == "did you mean `max_epochs`?"
    assert codes["AW413"].hint == "did you mean `ner`?"
    assert codes["AW451"].severity.value == "warning"  # tagger is now outside the pipeline


def test_component_settings_and_training_blocks_are_type_checked() -> None:
    text = EXAMPLE.replace('overwrite = false\nscorer = {"@scorers": "spacy.tagger_scorer.v1"}',
                        'overwrite = "no"\nscorer = {"@scorers": "spacy.tagger_scorer.v1"}')
    text = text.replace('tokenizer = {"@tokenizers": "spacy.Tokenizer.v1"}',
                        'tokenizer = {"@tokenizers" = "spacy.Tokenizer.v1"}')
    found = {d.config_path: d for d in Compilation(text).diagnostics}
    assert found["components.tagger.overwrite"].code == "AW305"
    assert "must be bool" in found["components.tagger.overwrite"].message
    assert found["nlp.tokenizer"].code == "AW305"
    assert found["nlp.tokenizer"].hint.startswith('write tokenizer = {"@tokenizers": "spacy.Tokenizer.v1"}')


def test_every_listener_architecture_is_a_listener_of_the_topology() -> None:
    """Each registered architecture with an `upstream` argument listens to a component: the
    topology (and so the checks, the graph and the builder) knows what it listens to."""
    from archwright.compiler.registry import default_registry
    from archwright.compiler.topology import LISTENER_KINDS

    listening = {c.name for c in default_registry().cards() if any(a.name == "upstream" for a in c.args)}
    assert len(listening) >= 5
    assert listening <= set(LISTENER_KINDS)


def test_a_transformer_layers_listener_without_a_transformer() -> None:
    text = EXAMPLE.replace(
        '[components.tagger.model.tok2vec]\n@architectures = "spacy.Tok2VecListener.v1"\n'
        'width = ${components.tok2vec.model.encode.width}\nupstream = "*"',
        '[components.tagger.model.tok2vec]\n@architectures = "spacy-curated-transformers.TransformerLayersListener.v1"\n'
        'layers = 2\nwidth = 96\nupstream = "*"\n\n[components.tagger.model.tok2vec.pooling]\n'
        '@layers = "reduce_mean.v1"')
    assert text != EXAMPLE
    listener = [d for d in Compilation(text).diagnostics if d.code == "AW409"]
    assert [d.config_path for d in listener] == ["components.tagger.model.tok2vec"]
    assert "transformer" in listener[0].message
