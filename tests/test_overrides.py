"""Command-line overrides (spec §9.4): `decode_value` against srsly's reader, and
`parse_cli_overrides` against spaCy's own `spacy.cli._util.parse_config_overrides`.

Known, documented difference: srsly's (ujson's) float parsing can be off in the last bits, while
archwright decodes floats exactly, so floats are compared with math.isclose(rel_tol=1e-12).
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archwright.compiler.overrides import ENV_VARIABLE, decode_value, parse_cli_overrides
from conftest import same_ordered

FLOAT_REL_TOL = 1e-12  # srsly/ujson float parsing is imprecise in the last bits (documented)


def srsly_decode(text: str):
    """What spaCy's CLI does with one value: srsly.json_loads, falling back to the raw string."""
    srsly = pytest.importorskip("srsly")
    try:
        return srsly.json_loads(text)
    except ValueError:
        return str(text)


def close_value(a, b) -> bool:
    """Type-exact equality (1 is not True, dict key order kept), NaN == NaN, floats within 1e-12."""
    if isinstance(a, float) and isinstance(b, float):
        if a != a and b != b:
            return True
        return a == b or math.isclose(a, b, rel_tol=FLOAT_REL_TOL)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(close_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close_value(x, y) for x, y in zip(a, b))
    return a == b


# ---------------------------------------------------------------------------------------------
# decode_value: a table of tricky inputs, each compared with srsly's own answer

TRICKY = [
    # numbers in ujson's lenient dialect
    "0", "-0", "01", "-01", "00", "1e3", "1E3", "1e+3", "1e-3", "1.", "-1.", "-.5", ".5", "1.e5",
    "1e", "1e+", "1E-", "1.0", "-0.0", "0.001", "3.5e-4", "0.1", "1.5e-3", "+1", "0x10", "1_000",
    "1.2.3", "1e5e5", "1e5.5", "-", "--", "1e400", "-1e400", "1e-400",
    "1.7976931348623157e308", "2.2250738585072014e-308",  # imprecise in ujson: isclose
    # integers around the 64-bit limits
    str(2**63 - 1), str(2**63), str(2**63 + 1), str(2**64 - 1), str(2**64), str(2**64 + 1),
    str(-(2**63)), str(-(2**63) - 1), "123456789012345678901234567890",
    "18446744073709551616.0", "-9223372036854775809.0",
    # literals, and the spellings that are not JSON
    "null", "true", "false", "True", "False", "None", "NaN", "nan", "Infinity", "-Infinity",
    "tru", "truex", "nullx", "1x",
    # strings, with the quotes typed
    '"5"', '""', '"en"', '"a\\nb"', '"\\u00e9\\"q\\""', '"\\ud83d\\ude00"', '"\\/"', '"\t"',
    '"é"', '"\\x"', '"unterminated', '"', '"a"b', "'a'",
    # containers
    "[1,2]", "[1, 2]", "[]", "{}", "[01]", '{"a": 01}', "[[1,[2,[3,[]]]],{}]",
    '{"a":{"b":[1,"x",null]}}', "[true,false,null]", '["a", 1.5, [-.5]]', "[1,]", '{"a":1,}',
    "[1 2]", '{"a" 1}', "{1:2}", "[", "]", '{"a":1,"a":2}',
    # whitespace and trailing data
    " 1 ", "\t[1, 2]\n", "\n", "", " ", "1 2", "[1] x", "1,", "null null",
    # plain words, as typed on the command line
    "abc", "en", "corpus/train.spacy", "${paths.train}", "spacy.Tok2Vec.v2",
]


@pytest.mark.parametrize("text", TRICKY, ids=repr)
def test_decode_value_matches_srsly(text):
    expected = srsly_decode(text)
    actual = decode_value(text)
    assert close_value(actual, expected), f"decode_value({text!r}) = {actual!r}, srsly gives {expected!r}"


