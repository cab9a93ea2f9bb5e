"""IR-1: the grammar, configparser's line model, and the spans on every node."""

from __future__ import annotations

import configparser
from unittest import mock

import pytest
from conftest import needs_shared, real_configs
from hypothesis import example, given, settings, strategies as st

from archwright.grammar import lexer, parser as parser_module, tables
from archwright.grammar.parser import parse
from archwright.grammar.syntax import BadDollar, EscapedDollar, LineSection, Reference, Text


def _at(text: str, span) -> str:
    """The source text a single-line span covers."""
    assert span.line == span.end_line
    return text.split("\n")[span.line - 1][span.column - 1:span.end_column - 1]


def test_spans_of_header_key_value_and_references() -> None:
    text = "# top\n[components.tagger]\n  width = ${vars.width}\nname: \"x${a:b}y\" $$ $5\n"
    tree, diagnostics = parse(text)
    assert diagnostics == []
    assert [c.text for c in tree.comments] == ["# top"]
    section, = tree.sections
    assert section.name == "components.tagger"
    assert _at(text, section.header_span) == "[components.tagger]"
    assert _at(text, section.name_span) == "components.tagger"
    width, name = section.entries
    assert (width.key, _at(text, width.key_span), width.delimiter) == ("width", "width", "=")
    assert _at(text, width.value.span) == "${vars.width}"
    ref, = width.value.references
    assert (ref.path, _at(text, ref.span)) == ("vars.width", "${vars.width}")
    assert name.delimiter == ":"
    kinds = [type(p) for p in name.value.pieces]
    assert kinds == [Text, Reference, Text, EscapedDollar, Text, BadDollar, Text]
    assert [_at(text, p.span) for p in name.value.pieces] == ['"x', "${a:b}", 'y" ', "$$", " ", "$", "5"]
    assert name.value.raw == '"x${a:b}y" $$ $5'


def test_multiline_values_keep_positions_and_comments() -> None:
    text = "[a]\nx = [\n    1,\n\n    # inside\n    ${b.c}\n    ]\n# after\ny = 2\n"
    tree, diagnostics = parse(text)
    assert diagnostics == []
    x, y = tree.sections[0].entries
    assert x.value.raw == "[\n1,\n\n${b.c}\n]"  # configparser joins stripped lines with '\n'
    ref, = x.value.references
    assert (ref.span.line, ref.span.column) == (6, 5)
    assert [(c.text, c.span.line) for c in x.value.comments] == [("# inside", 5)]
    assert [(c.text, c.span.line) for c in tree.sections[0].comments] == [("# after", 8)]
    assert (x.value.span.line, x.value.span.end_line) == (2, 7)
    assert y.value.raw == "2"


def test_every_bad_line_is_reported_in_one_run() -> None:
    text = "[a]\nfoo\nx = 1\nbar\n= 3\n[b]\n]\n"
    _, diagnostics = parse(text)
    found = [(d.code, d.span.line, d.span.column) for d in diagnostics]
    assert found == [("AW102", 2, 1), ("AW102", 4, 1), ("AW103", 5, 1), ("AW102", 7, 1)]


def test_the_parse_tables_are_up_to_date_with_the_grammar() -> None:
    # archwright runs the LALR tables Lark built from config.lark at release time
    assert tables.TABLES.read_text(encoding="utf-8") == tables.render(tables.build_tables()), \
        "run python -m archwright.grammar.tables"


def _lark_reference():
    return tables.lark_parser(parser_module._Builder())


_AWKWARD = ["", "\n\n", "# only a comment", "x = 1\n[a]\ny = ${x}", "[a]\nk = $$ ${b.c} $5 ${\n  # c\n  more",
            "[a]\n= 1\nfoo\n[b] trailing\nk: v\n\n\n  cont\n; c\n  ${a.k}"]


@pytest.mark.parametrize("text", _AWKWARD)
def test_the_tables_parse_as_lark_does(text) -> None:
    assert parse(text)[0] == _lark_reference().parse(text)


@needs_shared
def test_the_tables_parse_the_corpus_as_lark_does() -> None:
    reference = _lark_reference()
    for name, text in real_configs():
        text = text.removeprefix("\ufeff")
        assert parse(text)[0] == reference.parse(text), name


# --- configparser's line model, checked against configparser itself ---------------------------

