"""The outline: sections nested by their dotted names (components as their own kind, a block
showing the function it names), and a folding range per section."""

from __future__ import annotations

from lsprotocol import types

from ..diagnostics import Span
from .document import Document


def symbols(document: Document) -> list[types.DocumentSymbol]:
    roots: list[types.DocumentSymbol] = []
    made: dict[str, types.DocumentSymbol] = {}
    for name, section in document.sections.items():
        end = document.section_end(section)
        whole = Span(section.header_span.line, 1, end, len(document.lines.line(end)) + 1)
        parts = name.split(".")
        entry = document.registry_entry(name)
        kind = (types.SymbolKind.Module if len(parts) == 2 and parts[0] == "components"
                else types.SymbolKind.Function if entry else types.SymbolKind.Namespace)
        detail = document.string(entry) if entry else None
        if kind is types.SymbolKind.Module and "factory" in document.entries[name]:
            detail = f"factory {document.string(document.entries[name]['factory'])}"
        symbol = types.DocumentSymbol(
            name=parts[-1] or name, kind=kind, detail=detail, range=document.lines.range(whole),
            selection_range=document.lines.range(section.name_span),
            children=[types.DocumentSymbol(name=e.key, kind=types.SymbolKind.Property,
                                           detail=e.value.raw[:80] or None,
                                           range=document.lines.range(e.span),
                                           selection_range=document.lines.range(e.key_span))
                      for e in document.entries[name].values()])
        made[name] = symbol
        parent = next((made[".".join(parts[:i])] for i in range(len(parts) - 1, 0, -1)
                       if ".".join(parts[:i]) in made), None)
        (parent.children if parent is not None else roots).append(symbol)
    _extend(roots)
    return roots


def _extend(symbols: list[types.DocumentSymbol]) -> None:
    """A parent's range covers its children's (LSP requires it; a child section comes later)."""
    for symbol in symbols:
        _extend(symbol.children or [])
        for child in symbol.children or []:
            if (child.range.end.line, child.range.end.character) > (symbol.range.end.line, symbol.range.end.character):
                symbol.range = types.Range(symbol.range.start, child.range.end)


def folding(document: Document) -> list[types.FoldingRange]:
    tree = document.compilation.syntax
    ranges = []
    for section in tree.sections if tree else ():
        first, last = section.header_span.line, document.section_end(section)
        while last > first and not document.lines.line(last).strip():
            last -= 1
        if last > first:
            ranges.append(types.FoldingRange(first - 1, last - 1, kind=types.FoldingRangeKind.Region))
    return ranges
