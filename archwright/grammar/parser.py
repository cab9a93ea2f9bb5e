"""parse(text) -> (ConfigFile, diagnostics): IR-1, with every problem of the text reported."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from operator import itemgetter

from ..limits import json_loads
from ..diagnostics import CompilerBug, Diagnostic, Related, Span
from ..gcpause import paused_gc
from . import lalr, lexer
from .lexer import Token
from .syntax import (PIECE_KINDS, BadLine, Comment, ConfigFile, Entry, LineSection, Reference, Section, Value,
                     comments_of)

MAX_INPUT_CHARS = 32 * 1024 * 1024
BOM = "\ufeff"
_INLINE_COMMENT = re.compile(r"\s[#;]")
INLINE_COMMENT_HINT = "move the comment to a line of its own above the key"
_new = tuple.__new__  # a named tuple without its Python-level __new__
_key = itemgetter(0)  # an entry's key (Entry and LineEntry alike)


def _span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


class _Builder:
    """Builds IR-1 nodes at each LALR reduction (no intermediate parse tree). Stateless."""

    def entry(self, children: list[Token]) -> Entry:
        key = children[0]
        pieces = tuple([_new(PIECE_KINDS[t.type], (t.value, _new(Span, (t.line, t.column, t.end_line, t.end_column))))
                        for t in children[1:]])
        first, last = pieces[0].span, pieces[-1].span
        span = _new(Span, (first.line, first.column, last.end_line, last.end_column))
        raw = pieces[0].text if len(pieces) == 1 else "".join([p.text for p in pieces])
        return _new(Entry, (key.value, _new(Span, (key.line, key.column, key.end_line, key.end_column)), key.delimiter,
                            _new(Value, (raw, pieces, span, ()))))

    @staticmethod
    def _items(children: list) -> tuple[list[Entry], list[Comment], list[BadLine]]:
        if len(children) == 1 and type(children[0]) is lexer.EntriesToken:  # the common case: only entries
            return children[0].entries, children[0].comments, []
        entries: list[Entry] = []
        comments: list = []  # Comment nodes, and comment rows (syntax.comment_of)
        bad_lines: list[BadLine] = []
        for child in children:
            if type(child) is Entry:
                entries.append(child)
            elif child.type == "ENTRIES":
                entries.extend(child.entries)
                comments.extend(child.comments)
            elif child.type in (lexer.NO_DELIMITER, lexer.EMPTY_KEY):
                bad_lines.append(BadLine(str(child), child.type, _span(child)))
            elif child.type == "VALUE_COMMENT" and entries:
                last = entries[-1]
                value = last.value
                comment = Comment(str(child), _span(child))
                entries[-1] = Entry(last.key, last.key_span, last.delimiter,
                                    Value(value.raw, value.pieces, value.span, value.comments + (comment,)))
            else:
                comments.append(Comment(str(child), _span(child)))
        return entries, comments, bad_lines

    def preamble(self, children: list) -> tuple[list[Entry], list[Comment], list[BadLine]]:
        return self._items(children)

    def section(self, children: list) -> Section:
        header = children[0]
        text = header.value
        if len(children) == 2 and type(children[1]) is lexer.EntriesToken:  # the common case: only entries
            if type(header) is lexer.HeaderToken:  # alone on its line at column 1: `[name]`
                token = children[1]
                return _new(LineSection, (text[1:-1], header.line, None, tuple(token.entries),
                                          tuple(token.comments), "", ()))
            entries, comments, bad_lines = children[1].entries, children[1].comments, ()
        else:
            entries, comments, bad_lines = self._items(children[1:]) if len(children) > 1 else ((), (), ())
        close = text.rindex("]")
        name = text[1:close]
        line, column = header.line, header.column
        if column == 1:  # the spans are made when asked
            return _new(LineSection, (name, line, None, tuple(entries), tuple(comments), text[close + 1:],
                                      tuple(bad_lines)))
        return _new(Section, (name, _new(Span, (line, column, header.end_line, header.end_column)),
                              _new(Span, (line, column + 1, line, column + 1 + len(name))),
                              tuple(entries), comments_of(comments), text[close + 1:], tuple(bad_lines)))

    def start(self, children: list) -> ConfigFile:
        (orphans, comments, bad_lines), *sections = children
        return ConfigFile(tuple(sections), comments_of(comments), tuple(orphans), tuple(bad_lines))


_PARSER = lalr.Parser(_Builder())
_LEXER = lexer.ConfigLexer()


def parse(text: str) -> tuple[ConfigFile | None, list[Diagnostic]]:
    """Parse config text into IR-1. Never raises on user input."""
    if len(text) > MAX_INPUT_CHARS:
        return None, [Diagnostic(
            "AW109", f"the config has {len(text):,} characters; archwright reads at most {MAX_INPUT_CHARS:,}",
            Span.point(1, 1), hint="split the file, or check that this is really a config file")]
    diagnostics: list[Diagnostic] = []
    if text.startswith(BOM):
        diagnostics.append(Diagnostic(
            "AW106", "the file starts with a UTF-8 byte-order mark; spaCy reads it as text and "
            "then finds no section header", Span(1, 1, 1, 2),
            hint="save the file as UTF-8 without BOM"))
        text = text[1:]
    try:  # the LALR tables Lark built from config.lark at release time (grammar/tables.py)
        with paused_gc():
            tree = _PARSER.parse(_LEXER.lex(text))
    except lalr.ParseError as e:  # the grammar accepts every token stream the lexer makes
        raise CompilerBug(f"the config grammar rejected lexer output: {e}") from e
    diagnostics.extend(_bad_lines(tree))
    diagnostics.extend(_structure(tree))
    diagnostics.extend(_lint(tree, text))
    return tree, diagnostics


def _bad_lines(tree: ConfigFile) -> list[Diagnostic]:
    out = []
    for e in tree.orphans:
        out.append(Diagnostic(
            "AW101", f"`{e.key}` is set before any [section] header", e.key_span, config_path=e.key,
            hint="every value must belong to a section: add a header such as `[paths]` above it"))
    for bad in tree.bad_lines + tuple(b for s in tree.sections for b in s.bad_lines):
        if bad.kind == lexer.EMPTY_KEY:
            out.append(Diagnostic(
                "AW103", f"line {bad.span.line} has no key before its '=' or ':'", bad.span,
                hint="write the argument name before the delimiter, e.g. `width = 96`"))
        else:
            out.append(Diagnostic(
                "AW102", f"`{bad.text}` is not a section header, a `key = value` line or a comment",
                bad.span,
                hint="add `= value` after a key; indent a line deeper than its key to continue a "
                     "value; start a comment with '#' on its own line"))
    return out


def _structure(tree: ConfigFile) -> list[Diagnostic]:
    """Duplicate sections and keys, and values in [DEFAULT] (configparser's own checks)."""
    out: list[Diagnostic] = []
    sections = tree.sections
    if len({section.name for section in sections}) < len(sections):  # a section declared twice (rare)
        seen: dict[str, Section] = {}
        for section in sections:
            first = seen.get(section.name)
            if first is not None and section.name != "DEFAULT":
                out.append(Diagnostic(
                    "AW104", f"section [{section.name}] is declared twice", section.name_span,
                    config_path=section.name,
                    related=(Related("first declared here", first.header_span, section.name),),
                    hint="merge the two sections into one; spaCy does not merge repeated headers"))
            else:
                seen.setdefault(section.name, section)
    for section in sections:
        entries = section.entries
        if len(set(map(_key, entries))) == len(entries) and section.name != "DEFAULT":
            continue  # nothing to report (the common case)
        keys = {entry.key: entry for entry in reversed(entries)}  # the first of each key
        for entry in entries:  # per header: a repeated header is reported once, above
            first_entry = keys[entry.key]
            if first_entry is not entry:
                path = f"{section.name}.{entry.key}"
                out.append(Diagnostic(
                    "AW105", f"key `{entry.key}` is set twice in [{section.name}]", entry.key_span,
                    config_path=path, related=(Related("first set here", first_entry.key_span, path),),
                    hint="remove one of the two lines"))
            if section.name == "DEFAULT":
                out.append(Diagnostic(
                    "AW107", f"`{entry.key}` is in [DEFAULT]; spaCy rejects values outside a named section",
                    entry.key_span, config_path=entry.key,
                    hint="move the value into a named section such as [paths]"))
    return out


def _decodes(text: str) -> bool:
    if text in ("True", "False", "None"):
        return True
    try:
        json_loads(text)
    except (ValueError, RecursionError):
        return False
    return True


# Where an entry can have something for `_lint` to report: a '$<' (the design card's spelling),
# a '${' before the line's delimiter (in a key), a whitespace before '#' or ';' inside a line, a
# "'" at the end of a line, or a continuation line (indented, not a comment). A section whose
# lines have none of them has nothing to report about its entries. (Each is found by a search
# for a literal, which the regex engine does at memchr speed.)
_QUOTE_AT_END = re.compile(r"'[^\S\n]*$", re.MULTILINE)
_CONTINUATION = re.compile(r"\n[^\S\n]+[^\s#;]")
_LINE_WITH_DOLLAR_IN_KEY = re.compile(r"\n[^\n=:$]*\$")  # a '$' before a line's delimiter
MANY_DOLLARS = 64  # above: lines are searched for a '$' in a key, instead of each '$' looked at


def _candidate_positions(text: str) -> list[int]:
    positions = []
    find = text.find
    if text.count("$") > MANY_DOLLARS:  # a config of many references (most in values): line by line
        at = find("$<")
        while at >= 0:
            positions.append(at)
            at = find("$<", at + 1)
        # (the first line is a header, or before any section: the lint looks at neither)
        positions.extend(m.end() - 1 for m in _LINE_WITH_DOLLAR_IN_KEY.finditer(text))
        chars = "#;"
    else:
        chars = "$#;"
    for char in chars:  # each found at memchr speed
        at = find(char)
        while at >= 0:
            if char == "$":
                after = text[at + 1:at + 2]
                if after == "<":
                    positions.append(at)
                elif after == "{":  # in a key, which never holds the delimiter?
                    start = text.rfind("\n", 0, at) + 1
                    if find("=", start, at) < 0 and find(":", start, at) < 0:
                        positions.append(at)
            elif at and text[at - 1] != "\n" and text[at - 1].isspace():
                positions.append(at)
            at = find(char, at + 1)
    positions.extend(m.start() for m in _QUOTE_AT_END.finditer(text))
    positions.extend(m.start() + 1 for m in _CONTINUATION.finditer(text))
    return positions


def _candidate_sections(tree: ConfigFile, text: str) -> list[bool]:
    """For each section, whether a line from its header to the next header is a lint candidate."""
    positions = _candidate_positions(text)
    sections = tree.sections
    if not positions:
        return [False] * len(sections)
    positions.sort()
    starts = [section.line for section in sections]
    out = [False] * len(sections)
    line, at = 1, 0
    count = text.count
    for start in positions:
        line += count("\n", at, start)
        at = start
        n = bisect_right(starts, line) - 1  # the section the line is in (-1: before the first)
        if n >= 0:
            out[n] = True
    return out


def _lint(tree: ConfigFile, text: str) -> list[Diagnostic]:
    """Text that spaCy reads differently from how it looks."""
    out: list[Diagnostic] = []
    inline_comment = _INLINE_COMMENT.search
    for section, candidate in zip(tree.sections, _candidate_sections(tree, text)):
        trailing = section.trailing_text.strip()
        if trailing and trailing[0] not in "#;":
            end = section.header_span
            out.append(Diagnostic(
                "AW152", f"`{trailing}` after the header [{section.name}] is ignored by spaCy",
                Span(end.line, end.end_column - len(section.trailing_text.lstrip()), end.line, end.end_column),
                config_path=section.name, hint="put it on a line of its own"))
        if section.name != section.name.strip():
            out.append(Diagnostic(
                "AW153", f"the section name '{section.name}' has spaces inside the brackets, "
                "which are part of the name", section.name_span, config_path=section.name,
                hint=f"write [{section.name.strip()}]"))
        if not candidate:
            continue
        for entry in section.entries:
            raw = entry.raw
            key = entry.key
            # most values need none of the checks below (what each looks for, in one test)
            odd_key = "${" in key or "$<" in key
            odd_value = raw and (raw[-1] == "'" or "\n" in raw or inline_comment(raw))
            spelled = "$<" in raw
            if not (odd_key or odd_value or spelled):
                continue
            path = f"{section.name}.{key}"
            if odd_key:
                out.append(Diagnostic(
                    "AW154", f"the key `{key}` looks like a reference, but keys are never "
                    "interpolated", entry.key_span, config_path=path,
                    hint="references are only substituted in values"))
            if odd_value:
                out.extend(_lint_value(entry, path))
            for piece in entry.value.pieces if spelled else ():
                if type(piece) is Reference and piece.alternative_spelling:
                    out.append(Diagnostic(
                        "AW250", f"`{piece.text}` is the design card's spelling; archwright reads it as "
                        f"`${{{piece.path}}}`, but spaCy only accepts `${{...}}` and rejects this config",
                        piece.span, config_path=path, hint=f"write ${{{piece.path}}}"))
    return out


def _lint_value(entry: Entry, path: str) -> list[Diagnostic]:
    raw = entry.value.raw
    span = entry.value.span
    if not raw:
        return []
    out: list[Diagnostic] = []
    if raw[0] == raw[-1] == "'":
        out.append(Diagnostic(
            "AW151", f"{raw} is single-quoted; values are JSON, so spaCy keeps the quotes as part "
            "of the string", span, config_path=path, hint=f'use double quotes: "{raw[1:-1]}"' if len(raw) > 1 else ""))
    comment = _INLINE_COMMENT.search(raw)
    if comment and "\n" not in raw[:comment.start()] and not _decodes(raw):
        before = raw[:comment.start()].rstrip()
        if before:
            out.append(Diagnostic(
                "AW150", f"spaCy has no inline comments: the value is the whole text "
                f"{json.dumps(raw, ensure_ascii=False)}, not {before}", span, config_path=path,
                hint=INLINE_COMMENT_HINT))
    if "\n" in raw and raw.startswith('"') and not _decodes(raw) and _decodes(raw.replace("\n", " ")):
        out.append(Diagnostic(
            "AW155", "a quoted string cannot continue on the next line: spaCy keeps the whole "
            "text, quotes included", span, config_path=path,
            hint="keep the string on one line"))
    return out