_LINE = st.one_of(
    st.sampled_from(["[a]", "[b]", "[a.b]", " [c] ", "[x] trailing", "[]", "# c", "  ; c", "", "   ",
                     "]", "foo", "= 1", "k", "  k2 = v", "x:y=1", "a = b = c", "\tt = 1", "[ d ]"]),
    st.builds(lambda indent, key, sep, value: f"{indent}{key}{sep}{value}",
              st.sampled_from(["", " ", "  ", "\t", "    "]), st.sampled_from(["x", "y", "key", "k k"]),
              st.sampled_from([" = ", "=", ": ", " :"]),
              st.sampled_from(["1", "", "[1,", "2]", "\"s\"", "a # b", "${a.x}", "v ; w"])),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, max_size=14))
def test_line_model_matches_configparser(lines: list[str]) -> None:
    text = "\n".join(lines)
    reference = configparser.RawConfigParser(interpolation=None, strict=True)
    reference.optionxform = str  # type: ignore[method-assign]
    try:
        reference.read_string(text)
        expected = {name: dict(reference[name].items()) for name in reference.sections()}
        expected_default = dict(reference.defaults())
    except configparser.Error:
        expected = None
    tree, diagnostics = parse(text)
    if expected is None:
        assert any(d.is_error for d in diagnostics)
        return
    got: dict[str, dict[str, str]] = {}
    for section in tree.sections:
        got.setdefault(section.name, {}).update({e.key: e.value.raw for e in section.entries})
    default = got.pop("DEFAULT", {})
    assert got == expected
    assert default == expected_default
    assert not any(d.code in ("AW101", "AW102", "AW103", "AW104", "AW105") for d in diagnostics)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b.c", "x y"]), st.text(
    alphabet=st.sampled_from(list("ab 1[]{}\"$.:,#;")), max_size=20)), max_size=6))
def test_value_and_reference_spans_point_at_their_text(entries) -> None:
    text = "[s]\n" + "".join(f"k{i} = {value}\n" for i, (_, value) in enumerate(entries))
    tree, _ = parse(text)
    for entry in tree.sections[0].entries:
        if entry.value.raw:
            assert _at(text, entry.value.span) == entry.value.raw
        for piece in entry.value.pieces:
            assert _at(text, piece.span) == piece.text


# --- the lexer's one-match lines give the general line model's syntax tree -----------------------

def _tree(text: str, fast: bool):
    """The tree, each section as a plain Section (a LineSection may still hold comment rows)."""
    tree = parser_module._PARSER.parse(lexer.ConfigLexer(fast=fast).lex(text))
    return tree._replace(sections=tuple(s.full() if isinstance(s, LineSection) else s for s in tree.sections))


_FAST_LINES = st.sampled_from([
    "[a]", "[b.c]", "[]", "[a", "[a]]", "[x] trailing", "]", "# c", "#", "  ; c", "\t# t", "", " ", "\t", "\r",
    "k = 1", "k=1", "k: v", "k = ", "=1", " k = 2", "  cont", "x = ${a.b}", "y = $$", "a b = c", "k = 1 # c",
    "k\x1c= v\x1c", "\u00a0k = 1", "k = v\r", "foo", "key:value=2", "k = \u2028x", "k = ${a.b} x", "z = $",
    "z = ${", "z = ${a} $$ $5 ${b:c}", "z=${}"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_FAST_LINES, max_size=10), st.booleans())
# a line that is no header keeps the value above it open: the next indented line continues it
@example(["[a]", "k = 1", "[]", " k = 2", "  cont"], True)
@example(["[a]", "k = ${a.b}", "# c", "  cont"], False)
# a key line read from its row is continued after blank and comment lines (its entry reopened)
@example(["[a]", "k = 1", "", "# c", "", "  cont", "# d", "k = 2"], True)
@example(["k = ", "# c", " x = 2", "[a]"], False)
def test_one_match_lines_parse_as_the_general_line_model(lines, newline_at_end) -> None:
    text = "\n".join(lines) + ("\n" if newline_at_end else "")
    assert _tree(text, fast=True) == _tree(text, fast=False)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_FAST_LINES, max_size=10), st.booleans(), st.integers(1, 40))
