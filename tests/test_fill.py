"""`archwright fill`: the defaults spaCy's `init fill-config` adds, written into the user's text.

Golden files: tests/golden/fill/NAME.cfg with NAME.expected, the output of `archwright fill
NAME.cfg` (exit code, stderr, stdout). Regenerate with ARCHWRIGHT_UPDATE_GOLDEN=1 and review.
The parity tests compare with spaCy 3.8 itself (the parity extra).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from conftest import REAL, needs_shared, oracle_rows, run_cli

import archwright
from archwright.authoring.fill import fill_text, filled_data
from archwright.compiler.registry import default_registry, registry_keys
from archwright.compiler.serialize import to_str
from archwright.authoring.fmt import same

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "fill"
UPDATE = os.environ.get("ARCHWRIGHT_UPDATE_GOLDEN") == "1"
EXAMPLES = sorted((ROOT / "examples" / "architectures").glob("*.cfg"))


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path.name} is missing: run with ARCHWRIGHT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def _unordered(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_unordered(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_unordered(x, y) for x, y in zip(a, b))
    return same(a, b)


def _kept_in_order(original: str, filled: str) -> bool:
    """Every line of the original is in the filled text, in the same order (but for inline
    `{...}` values, which are written again when they gain keys)."""
    lines = iter(filled.splitlines())
    return all(any(line == other for other in lines) for line in original.splitlines() if "= {" not in line)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.cfg")), ids=lambda p: p.stem)
def test_golden(path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT).as_posix()
    code, out, err = run_cli(capsys, "fill", relative)
    _check(path.with_suffix(".expected"), f"exit {code}\n{err}{out}")
    original = path.read_text(encoding="utf-8")
    if out:
        assert fill_text(out).added == fill_text(out).changed == []  # filling twice changes nothing
        changed = {path.rsplit(".", 1)[-1] for path in fill_text(original).changed}
        kept = "\n".join(line for line in original.splitlines() if line.split(" = ")[0] not in changed)
        assert _kept_in_order(kept, out)
        assert code == (1 if "error" in err else 0)


def test_a_pipeline_gets_its_factory_defaults_and_training_sections() -> None:
    text = (GOLDEN / "pipeline.cfg").read_text(encoding="utf-8")
    result = fill_text(text)
    assert [d for d in result.diagnostics if d.is_error] == []
    data = archwright.resolve(result.text, interpolate=False)
    assert data["components"]["tok2vec"]["model"]["@architectures"] == "spacy.HashEmbedCNN.v2"
    assert data["components"]["tagger"]["model"]["tok2vec"]["upstream"] == "*"
    assert data["training"]["optimizer"]["learn_rate"] == 0.0005  # the user's value stays
    assert data["training"]["batcher"]["size"] == 500 and data["training"]["batcher"]["tolerance"] == 0.2
    assert data["corpora"]["train"]["path"] == "${paths.train}"
    assert "pretraining" in data and "pretrain" not in data["corpora"]
    assert list(data)[:3] == ["paths", "system", "nlp"]  # new top-level sections in spaCy's order


def test_a_block_naming_another_function_keeps_only_its_own_keys() -> None:
    text = ('[nlp]\nlang = "en"\npipeline = []\n\n[training]\n\n[training.optimizer]\n'
            '@optimizers = "SGD.v1"\nlearn_rate = 0.1\n')
    data = archwright.resolve(fill_text(text).text, interpolate=False)
    assert "beta1" not in data["training"]["optimizer"]  # Adam's defaults are not merged into SGD
    card = default_registry().get("optimizers", "SGD.v1")
    assert data["training"]["optimizer"]["L2"] == card.by_name["L2"].default  # SGD's own default


def test_nothing_to_fill(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.cfg"
    path.write_text('[model]\n@layers = "spacy.LinearLogistic.v1"\nnO = null\nnI = null\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "fill", str(path), "-o", str(path))
    assert (code, out) == (0, "") and "nothing to fill" in err
    assert [p.name for p in tmp_path.iterdir()] == ["c.cfg"]


def test_output_file_is_written_and_errors_write_nothing(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.cfg"
    source.write_text('[scorer]\n@layers = "spacy.LinearLogistic.v1"\n', encoding="utf-8")
    target = tmp_path / "out.cfg"
    code, _, err = run_cli(capsys, "fill", str(source), "-o", str(target))
    assert code == 0 and "2 settings added" in err
    assert target.read_text(encoding="utf-8").endswith("nO = null\nnI = null\n")
    bad = tmp_path / "bad.cfg"
    bad.write_text("x = 1\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "fill", str(bad), "-o", str(tmp_path / "never.cfg"))
    assert code == 1 and "AW101" in err and not (tmp_path / "never.cfg").exists()


def test_the_python_api() -> None:
    assert archwright.fill('[s]\n@layers = "spacy.LinearLogistic.v1"\n').endswith("nI = null\n")
    with pytest.raises(archwright.ConfigError) as error:
        archwright.fill('[m]\n@architectures = "spacy.HashEmbedCNN.v2"\n')
    assert {d.code for d in error.value.diagnostics} == {"AW308"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_specs_examples_filled_validate_clean(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = fill_text(text)
    assert result.text is not None and [d for d in result.diagnostics if d.is_error] == []
    assert _kept_in_order(text, result.text)
    assert _unordered(archwright.resolve(result.text, interpolate=False),
                      filled_data(archwright.resolve(text, interpolate=False)))


def test_the_specs_examples_filled_equal_spacys_fill() -> None:
    from confection import Config
    from spacy.util import registry

    compared = 0
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        try:
            theirs = registry.fill(Config().from_str(text, interpolate=False), validate=False)
        except Exception:  # noqa: BLE001, S112 - a plugin (spacy-transformers) that is not installed
            continue
        ours = archwright.resolve(fill_text(text).text, interpolate=False)
        assert _unordered(json.loads(json.dumps(dict(theirs))), ours), path.name
        compared += 1
    assert compared >= 25


def _strip(node: dict) -> None:
    """Remove every argument that equals its card's default."""
    keys = registry_keys(node)
    if len(keys) == 1 and isinstance(node[keys[0]], str):
        card = default_registry().get(keys[0][1:], node[keys[0]])
        for arg in card.args if card else ():
            if arg.kind == "keyword" and not arg.required and arg.name in node and same(node[arg.name], arg.default):
                del node[arg.name]
    for value in node.values():
        if isinstance(value, dict):
            _strip(value)


