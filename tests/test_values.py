"""A value's text decodes as confection decodes it: strict JSON, else Python's True/False/None,
else the text itself. values.load takes shortcuts for the common texts (plain strings, small
numbers, empty lists and tables); these tests hold it to the plain rule, json.loads first."""

from __future__ import annotations

import json
import math

from hypothesis import example, given, settings, strategies as st

from archwright.compiler.values import load


def _plain_rule(text: str):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return {"True": True, "False": False, "None": None}.get(text, text)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


json_like = st.one_of(
    st.text(alphabet='0123456789-+.eE"[]{}, tfnulrsaNIy\\\t\n', max_size=12),
    st.integers(-10**25, 10**25).map(str), st.floats(allow_nan=False).map(repr),
    st.lists(st.integers(-5, 5), max_size=3).map(json.dumps),
    st.text(max_size=8).map(json.dumps), st.sampled_from(["[]", "{}", "[ ]", "{ }", "[]x", "{}}", "-", "-0", "01",
                                                          "1.", ".5", "1e5", "1E+5", "-0.0", "NaN", "-Infinity",
                                                          "True", "None", "null ", " null", "true", "nul"]))


@settings(max_examples=3000, deadline=None)
@given(text=json_like)
@example(text="[]")
@example(text="{}")
@example(text="9" * 30)
def test_load_follows_the_plain_rule(text):
    assert _same(load(text), _plain_rule(text))


def test_an_empty_list_or_table_is_a_new_object_each_time():
    first, second = load("[]"), load("[]")
    assert first == second == [] and first is not second
    assert load("{}") is not load("{}")