# What spec §9.4 states, independent of srsly.
SPEC_EXAMPLES = [
    ("01", 1),
    ("1e3", 1000.0),
    ('"5"', "5"),
    ("[1,2]", [1, 2]),
    ("null", None),
    ("true", True),
    ("True", "True"),
    ("NaN", "NaN"),
    (str(2**64), str(2**64)),
    (str(2**64 - 1), 2**64 - 1),
    (str(-(2**63)), -(2**63)),
    ("hello", "hello"),
    ("1.", 1.0),
    ("-.5", -0.5),
]


@pytest.mark.parametrize("text,expected", SPEC_EXAMPLES, ids=[repr(t) for t, _ in SPEC_EXAMPLES])
def test_decode_value_spec_examples(text, expected):
    assert close_value(decode_value(text), expected)


# ujson artefacts: srsly turns these malformed or out-of-range numbers into values (-0.0, 0, nan,
# wrapped-around integers); archwright keeps the text, as for any other value that is not JSON.
# A documented difference: the test pins both sides of it.
UJSON_QUIRKS = [
    pytest.param("-.", id="minus-dot->-0.0"),
    pytest.param("-e5", id="minus-e5->-0.0"),
    pytest.param("- ", id="minus-space->0"),
    pytest.param("[-]", id="[-]->[0]"),
    pytest.param("92233720368547758070", id="20-digit-int-wraps-around"),
    pytest.param(str(-(2**64)), id="minus-2**64->0"),
]


@pytest.mark.parametrize("text", UJSON_QUIRKS)
def test_decode_value_keeps_text_where_ujson_invents_a_number(text):
    assert not isinstance(srsly_decode(text), str)
    assert decode_value(text) == text


def test_decode_value_reads_zero_with_a_huge_exponent_as_zero():
    assert math.isnan(srsly_decode("0e900"))  # ujson's artefact
    assert decode_value("0e900") == 0.0  # the number's exact value, as json.loads gives


def _nesting(value):
    """(depth, innermost) of [[[...]]], iteratively: deep lists are too deep to compare recursively."""
    depth = 0
    while isinstance(value, list) and len(value) == 1:
        depth, value = depth + 1, value[0]
    if isinstance(value, list) and not value:
        return depth + 1, None
    return depth, value


@pytest.mark.parametrize("depth", [10, 200, 499, 600, 900, 1025, 5000])
def test_decode_value_deep_nesting_matches_srsly(depth):
    """srsly decodes lists nested up to 1024 deep and falls back to the text beyond;
    decode_value must never raise (a RecursionError is an internal error, exit 2, in the CLI)."""
    text = "[" * depth + "]" * depth
    expected = srsly_decode(text)
    actual = decode_value(text)
    if isinstance(expected, str):
        assert actual == expected
    else:
        assert _nesting(actual) == _nesting(expected) == (depth, None)


def test_decode_value_falls_back_to_text_near_srslys_nesting_limit():
    """Documented difference: Python's JSON reader stops near 1,000 levels, srsly at 1,024."""
    text = "[" * 1024 + "]" * 1024
    assert _nesting(srsly_decode(text)) == (1024, None)
    assert decode_value(text) == text


# ---------------------------------------------------------------------------------------------
# decode_value: a property over generated JSON-ish text

_pad = st.sampled_from(["", " ", "\t", "\n", "  "])
_ints = st.integers(min_value=-(2**63), max_value=2**64 - 1).map(str)
_leading_zero_ints = st.builds(lambda sign, n: f"{sign}0{n}", st.sampled_from(["", "-"]),
                               st.integers(min_value=0, max_value=10**6))
_decimals = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}.{frac}{exp}",
    st.sampled_from(["", "-"]),
    st.integers(min_value=0, max_value=10**6),
    st.text("0123456789", min_size=1, max_size=6),
    st.one_of(st.just(""), st.builds(lambda e, n: f"{e}{n}", st.sampled_from(["e", "E", "e-", "e+"]),
                                     st.integers(min_value=0, max_value=30))),
)
_exact_decimals = st.sampled_from(["0.001", "3.5e-4", "0.5", "-0.25", "1e-3", "2.5", "0.1", "1e3", "10.0"])
_literals = st.sampled_from(["true", "false", "null", "True", "None", "NaN"])
_words = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9_./]{0,8}\Z")
_strings = st.one_of(st.text(max_size=10).map(json.dumps),
                     st.text(max_size=10).map(lambda s: json.dumps(s, ensure_ascii=False)))


