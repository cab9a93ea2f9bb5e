"""archwright's diagnostics as the language server protocol's."""

from __future__ import annotations

from lsprotocol import types

from ..diagnostics import Diagnostic, docs_url
from .text import Lines

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


def lsp_diagnostic(d: Diagnostic, lines: Lines, uri: str) -> types.Diagnostic:
    related = [types.DiagnosticRelatedInformation(types.Location(uri, lines.range(r.span)), r.message)
               for r in d.related]
    data = {"hint": d.hint, "config_path": d.config_path} if d.hint or d.config_path else None
    return types.Diagnostic(lines.range(d.span), d.message, severity=SEVERITY[d.severity.value], code=d.code,
                            code_description=types.CodeDescription(docs_url(d.code)), source="archwright",
                            related_information=related or None, data=data)
