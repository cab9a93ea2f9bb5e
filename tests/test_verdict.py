"""Every problem in one run, each once; hints that lead to fewer errors, never into another.

The rules are stated in docs/diagnostics.md ("The two rules"); test_agreement.py measures the
verdicts against spaCy itself.
"""

from __future__ import annotations

import random
import re

import pytest

from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import default_registry, factories
from conftest import REAL, needs_shared

CLEAN = '''[paths]
train = null

[nlp]
lang = "en"
pipeline = ["tok2vec", "tagger"]

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "spacy.Tagger.v2"
nO = null

[components.tagger.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "*"

[training]
dropout = 0.1
patience = 1600
seed = ${paths.train}

[training.optimizer]
@optimizers = "Adam.v1"
'''

# one mistake of each phase: (old text, new text, the line the diagnostic is at, code)
MISTAKES = [
    ("[components.tok2vec]\n", "[components.tok2vec]\n]\n", "]", "AW102"),  # syntax: a line that is no line
    ("seed = ${paths.train}", "seed = ${paths.trian}", "seed = ${paths.trian}", "AW201"),  # reference
    ('"Adam.v1"', '"Adamm.v1"', '@optimizers = "Adamm.v1"', "AW304"),  # registry name
    ("embed_size = 2000", 'embed_size = "big"', 'embed_size = "big"', "AW305"),  # argument type
    ("width = 96\nupstream", "width = 128\nupstream", "width = 128", "AW411"),  # wiring
    ("patience = 1600", "patience = 1.5", "patience = 1.5", "AW305"),  # a top-level section
]


def _line(text: str, line: str) -> int:
    return text.split("\n").index(line) + 1


def test_the_clean_config_is_clean() -> None:
    assert Compilation(CLEAN).diagnostics == []


def test_one_mistake_in_each_phase_reports_each_once_and_nothing_more() -> None:
    text = CLEAN
    for old, new, _, _ in MISTAKES:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    found = sorted((d.code, d.span.line) for d in Compilation(text).diagnostics)
    assert found == sorted((code, _line(text, line)) for _, _, line, code in MISTAKES)


@pytest.mark.parametrize("old, new, line, code", MISTAKES, ids=[m[3] for m in MISTAKES])
def test_each_mistake_alone_reports_itself(old, new, line, code) -> None:
    text = CLEAN.replace(old, new)
    assert [(d.code, d.span.line) for d in Compilation(text).diagnostics] == [(code, _line(text, line))]


# -- hints ------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"did you mean (\$\{[^}]+\})\?")
_NAME = re.compile(r'did you mean "([^"]+)"')
_KEY = re.compile(r"did you mean `([^`]+)`\?")


def _apply(text: str, d) -> str | None:
    """The text with the diagnostic's hint applied at its span, or None if it is no edit."""
    lines = text.split("\n")
    if d.span is None or d.span.line != d.span.end_line:
        return None
    line = lines[d.span.line - 1]
    start, end = d.span.column - 1, d.span.end_column - 1
    for pattern, render in ((_REFERENCE, lambda m: m), (_NAME, lambda m: f'"{m}"'), (_KEY, lambda m: m)):
        match = pattern.search(d.hint or "")
        if match:
            lines[d.span.line - 1] = line[:start] + render(match.group(1)) + line[end:]
            return "\n".join(lines)
    return None


def _broken_configs() -> list[str]:
    from mutations import mutate

    rng = random.Random(7)
    architectures = sorted(c.name for c in default_registry().cards() if c.registry == "architectures")
    out = []
    bases = sorted(REAL.glob("init-config__en_*_efficiency_cpu.cfg"))
    for base in bases:
        text = base.read_text(encoding="utf-8")
        for kind in ("typo", "reference", "version", "typo", "reference"):
            m = mutate(text, rng, architectures, sorted(factories()), kind)
            if m is not None:
                out.append(m.text)
    return out


@needs_shared
def test_applying_any_hint_leaves_fewer_errors_and_fixes_its_own() -> None:
    applied = 0
    for text in _broken_configs():
        before = [d for d in Compilation(text).diagnostics if d.is_error]
        for d in before:
            fixed = _apply(text, d)
            if fixed is None:
                continue
            applied += 1
            after = [e for e in Compilation(fixed).diagnostics if e.is_error]
            assert len(after) < len(before), (d.code, d.message, d.hint, [(e.code, e.message) for e in after])
            assert not any(e.code == d.code and e.message == d.message for e in after), (d.code, d.hint)
    assert applied >= 30


# -- overrides and sourced components -----------------------------------------------------------

def test_an_override_without_a_section_is_aw110_and_a_value_an_override_set_says_so(tmp_path, capsys) -> None:
    from conftest import run_cli

    path = tmp_path / "config.cfg"
    path.write_text(CLEAN, encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", str(path), "--seed", "1")
    assert code == 1 and "AW110" in err and "`--seed`" in err
    code, out, err = run_cli(capsys, "validate", str(path), "--format", "json", "--training.patience", '"x"')
    found = __import__("json").loads(out)["files"][0]["diagnostics"]
    assert code == 1 and [d["code"] for d in found] == ["AW305"]
    assert found[0]["message"].endswith("(set by --training.patience x)")
    assert run_cli(capsys, "validate", str(path), "--strict")[0] == 0  # archwright's own flags stay flags


@pytest.mark.parametrize("source, code, says", [
    ("tqdm", "AW423", "is installed but is not a spaCy pipeline"),  # spaCy imports it, then fails
    ("en_core_web_xx", "AW423", "E050"),
    ("./training/model-best", "AW422", "is a path"),
])
def test_source_is_decided_from_installed_metadata(source, code, says) -> None:
    text = CLEAN.replace('[components.tagger]\nfactory = "tagger"\n', f'[components.tagger]\nsource = "{source}"\n')
    found = [d for d in Compilation(text).diagnostics if d.code.startswith("AW42")]
    assert [d.code for d in found] == [code] and says in found[0].message


def test_installed_packages_are_checked_only_where_spacy_is_installed(monkeypatch) -> None:
    """archwright needs no spaCy: without it here, what the training environment has is unknown."""
    from archwright.compiler import environment

    plugin = '[nlp]\nlang = "en"\npipeline = ["llm"]\n\n[components]\n\n[components.llm]\nfactory = "llm"\n'
    sourced = CLEAN.replace('[components.tagger]\nfactory = "tagger"\n', '[components.tagger]\nsource = "en_core_web_xx"\n')
    assert [d.code for d in Compilation(plugin).diagnostics] == ["AW424"]  # spaCy is installed for the tests
    monkeypatch.setattr(environment, "trains_here", lambda: False)
    assert [d.code for d in Compilation(plugin).diagnostics] == []
    assert [d.code for d in Compilation(sourced).diagnostics if d.code.startswith("AW42")] == ["AW422"]


@pytest.mark.parametrize("old, new, says", [
    ('factory = "tagger"\n', 'factory = "tagger"\nlabel_smoothing = -0.05\n', "must be at least 0, not -0.05"),
    ('factory = "tagger"\n', 'factory = "tagger"\nlabel_smoothing = 1.5\n', "must be less than 1, not 1.5"),
    ('@optimizers = "Adam.v1"\n', '@optimizers = "Adam.v1"\nbeta1 = 0\n', "must be positive, not 0"),
])
def test_bounds_functions_check_in_their_bodies(old, new, says) -> None:
    """body_checks: bounds a function's signature does not show (Thinc raises on these)."""
    found = [d for d in Compilation(CLEAN.replace(old, new)).diagnostics]
    assert [d.code for d in found] == ["AW307"] and says in found[0].message
