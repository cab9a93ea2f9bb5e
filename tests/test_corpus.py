"""Data-driven: every confection behaviour case and every real config resolves as confection does."""

from __future__ import annotations

from pathlib import Path

import pytest

from archwright.compiler.compilation import Compilation
from conftest import REAL, confection_cases, needs_shared, oracle_rows, same_ordered, same_value

CASES = confection_cases()
ORACLE = oracle_rows()


@needs_shared
def test_the_corpus_is_complete() -> None:
    assert len(CASES) == 272
    assert len(ORACLE) == 658


@needs_shared
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_confection_case(case: dict) -> None:
    compilation = Compilation(case["config"], overrides=case["overrides"], interpolate=case["interpolate"],
                              spacy_defaults=False)
    expect = case["expect"]
    errors = [d for d in compilation.resolution_diagnostics if d.is_error]
    if "error" in expect:
        assert errors, f"confection raises {expect['error']}: {expect['message'][:200]}"
        assert compilation.resolved is None
        for d in errors:  # every error says where it is, in the config or in the overrides
            assert d.span is not None or d.config_path
        return
    assert not errors, errors
    if "ok_repr" in expect:  # values JSON cannot hold: a config that contains itself, infinity
        assert repr(compilation.resolved.data) == expect["ok_repr"]
    else:
        # same values and the same key order as confection 1.3.4
        assert same_ordered(compilation.resolved.data, expect["ok"])


@needs_shared
@pytest.mark.parametrize("row", ORACLE, ids=[r["file"] for r in ORACLE])
def test_real_config(row: dict) -> None:
    compilation = Compilation(Path(REAL / row["file"]), spacy_defaults=False)  # confection's reading
    parsed = row["parse"]
    if parsed["status"] == "ok":
        assert [d for d in compilation.resolution_diagnostics if d.is_error] == []
        # the oracle stores confection's result with sorted keys: compare values only
        assert same_value(compilation.resolved.data, parsed["config"])
    else:
        errors = [d for d in compilation.diagnostics if d.is_error]
        assert errors, f"confection rejects it: {parsed['error_class']}: {parsed['message'][:200]}"
        assert all(d.span is not None for d in errors)


LOADED = [row for row in ORACLE if row["spacy_load"]["status"] == "ok"]


@needs_shared
@pytest.mark.parametrize("row", LOADED, ids=[r["file"] for r in LOADED])
def test_no_errors_on_configs_spacy_loads(row: dict) -> None:
    compilation = Compilation(Path(REAL / row["file"]))
    errors = [d for d in compilation.diagnostics if d.is_error]
    assert compilation.checked is not None
    # loading is not all of `spacy train`: an error in a section that only a later stage reads
    # ([training], [initialize], [pretraining]) must be what spaCy's own later stage raises
    later = [d for d in errors if (d.config_path or "").split(".")[0] in ("training", "initialize", "pretraining")]
    assert errors == later
    if later:
        from spacy_stages import verdicts

        stage, message = verdicts([compilation.text])[0]
        assert stage in ("training", "initialize"), (stage, message, later)


REJECTED = [row for row in ORACLE if row["spacy_load"]["status"] == "error"]


@needs_shared
@pytest.mark.parametrize("row", REJECTED, ids=[r["file"] for r in REJECTED])
def test_configs_spacy_rejects_get_errors(row: dict) -> None:
    """Every config spaCy fails to load gets an error, except configs that are not pipelines:
    bare model blocks (as spaCy's own spacy/ml/models/defaults/*.cfg, and the spec's examples),
    and partial configs meant to be merged into a pipeline's (spaCy's default_config_*.cfg).
    spaCy rejects those only because they have no [nlp]; archwright checks their blocks."""
    compilation = Compilation(Path(REAL / row["file"]))
    if any(d.is_error for d in compilation.diagnostics):
        return
    data = compilation.resolved.data
    assert not any(section in data for section in ("nlp", "components", "training")), (
        f"spaCy rejects this pipeline config: {row['spacy_load'].get('message', '')[:300]}")
