"""Data-driven: the 141 configs of ../shared/corpus/external (52 other repositories), against
what spaCy 3.8 does with each (oracle.jsonl), without any --code.

- a config spaCy loads gets no error (a project's own name is at most a warning), unless spaCy's
  own `spacy train` stages (spacy_stages) reject it before or after loading: `spacy train`
  interpolates the config before it fills spaCy's defaults, so `${paths.vectors}` with no
  `vectors` in [paths] fails there;
- a config spaCy rejects for a genuine config error gets an error;
- a config that needs its project's own code gets no did-you-mean guess (AW304, AW407) for it.
The "genuine?" rows (`spacy.sent.suggester.v1`) are the project's own code: its repository's
en_moodcat/sent_suggester.py registers that name, so they are custom-code rows here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archwright.compiler.compilation import Compilation
from conftest import CORPUS, needs_shared

EXTERNAL = CORPUS / "external"
ROWS = ([json.loads(line) for line in (EXTERNAL / "oracle.jsonl").read_text(encoding="utf-8").splitlines() if line]
        if (EXTERNAL / "oracle.jsonl").is_file() else [])
GENUINE = ("config_error", "parse_error", "other")


def _kind(row: dict) -> str:
    load = row["load"]
    if load.get("ok"):
        return "loads"
    kind = load.get("class", "")
    return "genuine" if kind.startswith(GENUINE) else "custom" if kind.startswith(("custom_code", "genuine?")) \
        else "missing"


def _errors(row: dict) -> list:
    return [d for d in Compilation(Path(EXTERNAL / row["file"])).diagnostics if d.is_error]


@needs_shared
def test_the_corpus_is_complete() -> None:
    kinds = [_kind(row) for row in ROWS]
    assert (len(ROWS), kinds.count("loads"), kinds.count("genuine")) == (141, 91, 7)


LOADS = [row for row in ROWS if _kind(row) == "loads"]


@needs_shared
@pytest.mark.parametrize("row", LOADS, ids=[r["file"] for r in LOADS])
def test_no_errors_on_configs_spacy_loads(row: dict) -> None:
    errors = _errors(row)
    if errors:  # loading is not all of `spacy train`: its own stages must then fail too
        from spacy_stages import verdicts

        stage, message = verdicts([(EXTERNAL / row["file"]).read_text(encoding="utf-8")])[0]
        assert stage in ("parse", "training", "initialize"), (stage, message, [(d.code, d.message) for d in errors])


REJECTED = [row for row in ROWS if _kind(row) == "genuine"]


@needs_shared
@pytest.mark.parametrize("row", REJECTED, ids=[r["file"] for r in REJECTED])
def test_an_error_on_every_config_spacy_rejects(row: dict) -> None:
    assert _errors(row), f"spaCy rejects it: {row['load'].get('message', '')[:300]}"


CUSTOM = [row for row in ROWS if _kind(row) == "custom"]


@needs_shared
@pytest.mark.parametrize("row", CUSTOM, ids=[r["file"] for r in CUSTOM])
def test_a_projects_own_names_get_no_guess(row: dict) -> None:
    guesses = [d for d in _errors(row) if d.code in ("AW304", "AW407")]
    assert guesses == []
