"""archwright's verdict against spaCy's own `spacy train` stages, on one-edit mutations of the
init-config configs that spaCy trains (see agreement.py, mutations.py and spacy_stages.py).

Fixed seeds here; `python benchmarks/agreement.py` draws a random seed. Every disagreement is
either fixed or listed in KNOWN with the reason, and a new one fails the test.
"""

from __future__ import annotations

import pytest

from conftest import REAL, needs_shared

pytest.importorskip("spacy", reason="the agreement test compares with spaCy (the parity extra)")

from agreement import base_files, compare  # noqa: E402

# (base config, edit) -> why archwright and spaCy disagree (none at these seeds). Known beyond
# them: a bound in [pretraining.objective] (maxout_pieces = 0) is an error because `spacy pretrain`
# fails on it (its model is built there), while `spacy train`, which these stages run, never
# builds the objective.
KNOWN: dict[tuple[str, str], str] = {}


def _unknown(rows: list[dict]) -> list[dict]:
    return [r for r in rows if (r["base"], r["edit"]) not in KNOWN]


@needs_shared
@pytest.mark.parametrize("seed", [101, 102])
def test_verdicts_agree_with_spacy_train(seed: int) -> None:
    bases = [(p.name, p.read_text(encoding="utf-8")) for p in base_files(REAL)]
    assert len(bases) >= 15
    tally = compare(bases, seed, per_base=6)
    print(tally.summary())
    assert tally.cases >= 100
    assert _unknown(tally.missed) == [], tally.disagreements()
    assert _unknown(tally.false) == [], tally.disagreements()
    assert tally.location >= 0.99, tally.disagreements()
