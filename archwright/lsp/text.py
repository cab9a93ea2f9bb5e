"""Positions: archwright's spans (1-based lines and code-point columns, end exclusive) and LSP's
(0-based, columns in the client's code units: UTF-16 unless it asks for another)."""

from __future__ import annotations

from lsprotocol import types

from ..diagnostics import Span


def normalised(text: str) -> str:
    """Newlines as spaCy reads a file (universal newlines); LSP counts \\r\\n, \\r and \\n as
    one line break each, so line numbers stay the same."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == types.PositionEncodingKind.Utf8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == types.PositionEncodingKind.Utf32:
        return 1
    return 2 if code > 0xFFFF else 1


class Lines:
    """A document's lines, converting columns between code points and the client's units."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.lines = text.split("\n")
        self.encoding = encoding

    def line(self, number: int) -> str:
        """Line `number` (1-based), or "" past the end."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def _to_units(self, number: int, column: int) -> int:
        """Code-point column (1-based) -> client units (0-based)."""
        text = self.line(number)[:max(column - 1, 0)]
        if self.encoding == types.PositionEncodingKind.Utf32 or text.isascii():
            return len(text) + max(column - 1 - len(self.line(number)), 0)
        return sum(_units(c, self.encoding) for c in text)

    def position(self, line: int, column: int) -> types.Position:
        return types.Position(max(line - 1, 0), self._to_units(line, column))

    def range(self, span: Span | None) -> types.Range:
        if span is None:  # a diagnostic about the whole file
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        return types.Range(self.position(span.line, span.column), self.position(span.end_line, span.end_column))

    def point(self, position: types.Position) -> tuple[int, int]:
        """LSP position -> (line, code-point column), both 1-based, clamped to the line."""
        number = position.line + 1
        text = self.line(number)
        if self.encoding == types.PositionEncodingKind.Utf32 or text.isascii():
            return number, min(position.character, len(text)) + 1
        units = 0
        for i, char in enumerate(text):
            if units >= position.character:
                return number, i + 1
            units += _units(char, self.encoding)
        return number, len(text) + 1

    def end(self) -> types.Position:
        """The position after the last character."""
        return self.position(len(self.lines), len(self.lines[-1]) + 1)