@needs_shared
def test_stripped_real_configs_fill_as_spacy_fills_them() -> None:
    from confection import Config
    from spacy import util

    loads = [row["file"] for row in oracle_rows() if row.get("spacy_load", {}).get("status") == "ok"]
    compared = 0
    for name in loads[::2]:
        data = archwright.resolve((REAL / name).read_text(encoding="utf-8"), interpolate=False)
        for section in ("corpora", "training", "initialize", "pretraining"):
            data.pop(section, None)
        _strip(data)
        stripped = to_str(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                config = util.load_config_from_str(stripped, interpolate=False)
                nlp = util.load_model_from_config(config, auto_fill=True, validate=False)
        except Exception:  # noqa: BLE001, S112 - a factory from a plugin that is not installed
            continue
        theirs = json.loads(json.dumps(dict(Config(nlp.config).copy())))
        theirs["components"].update(util.get_sourced_components(config))
        result = fill_text(stripped)
        assert [d for d in result.diagnostics if d.is_error] == [], name
        ours = archwright.resolve(result.text, interpolate=False)
        # not modelled: components outside the pipeline (spaCy drops them)
        listed = set(ours["nlp"]["pipeline"]) | set(ours["nlp"]["disabled"])
        ours["components"] = {k: v for k, v in ours["components"].items() if k in listed}
        assert _unordered(theirs, ours), name
        compared += 1
    assert compared > 50


def test_score_weights_are_normalized_as_spacy_does() -> None:
    from spacy import util

    text = (GOLDEN / "score-weights.cfg").read_text(encoding="utf-8")
    result = fill_text(text)
    ours = archwright.resolve(result.text, interpolate=False)["training"]["score_weights"]
    nlp = util.load_model_from_config(util.load_config_from_str(text, interpolate=False), auto_fill=True,
                                      validate=False)
    assert ours == dict(nlp.config["training"]["score_weights"])
    # the same weights; the user's lines stay where they were, so the key order may differ
    assert ours["tag_acc"] == 0.67 and ours["ents_f"] == 0.33
    assert result.changed == ["training.score_weights.tag_acc", "training.score_weights.ents_f"]
