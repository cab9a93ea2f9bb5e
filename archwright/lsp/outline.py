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


# -- semantic tokens ---------------------------------------------------------------------------

TOKEN_TYPES = ["namespace", "property", "variable", "function", "string", "number", "keyword", "comment"]
_KIND = {name: i for i, name in enumerate(TOKEN_TYPES)}
_KEYWORDS = {"true", "false", "null"}


def _value_kind(raw: str) -> str | None:
    text = raw.strip()
    if text in _KEYWORDS:
        return "keyword"
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return "string"
    try:
        float(text)
        return "number"
    except ValueError:
        return None


def semantic_tokens(document: Document) -> types.SemanticTokens:
    """Section names, keys, `${...}` references, registered function names, JSON strings, numbers
    and constants, and comments; LSP's relative encoding, one line per token."""
    found: list[tuple[Span, str]] = []
    tree = document.compilation.syntax
    if tree is None:
        return types.SemanticTokens(data=[])
    found += [(c.span, "comment") for c in tree.comments]
    for section in tree.sections:
        found.append((section.name_span, "namespace"))
        found += [(c.span, "comment") for c in section.comments]
        for entry in section.entries:
            found.append((entry.key_span, "property"))
            value = entry.value
            if value.references:
                found += [(ref.span, "variable") for ref in value.references]
            elif value.span.line == value.span.end_line:
                kind = "function" if entry.key.startswith("@") else _value_kind(value.raw)
                if kind is not None:
                    found.append((value.span, kind))
            found += [(c.span, "comment") for c in value.comments]
    data: list[int] = []
    previous_line, previous_start = 0, 0
    for span, kind in sorted(found, key=lambda t: (t[0].line, t[0].column)):
        if span.line != span.end_line or span.end_column <= span.column:
            continue
        start = document.lines.position(span.line, span.column)
        end = document.lines.position(span.line, span.end_column)
        delta_line = start.line - previous_line
        delta_start = start.character - previous_start if delta_line == 0 else start.character
        data += [delta_line, delta_start, end.character - start.character, _KIND[kind], 0]
        previous_line, previous_start = start.line, start.character
    return types.SemanticTokens(data=data)