def _json_ish(leaves, mappings=True):
    def containers(children):
        if not mappings:
            return st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
        return st.one_of(
            st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.lists(st.tuples(_strings, children), max_size=3).map(
                lambda kvs: "{" + ", ".join(f"{k}: {v}" for k, v in kvs) + "}"),
        )
    value = st.recursive(leaves, containers, max_leaves=8)
    return st.builds(lambda a, v, b: a + v + b, _pad, value, _pad)


_NUMBERS_ETC = st.one_of(_ints, _leading_zero_ints, _decimals, _exact_decimals, _literals)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json_ish(_NUMBERS_ETC, mappings=False), _words))
def test_decode_value_property_without_strings(text):
    expected = srsly_decode(text)
    assert close_value(decode_value(text), expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json_ish(st.one_of(_NUMBERS_ETC, _strings)), _words))
def test_decode_value_property(text):
    expected = srsly_decode(text)
    assert close_value(decode_value(text), expected)


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789.-+eE[], ", max_size=8))
def test_decode_value_total_on_number_alphabet(text):
    """Never raises, whatever the input; returns the text itself or a JSON-ish value."""
    value = decode_value(text)
    assert value == text or isinstance(value, (int, float, list, dict, bool, type(None)))


# ---------------------------------------------------------------------------------------------
# parse_cli_overrides against spaCy's parse_config_overrides


@pytest.fixture
def spacy_parse(monkeypatch):
    """spaCy's parser, with SPACY_CONFIG_OVERRIDES cleared (it reads os.environ itself)."""
    pytest.importorskip("spacy")
    from spacy.cli._util import parse_config_overrides

    monkeypatch.delenv(ENV_VARIABLE, raising=False)

    def parse(words, env=None):
        if env is None:
            monkeypatch.delenv(ENV_VARIABLE, raising=False)
        else:
            monkeypatch.setenv(ENV_VARIABLE, env)
        return parse_config_overrides(list(words))

    return parse


CLI_CASES = [
    ["--a.b", "1"],
    ["--a.b=1"],
    ["--training.max-epochs=5"],          # '=' form: hyphens in the name become underscores
    ["--training.max-steps", "7"],        # space form: kept
    ["--a-b.c-d=1"],
    ["--a.b", "--c.d"],                   # a flag followed by another flag: true
    ["--a.b"],                            # a flag followed by nothing: true
    ["--a.b", "1", "--c.d"],
    ["--a.b", "-1"],                      # one dash: a value, not a flag
    ["--a.b", "-.5"],
    ["--a.b=--c"],                        # spaCy removes every '--' in the word
    ["--a.b=1=2"],
    ["--a.b="],
    ["--a.b", ""],
    ["--a.b", "[1, 2]"],
    ["--a.b", "01", "--a.c", "1e3", "--a.d", "null", "--a.e", "True", "--a.f", "NaN"],
    ["--a.b", str(2**64), "--a.c", str(2**64 - 1)],
    ["--a.b", "1", "--a.b", "2"],         # the last one wins
    ["--nlp.lang", "en", "--paths.train", "corpus/train.spacy"],
    ["--training.optimizer.learn_rate", "0.001"],
    [],
]


@pytest.mark.parametrize("words", CLI_CASES, ids=lambda w: " ".join(w) or "<none>")
def test_parse_cli_overrides_matches_spacy(words, spacy_parse):
    expected = spacy_parse(words)
    original = list(words)
    actual, diagnostics = parse_cli_overrides(words, environ={})
    assert diagnostics == []
    assert close_value(actual, expected), f"{words}: archwright {actual!r}, spaCy {expected!r}"
    assert words == original, "the caller's list is consumed"


# A value typed with JSON quotes, as the spaCy docs suggest for strings that look like numbers.
QUOTED_CASES = [
    ["--nlp.lang", '"en"'],
    ["--paths.train", '"corpus/train.spacy"'],
    ['--training.seed="5"'],
    ["--a.b", '["x", "y"]'],
]