@example(["[a]", "k = 1", "", "[b]", " k = 2"], True, 4)
@example(["[a]", "k = 1", "# c", "[b]", "k = 2"], False, 1)
def test_a_config_read_in_chunks_parses_as_the_general_line_model(lines, newline_at_end, chunk) -> None:
    # a large config is read into rows a chunk at a time, each ending before a header line
    text = "\n".join(lines) + ("\n" if newline_at_end else "")
    with mock.patch.object(lexer, "_CHUNK", chunk):
        assert _tree(text, fast=True) == _tree(text, fast=False)


@needs_shared
def test_every_span_of_a_corpus_config_points_at_its_text() -> None:
    # most spans are computed from a line and a column when asked (LineEntry, LineSection)
    for name, text in real_configs(step=3):
        tree, _ = parse(text)
        for section in tree.sections:
            assert _at(text, section.header_span).startswith(f"[{section.name}]"), name
            assert _at(text, section.name_span) == section.name, name
            for entry in section.entries:
                assert _at(text, entry.key_span) == entry.key, name
                value = entry.value
                assert entry.raw == value.raw and entry.value_span == value.span
                assert "".join(p.text for p in value.pieces) == value.raw
                if value.span.line == value.span.end_line:
                    assert _at(text, value.span) == value.raw, name
                    assert entry.span == (entry.key_span.line, entry.key_span.column, value.span.line,
                                          value.span.end_column)
                for piece in value.pieces:
                    if piece.span.line == piece.span.end_line:
                        assert _at(text, piece.span) == piece.text, name


def test_a_large_config_makes_its_repeated_keys_and_short_values_one_string() -> None:
    # memory: a config of 100,000 sections repeats a few keys and values 900,000 times
    text = "".join(f"[s{i}]\nwidth = 96\nname = \"x\"\n" for i in range(5000))
    assert len(text) > lexer._SHARE_ABOVE
    tree, _ = parse(text)
    first, last = tree.sections[0].entries[1], tree.sections[-1].entries[1]
    assert first.key is last.key and first.raw is last.raw
    with mock.patch.object(lexer, "_SHARE_ABOVE", len(text)):
        unshared, _ = parse(text)
    assert unshared == tree and unshared.sections[-1].entries[1].key is not first.key


_LINT_LINES = st.sampled_from([
    "[a]", "[ b ]", "[c] x", "k = 1", "k = 1 # c", "k = 1\t; c", "k = '1'", "k = ' x ' ", "k = \"a\"", "  cont",
    "k = ${a.k}", "${a.k} = 1", "a${b} = 2", "a$b${c} = 3", "a$<b> = 4", "k = $<a.k>", "k = x $<a.k> y",
    "k: ${a.k}", "# c", "  # indented", "k = \"x", "  y\"", "k = 1 #", "k = [1, # 2]", "k = \u00a0# c",
    "k = 1\u00a0# c", "$", "${", "k = $$", ""])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_LINT_LINES, max_size=12), st.sampled_from([parser_module.MANY_DOLLARS, 0]))
@example(["[a]", "k = 1", "[b]", "a$b${c} = 3"], 0)
@example(["x${a} = 1", "[a]", "k = 1"], 0)
@example(["x${a} = 1", "[a]", "k = 1"], parser_module.MANY_DOLLARS)
def test_lint_reports_what_it_reports_when_every_section_is_a_candidate(lines, many) -> None:
    # the candidate search only skips sections with nothing to report (`many`: the number of
    # '$' above which it searches line by line)
    text = "\n".join(lines) + "\n"
    with mock.patch.object(parser_module, "MANY_DOLLARS", many):
        tree, diagnostics = parse(text)
    with mock.patch.object(parser_module, "_candidate_sections", lambda tree, text: [True] * len(tree.sections)):
        assert parser_module._lint(tree, text) == [d for d in diagnostics if d.code in _LINT_CODES]


_LINT_CODES = {"AW150", "AW151", "AW152", "AW153", "AW154", "AW155", "AW250"}


@needs_shared
def test_every_comment_of_a_corpus_config_points_at_its_text() -> None:
    # most comments are kept as their rows, and made when asked
    for name, text in real_configs(step=3):
        tree, _ = parse(text)
        comments = list(tree.comments) + [c for s in tree.sections for c in s.comments]
        assert comments == sorted(comments, key=lambda c: c.span.line), name
        for comment in comments:
            assert _at(text, comment.span) == comment.text and comment.text[0] in "#;", name


@needs_shared
def test_one_match_lines_parse_the_corpus_as_the_general_line_model() -> None:
    for name, text in real_configs():
        assert _tree(text, fast=True) == _tree(text, fast=False), name
