"""IR-1: the syntax tree of one config file. Every node keeps the span it came from.

Nodes are named tuples: immutable, and cheap to create (a config has thousands of them).
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import NamedTuple, Union

from ..diagnostics import Span


class Comment(NamedTuple):
    text: str  # the whole comment, with its '#' or ';'
    span: Span


def comment_of(row: tuple[int, str, str]) -> Comment:
    """A whole-line comment the lexer kept as its row, (line, indentation, text as read):
    validating never reads comments, so most are made when asked."""
    line, indent, text = row
    text = text.rstrip()
    column = len(indent) + 1
    return Comment(text, Span(line, column, line, column + len(text)))


def comments_of(items) -> tuple[Comment, ...]:
    """Comments, some of them still rows, as Comment nodes."""
    return tuple([c if type(c) is Comment else comment_of(c) for c in items])


class Text(NamedTuple):
    """Literal text of a value (may run over several lines, joined with '\\n')."""

    text: str
    span: Span


class EscapedDollar(NamedTuple):
    """`$$`: a literal dollar sign."""

    text: str
    span: Span


class Reference(NamedTuple):
    """`${path}` (or the design card's `$<path>`). `.` and `:` both separate path parts."""

    text: str  # the source text, e.g. '${a.b}'
    span: Span

    @property
    def path(self) -> str:
        """What is between the braces, verbatim."""
        return self.text[2:-1]

    @property
    def alternative_spelling(self) -> bool:
        return self.text.startswith("$<")


class BadDollar(NamedTuple):
    """A `$` that starts no escape and no complete reference (`$5`, `${}`, `${a.b` ...)."""

    text: str
    span: Span


Piece = Union[Text, EscapedDollar, Reference, BadDollar]
# the lexer's token type of each kind of piece
PIECE_KINDS = {"TEXT": Text, "ESCAPED_DOLLAR": EscapedDollar, "REF": Reference, "BAD_DOLLAR": BadDollar}
# Value pieces, in the order configparser's ExtendedInterpolation tells them apart.
# `$<...>` is the design card's spelling, accepted with a warning.
PIECE = re.compile(r"(?P<ESCAPED_DOLLAR>\$\$)|(?P<REF>\$\{[^}]+\}|\$<[^>]+>)"
                   r"|(?P<BAD_DOLLAR>\$\{[^}]*\}?|\$)|(?P<TEXT>[^$]+)")


class Value(NamedTuple):
    """A value exactly as configparser hands it over: continuation lines joined with '\\n'."""

    raw: str
    pieces: tuple[Piece, ...]
    span: Span
    comments: tuple[Comment, ...] = ()  # whole-line comments between its continuation lines

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(p for p in self.pieces if type(p) is Reference)


class BadLine(NamedTuple):
    """A line that is no header, key line or comment (`kind`: "BAD_LINE" or "EMPTY_KEY")."""

    text: str
    kind: str
    span: Span


class Entry(NamedTuple):
    key: str
    key_span: Span
    delimiter: str  # '=' or ':'
    value: Value

    @property
    def span(self) -> Span:
        return Span(self.key_span.line, self.key_span.column, self.value.span.end_line,
                    self.value.span.end_column)

    @property
    def raw(self) -> str:
        """The value's text (`value.raw`)."""
        return self.value.raw

    @property
    def value_span(self) -> Span:
        """The value's span (`value.span`)."""
        return self.value.span


class _Compact:
    """A node that packs its fields (LineEntry, LineSection) answers the named tuple's own methods
    as the plain node it stands for (`full()`), not from its packed fields."""

    __slots__ = ()

    def _replace(self, **changes):
        return self.full()._replace(**changes)

    def _asdict(self) -> dict:
        return self.full()._asdict()

    def __repr__(self) -> str:
        return "Line" + repr(self.full())


class LineEntry(_Compact, Entry):
    """An Entry as most are written: one `key = value` line, its key at column 1. It keeps its
    texts, line and the value's column, and makes its spans and Value (with its pieces) when
    asked: a config has tens of thousands of entries, and most are never asked for a span.

    It holds (key, line, delimiter, raw, value column); use the attributes, never indexes."""

    __slots__ = ()

    def __new__(cls, key: str, line: int, delimiter: str, raw: str, column: int) -> "LineEntry":
        return tuple.__new__(cls, (key, line, delimiter, raw, column))

    raw = property(itemgetter(3), doc="The value's text.")  # type: ignore[assignment]

    @property  # type: ignore[override]
    def key_span(self) -> Span:
        key, line = self[0], self[1]
        return Span(line, 1, line, 1 + len(key))

    @property  # type: ignore[override]
    def value(self) -> Value:
        _, line, _, raw, column = self
        span = Span(line, column, line, column + len(raw))
        if "$" not in raw:
            return Value(raw, (Text(raw, span),) if raw else (), span)
        pieces = tuple([PIECE_KINDS[m.lastgroup](m.group(), Span(line, column + m.start(), line, column + m.end()))
                        for m in PIECE.finditer(raw)])
        return Value(raw, pieces, span)

    @property
    def value_span(self) -> Span:
        _, line, _, raw, column = self
        return Span(line, column, line, column + len(raw))

    @property
    def span(self) -> Span:
        _, line, _, raw, column = self
        return Span(line, 1, line, column + len(raw))

    def full(self) -> Entry:
        """The same entry as a plain Entry."""
        return Entry(self[0], self.key_span, self[2], self.value)


class Section(NamedTuple):
    name: str  # verbatim, between the first '[' and the last ']'
    header_span: Span
    name_span: Span
    entries: tuple[Entry, ...]
    comments: tuple[Comment, ...]
    trailing_text: str = ""  # text after the last ']' (configparser ignores it)
    bad_lines: tuple[BadLine, ...] = ()

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def line(self) -> int:
        """The header's line."""
        return self.header_span.line


class LineSection(_Compact, Section):
    """A Section whose header starts at column 1 (as most do): it keeps the header's line and
    makes the two spans, and its comments from their rows, when asked. Holds (name, line, None,
    entries, comments and comment rows, trailing_text, bad_lines); use the attributes, never
    indexes."""

    __slots__ = ()

    def __new__(cls, name: str, line: int, entries: tuple[Entry, ...], comments: tuple[Comment, ...],
                trailing_text: str = "", bad_lines: tuple[BadLine, ...] = ()) -> "LineSection":
        return tuple.__new__(cls, (name, line, None, entries, comments, trailing_text, bad_lines))

    def __getnewargs__(self) -> tuple:
        return self[:2] + self[3:]

    line = property(itemgetter(1), doc="The header's line.")  # type: ignore[assignment]

    @property  # type: ignore[override]
    def header_span(self) -> Span:
        line = self[1]
        return Span(line, 1, line, 3 + len(self[0]) + len(self[5]))

    @property  # type: ignore[override]
    def name_span(self) -> Span:
        line = self[1]
        return Span(line, 2, line, 2 + len(self[0]))

    @property  # type: ignore[override]
    def comments(self) -> tuple[Comment, ...]:
        return comments_of(self[4])

    def full(self) -> Section:
        """The same section as a plain Section."""
        return Section(self[0], self.header_span, self.name_span, self[3], self.comments, *self[5:])


class ConfigFile(NamedTuple):
    sections: tuple[Section, ...]
    comments: tuple[Comment, ...]  # comments before the first section header
    orphans: tuple[Entry, ...] = ()  # key lines before the first header (an error)
    bad_lines: tuple[BadLine, ...] = ()  # bad lines before the first header