@pytest.mark.parametrize("words", QUOTED_CASES, ids=lambda w: " ".join(w))
def test_parse_cli_overrides_quoted_strings_match_spacy(words, spacy_parse):
    expected = spacy_parse(words)
    actual, diagnostics = parse_cli_overrides(words, environ={})
    assert diagnostics == []
    assert same_ordered(actual, expected)


ENV_CASES = [
    (["--a.b", "1"], "--a.b 2"),                             # the variable wins
    (["--a.b", "1", "--c.d", "3"], "--a.b 2 --x.y=4"),       # merged
    ([], "--training.max-epochs=5 --training.max-steps 7"),
    ([], "--a.b 'hello world' --c.d \"[1, 2]\""),            # shell quoting
    (["--a.b=1"], "--a.b"),                                  # a flag in the variable: true
    (["--a.b", "1"], ""),
    (["--a.b", "1"], "   "),
]


@pytest.mark.parametrize("words,env", ENV_CASES, ids=lambda x: repr(x))
def test_parse_cli_overrides_environment_matches_spacy(words, env, spacy_parse):
    expected = spacy_parse(words, env=env)
    actual, diagnostics = parse_cli_overrides(words, environ={ENV_VARIABLE: env})
    assert diagnostics == []
    assert same_ordered(actual, expected), f"{words} + {env!r}: archwright {actual!r}, spaCy {expected!r}"


def test_parse_cli_overrides_reads_os_environ_by_default(monkeypatch, spacy_parse):
    expected = spacy_parse(["--a.b", "1"], env="--a.b 2 --c.d 3")  # sets the variable
    actual, diagnostics = parse_cli_overrides(["--a.b", "1"])
    assert diagnostics == []
    assert actual == expected == {"a.b": 2, "c.d": 3}
    assert list(actual) == list(expected)


def test_parse_cli_overrides_explicit_environ_ignores_os_environ(monkeypatch):
    monkeypatch.setenv(ENV_VARIABLE, "--a.b 2")
    actual, diagnostics = parse_cli_overrides(["--a.b", "1"], environ={})
    assert (actual, diagnostics) == ({"a.b": 1}, [])


@pytest.mark.parametrize("env", ['--a.b "unterminated', "--a.b x\\"])
def test_parse_cli_overrides_incomplete_quoting_matches_spacy(env, spacy_parse):
    expected = spacy_parse([], env=env)
    actual, diagnostics = parse_cli_overrides([], environ={ENV_VARIABLE: env})
    assert (actual, diagnostics) == (expected, [])


# Rejected words: spaCy aborts (click's NoSuchOption or SystemExit from msg.fail);
# archwright reports AW110 and keeps the good overrides.
REJECTED = [
    # (cli words, env, archwright's remaining overrides, number of AW110)
    (["stray"], None, {}, 1),
    (["stray", "--a.b", "1"], None, {"a.b": 1}, 1),
    (["--a.b", "1", "2"], None, {"a.b": 1}, 1),       # a second value is a stray word
    (["--nodot", "1"], None, {}, 1),                  # no section: the value goes with it
    (["--nodot"], None, {}, 1),
    (["--nodot=1", "--a.b", "2"], None, {"a.b": 2}, 1),
    (["--a.b", "1"], "stray", {"a.b": 1}, 1),
    (["--a.b", "1"], "--nodot 1", {"a.b": 1}, 1),
    (["-a.b", "1"], None, {}, 2),
]


@pytest.mark.parametrize("words,env,remaining,count", REJECTED, ids=lambda x: repr(x))
def test_parse_cli_overrides_rejects_what_spacy_rejects(words, env, remaining, count, spacy_parse):
    from click.exceptions import NoSuchOption

    with pytest.raises((SystemExit, NoSuchOption)):
        spacy_parse(words, env=env)
    environ = {} if env is None else {ENV_VARIABLE: env}
    actual, diagnostics = parse_cli_overrides(words, environ=environ)
    assert [d.code for d in diagnostics] == ["AW110"] * count
    assert all(d.is_error and d.message for d in diagnostics)
    assert actual == remaining
