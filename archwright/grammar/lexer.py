"""configparser's line model, as a Lark lexer.

Whether an indented line continues a value depends on the indentation of the key line that
opened the value, which a context-free grammar cannot express; so lines are classified here,
exactly as CPython 3.11's configparser classifies them (the reference, confection 1.3.4, sits on
it), and `config.lark` gives the resulting tokens their structure.

Tokens:
- HEADER: a section header line.
- ENTRIES: a run of whole `key = value` items: those whose values have no '$', and every
  one-line item whose key is at column 1, '$' or not (most of them, as `LineEntry`, whose pieces
  are cut when asked); it carries the finished `Entry` objects, as a string literal is one token
  in a programming language (one token for a run, not one per item, keeps the LALR parser's
  work small).
- KEY, then the value's pieces TEXT / ESCAPED_DOLLAR / REF / BAD_DOLLAR: any other item whose
  value has a '$' (a continued value, an indented key). KEY carries its delimiter.
- COMMENT: a whole-line comment between items that the general line model read (the others
  ride in the ENTRIES token beside the entries); VALUE_COMMENT: one between the continuation
  lines of a value (it comes right after the value's pieces).
- BAD_LINE (no header, key line or comment) and EMPTY_KEY (nothing before the delimiter).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import chain
from typing import Iterator, NamedTuple

from ..diagnostics import Span
from .syntax import PIECE, Comment, Entry, LineEntry, Text, Value, comment_of

_NONSPACE = re.compile(r"\S")
_HEADER = re.compile(r"\[(?P<header>.+)\]")  # greedy: the name runs to the last ']'
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
# the two kinds of bad line
NO_DELIMITER = "BAD_LINE"
EMPTY_KEY = "EMPTY_KEY"


class Token(str):
    """A token: its text, its kind (`type`, as the grammar names it) and where it is."""

    __slots__ = ("type", "value", "start_pos", "end_pos", "line", "column", "end_line", "end_column")


class KeyToken(Token):
    """A KEY token that also carries its delimiter."""

    __slots__ = ("delimiter",)


class HeaderToken(NamedTuple):
    """A HEADER token of a header alone on its line at column 1 (one per section: kept small)."""

    type: str
    value: str
    line: int
    # Lark copies the last token's position onto its end-of-input token
    start_pos = end_pos = None
    column = 1

    @property
    def end_line(self) -> int:
        return self.line

    @property
    def end_column(self) -> int:
        return 1 + len(self.value)


class EntriesToken:
    """An ENTRIES token: the LALR parser only reads `type`; the finished entries ride along, and
    the whole-line comments between them (the section's or the preamble's comments)."""

    __slots__ = ("type", "entries", "comments")
    # Lark copies the last token's position onto its end-of-input token
    start_pos = line = column = end_line = end_column = end_pos = None

    def __init__(self, entry: Entry | None = None) -> None:
        self.type = "ENTRIES"
        self.entries = [entry] if entry is not None else []
        self.comments: list[tuple[int, str, str]] = []  # as comment rows (syntax.comment_of)


def _add_entry(out: list, entry: Entry) -> None:
    last = out[-1] if out else None
    if type(last) is EntriesToken:
        last.entries.append(entry)
    else:
        out.append(EntriesToken(entry))


def _token(type_: str, value: str, line: int, column: int, end_line: int, end_column: int,
           cls: type = Token) -> Token:
    token = str.__new__(cls, value)
    token.type = type_
    token.value = value
    token.start_pos = token.end_pos = None
    token.line = line
    token.column = column
    token.end_line = end_line
    token.end_column = end_column
    return token


class _Item:
    """A key line and the continuation lines, blank lines and comments that follow it.

    Most values are one line: `lines` is then a str and `starts` its column, and the lists are
    only made when a continuation line comes."""

    __slots__ = ("key", "line", "column", "delimiter", "delimiter_column", "lines", "starts",
                 "inside", "after", "blanks")

    def __init__(self, key: str, line: int, column: int, delimiter: str, delimiter_column: int,
                 text: str, text_column: int) -> None:
        self.key = key
        self.line = line
        self.column = column
        self.delimiter = delimiter
        self.delimiter_column = delimiter_column
        self.lines: str | list[str] = text
        self.starts: int | list[tuple[int, int]] = text_column
        self.inside: list[Token] | None = None  # comments and bad lines between continuation lines
        self.after: list[Token] | None = None  # ... and after the last one (not part of the value)
        self.blanks: list[int] | None = None

    def add_after(self, token: Token) -> None:
        if self.after is None:
            self.after = [token]
        else:
            self.after.append(token)

    def add_blank(self, line: int) -> None:
        if self.blanks is None:
            self.blanks = [line]
        else:
            self.blanks.append(line)

    def continue_with(self, text: str, line: int, column: int) -> None:
        if type(self.lines) is str:
            self.lines = [self.lines]
            self.starts = [(self.line, self.starts)]
            self.inside = []
        # configparser keeps blank lines inside a value, drops trailing ones
        if self.blanks:
            for blank in self.blanks:
                self.lines.append("")
                self.starts.append((blank, 1))
            self.blanks = None
        if self.after:
            for token in self.after:
                if token.type == "COMMENT":
                    token.type = "VALUE_COMMENT"
                self.inside.append(token)
            self.after = None
        self.lines.append(text)
        self.starts.append((line, column))

    def emit(self, out: list) -> None:
        line = self.line
        key_span = Span(line, self.column, line, self.column + len(self.key))
        if type(self.lines) is str:
            text = self.lines
            if self.column == 1:  # its pieces are made when asked
                _add_entry(out, LineEntry(self.key, line, self.delimiter, text,
                                          self.starts if text else self.delimiter_column + 1))
            elif "$" not in text:
                start = self.starts if text else self.delimiter_column + 1
                span = Span(line, start, line, start + len(text))
                _add_entry(out, Entry(self.key, key_span, self.delimiter,
                                      Value(text, (Text(text, span),) if text else (), span)))
            else:
                out.append(self._key_token())
                start = self.starts
                for m in PIECE.finditer(text):
                    begin, end = m.span()
                    out.append(_token(m.lastgroup, m.group(), line, start + begin, line, start + end))
        else:
            joined = "\n".join(self.lines)
            if "$" not in joined:
                (first_line, first_column), (last_line, last_column) = self.starts[0], self.starts[-1]
                span = Span(first_line, first_column, last_line, last_column + len(self.lines[-1]))
                comments = tuple(Comment(t.value, Span(t.line, t.column, t.end_line, t.end_column))
                                 for t in self.inside if t.type == "VALUE_COMMENT")
                entry = Entry(self.key, key_span, self.delimiter, Value(joined, (Text(joined, span),), span, comments))
                _add_entry(out, entry)
                out.extend(t for t in self.inside if t.type != "VALUE_COMMENT")
            else:
                out.append(self._key_token())
                out.extend(self._pieces(joined))
                out.extend(self.inside)
        if self.after:
            out.extend(self.after)

    def _key_token(self) -> Token:
        token = _token("KEY", self.key, self.line, self.column, self.line, self.column + len(self.key),
                       KeyToken)
        token.delimiter = self.delimiter
        return token

    def _pieces(self, joined: str) -> Iterator[Token]:
        """The pieces of a multi-line value, each with its span in the source."""
        offsets = []
        position = 0
        for text in self.lines:
            offsets.append(position)
            position += len(text) + 1
        starts = self.starts

        def locate(offset: int) -> tuple[int, int]:
            i = bisect_right(offsets, offset) - 1
            line, column = starts[i]
            return line, column + offset - offsets[i]

        for m in PIECE.finditer(joined):
            begin, end = m.span()
            line, column = locate(begin)
            end_line, end_column = locate(end - 1)
            yield _token(m.lastgroup, m.group(), line, column, end_line, end_column + 1)


# Every line, classified by one regex pass over the whole text (`findall`: one row of groups per
# line, made in C). The common lines are read from their row: a blank line, a whole-line
# comment, a section header alone on its line, and a `key = value` line at column 1 (its entry
# is made at once, and made an open item again if a later line continues its value). Any other
# line (OTHER) goes through the general line model below, which gives the same tokens for the
# common lines too (configparser strips with str.strip, which strips what `\s` matches).
_ROWS = re.compile(
    r"(\[[^\n]+\])[^\S\n]*\n"  # HEADER: a header
    r"|([^\s#;\[=:][^\n=:]*)([=:])([^\S\n]*)([^\n]*)\n"  # KEY, DELIMITER, SPACE, VALUE (unstripped at the end)
    r"|([^\S\n]*)([#;][^\n]*)\n"  # INDENT, COMMENT: a comment's indentation and text (unstripped at the end)
    r"|[^\S\n]*\n"  # a blank line: every group empty
    r"|([^\n]*)\n?")  # OTHER: any other line (the last one may have no '\n')
_new = tuple.__new__  # builds a named tuple without its Python-level __new__ (one call per node)


def _open_run(out: list) -> tuple[list, list]:
    """The entries and comments of the ENTRIES token at the end of `out`, opened if there is none."""
    last = out[-1] if out else None
    if type(last) is not EntriesToken:
        last = EntriesToken()
        out.append(last)
    return last.entries, last.comments
_CHUNK = 1 << 16  # characters read into rows at a time: the rows of a large config are not all held
_SHARE_ABOVE = 1 << 16  # characters: above, equal keys and short values are made one string
_BEFORE_HEADER = re.compile(r"\n(?=\[[^\n]+\])")  # where a chunk can end: before a header line


def _rows(text: str) -> Iterator[list[tuple[str, ...]]]:
    """`_ROWS.findall(text)`, a chunk of lines at a time, each chunk ending at the line break
    before a header line (so every row is a whole line)."""
    start = 0
    while len(text) - start > _CHUNK:
        cut = _BEFORE_HEADER.search(text, start + _CHUNK)
        if cut is None:
            break
        rows = _ROWS.findall(text, start, cut.end())
        rows.pop()  # findall's empty match at the chunk's end (just after a '\n')
        yield rows
        start = cut.end()
    rows = _ROWS.findall(text, start)
    if text and text[-1] != "\n":
        rows.pop()  # findall's empty match at the end, after a last line without '\n'
    yield rows


def _comment_token(row: tuple[int, str, str]) -> Token:
    """The COMMENT token of a whole-line comment read from its row (syntax.comment_of)."""
    comment = comment_of(row)
    return _token("COMMENT", comment.text, *comment.span)


def _reopen(out: list, entry: LineEntry, blanks: list[int] | None) -> _Item:
    """The item a key line read from its row would have been in the general line model, with
    the blank and comment lines that came after it: a later line may continue its value. The
    entry is the last of the ENTRIES token at the end of `out`; its comments since go back to
    the item."""
    token = out[-1]
    token.entries.pop()
    key, line, delimiter, raw, column = entry
    # (the delimiter's column is only needed for an empty value's span, just after it)
    item = _Item(key, line, 1, delimiter, column - 1, raw, column)
    comments = token.comments
    after = len(comments)
    while after and comments[after - 1][0] > line:
        after -= 1
    for row in comments[after:]:
        item.add_after(_comment_token(row))
    del comments[after:]
    for number in blanks or ():
        if number > line:
            item.add_blank(number)
    if not token.entries and not token.comments:
        out.pop()
    return item


class ConfigLexer:
    """The lexer: `lex(text)` gives the tokens of a config, for `lalr.Parser` (or Lark's parser).

    `fast=False` reads every line with the general line model (the tests compare the two)."""

    def __init__(self, fast: bool = True) -> None:
        self.fast = fast

    def lex(self, text: str) -> Iterator[Token]:
        """The tokens, handed on a few hundred at a time (the parser consumes them as they come)."""
        out: list[Token] = []
        item: _Item | None = None  # the item whose value continuation lines extend
        indent_level = 0  # configparser's: of the last line that was no continuation or comment
        in_section = False
        nonspace = _NONSPACE.search
        header_match = _HEADER.match
        option_match = _OPTION.match
        if self.fast:
            rows = chain.from_iterable(_rows(text))
        else:
            rows = [("", "", "", "", "", "", "", line) for line in text.split("\n")]
        run: list | None = None  # the entries of the ENTRIES token at the end of `out`, if known
        notes: list = []  # ... and its comments
        # the entry of the last key line read from its row, while a later line may still
        # continue its value (only blank and comment lines came after it), and the blank lines
        # of its section since a key line was read from its row
        pending: LineEntry | None = None
        pending_blanks: list[int] | None = None
        number = 0
        shared: dict[str, str] | None = {} if len(text) > _SHARE_ABOVE else None
        for header, key, delimiter, space, value, indent, comment, line in rows:
            number += 1
            if key:  # the commonest line: `key = value` at column 1
                if item is not None:
                    item.emit(out)
                    item = None
                    run = None
                column = len(key) + 2  # the value's, just after the delimiter when it is empty
                key = key.rstrip()
                value = value.rstrip()
                if shared is not None:  # one string per distinct key and short value: large configs repeat them
                    key = shared.setdefault(key, key)
                    if len(value) < 24:
                        value = shared.setdefault(value, value)
                if value:
                    column += len(space)
                entry = _new(LineEntry, (key, number, delimiter, value, column))
                if run is None:
                    run, notes = _open_run(out)
                run.append(entry)
                pending = entry
                continue
            if header:
                pending = pending_blanks = None
                if item is not None:
                    item.emit(out)
                    item = None
                in_section = True
                if len(out) > 256:  # a header closes what came before: hand it on
                    yield from out
                    out.clear()
                out.append(_new(HeaderToken, ("HEADER", header, number)))
                run = None
                continue
            if comment:
                if item is not None:  # it may be inside the item's value: for the general model
                    item.add_after(_comment_token((number, indent, comment)))
                    continue
                # a comment between entries rides in their ENTRIES token, as its row
                if run is None:
                    run, notes = _open_run(out)
                notes.append((number, indent, comment))
                continue
            # the general line model, for any other line (and every line when not `fast`)
            stripped = line.strip()
            if not stripped:
                if item is not None:
                    item.add_blank(number)
                elif pending is not None:
                    if pending_blanks is None:
                        pending_blanks = [number]
                    else:
                        pending_blanks.append(number)
                continue
            if pending is not None:  # the key line read from its row is an open item again
                item = _reopen(out, pending, pending_blanks)
                indent_level = 0
                pending = pending_blanks = None
            run = None
            lead = nonspace(line).start()
            if item is not None and lead > indent_level and stripped[0] not in "#;":
                item.continue_with(stripped, number, lead + 1)
                continue
            end = lead + 1 + len(stripped)
            if stripped[0] in "#;":
                comment = _token("COMMENT", stripped, number, lead + 1, number, end)
                if item is not None:
                    item.add_after(comment)
                else:
                    out.append(comment)
                continue
            indent_level = lead
            if header_match(stripped):
                if item is not None:
                    item.emit(out)
                    item = None
                in_section = True
                out.append(_token("HEADER", stripped, number, lead + 1, number, end))
                continue
            option = option_match(stripped)
            key = option.group(1).rstrip() if option is not None else ""
            if not key:
                bad = _token(NO_DELIMITER if option is None else EMPTY_KEY, stripped, number, lead + 1,
                             number, end)
                if item is not None and option is None and in_section:
                    # configparser keeps the open value after a line without a delimiter
                    item.add_after(bad)
                    continue
                if item is not None:
                    item.emit(out)
                    item = None
                out.append(bad)
                continue
            if item is not None:
                item.emit(out)
            item = _Item(key, number, lead + 1, option.group(2), lead + option.start(2) + 1,
                         option.group(3).strip(), lead + option.start(3) + 1)
        if item is not None:
            item.emit(out)
        yield from out
