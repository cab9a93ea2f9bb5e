"""The shortcuts the checks take give what the long way gives: the plain validator that answers
most blocks in pydantic-core, the text search before references into set-aside sections are
looked for, the listeners found without filling any model, and the settings of a config that
resolved without an error checked without looking for UNKNOWN values."""

from __future__ import annotations

from unittest import mock

import pytest
from conftest import needs_shared, real_configs
from hypothesis import given, settings, strategies as st

from archwright.compiler import schema
from archwright.compiler.compilation import Compilation
from archwright.compiler.pipeline import references_set_aside
from archwright.compiler.sections import check_sections
from archwright.compiler.topology import listeners, topology


@pytest.fixture(scope="module")
def corpus() -> list[Compilation]:
    return [Compilation(text, path=name) for name, text in real_configs()]


def _report(diagnostics) -> list[tuple]:
    return [(d.code, d.message, d.span, d.config_path, d.hint) for d in diagnostics]


def _without_plain_validator(card, values, blocks=()):
    try:
        schema.validator(card).validate_python(values)
    except schema.ValidationError as e:
        return e.errors(include_url=False)
    return []


@needs_shared
def test_the_plain_validator_changes_no_diagnostic_of_the_corpus(corpus) -> None:
    fast = [_report(c.diagnostics) for c in corpus]
    with mock.patch.object(schema, "validation_errors", _without_plain_validator):
        slow = [_report(Compilation(c.text, path=c.path).diagnostics) for c in corpus]
    assert fast == slow
    assert sum(map(len, fast)) > 500  # the corpus has its mistakes: the comparison says something


@needs_shared
def test_listeners_are_the_topologys_on_the_corpus(corpus) -> None:
    found = 0
    for c in corpus:
        if c.resolved is not None:
            assert listeners(c.resolved.data) == topology(c.resolved.data).listeners, c.path
            found += len(listeners(c.resolved.data))
    assert found > 100


@needs_shared
def test_settings_of_a_config_without_unknown_values_are_checked_alike(corpus) -> None:
    checked = 0
    for c in corpus:
        resolved = c.resolved
        if resolved is None or c.checked is None:
            continue
        assert not resolved.partial
        factories = {name: s.get("factory") for name, s in resolved.data.get("components", {}).items()
                     if isinstance(s, dict)} if isinstance(resolved.data.get("components"), dict) else {}
        args = (resolved.data, resolved.spans, factories, c.checked.incomplete)
        assert _report(check_sections(*args, partial=False)) == _report(check_sections(*args, partial=True)), c.path
        checked += 1
    assert checked > 300


@needs_shared
def test_the_text_search_for_set_aside_references_misses_none_of_the_corpus(corpus) -> None:
    for c in corpus:
        if c.syntax is not None:
            assert _report(references_set_aside(c.syntax, c.text)) == _report(references_set_aside(c.syntax)), c.path


_TARGET = st.sampled_from(["components.tok2vec.width", "pretraining.dropout", "components:tok2vec",
                           "paths.train", "vars.width"])
_REFERENCE = st.builds(lambda shape, target: shape.format(target), st.sampled_from(
    ["${{{}}}", "$${{{}}}", "$<{}>", "x ${{{}}} y", "[${{{}}}]", "${{{}"]), _TARGET)


def _with_value(section: str, reference: str) -> str:
    return (f'[nlp]\nlang = "en"\npipeline = []\n\n[paths]\ntrain = null\n\n[vars]\nwidth = 3\n\n'
            f'[components]\n\n[components.tok2vec]\nwidth = 2\n\n[pretraining]\ndropout = 0.1\n\n'
            f'[training]\ndropout = 0.1\n\n[{section}]\nvalue = {reference}\n')


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["training", "components.tagger", "pretraining", "nlp", "paths"]), _REFERENCE)
def test_the_text_search_for_set_aside_references_misses_none(section, reference) -> None:
    text = _with_value(section, reference)
    tree = Compilation(text).syntax
    assert _report(references_set_aside(tree, text)) == _report(references_set_aside(tree))


@pytest.mark.parametrize("section, reference, found", [
    ("training", "${components.tok2vec.width}", 1), ("training", "x $<pretraining.dropout> y", 1),
    ("components.tagger", "${components.tok2vec.width}", 0), ("training", "$${components.tok2vec.width}", 0)])
def test_a_reference_into_a_set_aside_section_is_found_with_the_text(section, reference, found) -> None:
    text = _with_value(section, reference)
    assert [d.code for d in references_set_aside(Compilation(text).syntax, text)] == ["AW426"] * found
