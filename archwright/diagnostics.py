"""One diagnostic record for every phase, the closed set of codes, and the renderers.

A phase never raises on bad input: it returns `Diagnostic` records. Bugs in archwright itself
are `CompilerBug` exceptions, kept apart from user errors (the CLI exits 2 on them).
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, NamedTuple, Sequence
from urllib.parse import quote


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Span(NamedTuple):
    """A region of the source: 1-based lines and columns; `end_column` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column)

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


# The closed set of codes. Each entry: (severity, title). docs/diagnostics.md documents every
# code and a test keeps the two in step.
CODES: dict[str, tuple[Severity, str]] = {
    # AW1xx: input and syntax
    "AW101": (Severity.ERROR, "value outside any section"),
    "AW102": (Severity.ERROR, "line is not a section header, key or comment"),
    "AW103": (Severity.ERROR, "empty key"),
    "AW104": (Severity.ERROR, "duplicate section"),
    "AW105": (Severity.ERROR, "duplicate key"),
    "AW106": (Severity.ERROR, "byte-order mark at start of file"),
    "AW107": (Severity.ERROR, "values in [DEFAULT]"),
    "AW108": (Severity.ERROR, "file cannot be read"),
    "AW109": (Severity.ERROR, "input too large"),
    "AW110": (Severity.ERROR, "invalid command-line override"),
    "AW111": (Severity.ERROR, "formatting would change the meaning"),
    "AW112": (Severity.ERROR, "file changed on disk while formatting"),
    "AW113": (Severity.ERROR, "file cannot be written"),
    "AW114": (Severity.ERROR, "internal error of archwright"),
    "AW115": (Severity.ERROR, "file with lone carriage returns not formatted"),
    "AW116": (Severity.ERROR, "graph too large to draw"),
    "AW150": (Severity.WARNING, "inline comment is part of the value"),
    "AW151": (Severity.WARNING, "single-quoted value"),
    "AW152": (Severity.WARNING, "text after a section header is ignored"),
    "AW153": (Severity.WARNING, "spaces inside a section name"),
    "AW154": (Severity.WARNING, "key looks like a reference"),
    "AW155": (Severity.WARNING, "quoted string spans several lines"),
    "AW156": (Severity.WARNING, "fmt rewrote a '$<...>' reference as '${...}'"),
    # AW2xx: sections, references, interpolation, overrides
    "AW201": (Severity.ERROR, "undefined reference"),
    "AW202": (Severity.ERROR, "reference cycle"),
    "AW203": (Severity.ERROR, "reference chain too deep"),
    "AW204": (Severity.ERROR, "'$' not followed by '$' or '{'"),
    "AW205": (Severity.ERROR, "malformed reference"),
    "AW206": (Severity.ERROR, "section reference inside a string"),
    "AW207": (Severity.ERROR, "interpolation expands too far"),
    "AW208": (Severity.ERROR, "child section before its parent"),
    "AW209": (Severity.ERROR, "parent section not defined"),
    "AW210": (Severity.ERROR, "key conflicts with a subsection"),
    "AW211": (Severity.ERROR, "override names no section"),
    "AW212": (Severity.ERROR, "override value cannot be written to a config"),
    "AW213": (Severity.ERROR, "config cannot be written back as text"),
    "AW214": (Severity.ERROR, "section nested too deeply"),
    # AW3xx: registry references and arguments
    "AW301": (Severity.ERROR, "more than one registry reference in a block"),
    "AW302": (Severity.ERROR, "registry reference is not a name"),
    "AW303": (Severity.ERROR, "unknown registry"),
    "AW304": (Severity.ERROR, "unknown registered function"),
    "AW305": (Severity.ERROR, "argument of the wrong type"),
    "AW306": (Severity.ERROR, "unexpected argument"),
    "AW307": (Severity.ERROR, "argument out of range"),
    "AW308": (Severity.ERROR, "missing argument"),
    "AW309": (Severity.ERROR, "arguments disagree"),
    "AW310": (Severity.ERROR, "too many stacked layers"),
    "AW311": (Severity.ERROR, "a number written as a string"),
    "AW360": (Severity.ERROR, "unknown language"),
    "AW350": (Severity.WARNING, "value outside the recommended range"),
    "AW351": (Severity.WARNING, "registry of a plugin"),
    "AW352": (Severity.WARNING, "function from the user's code or a plugin"),
    # AW4xx: types, shapes and wiring
    "AW401": (Severity.ERROR, "sub-model of the wrong type"),
    "AW402": (Severity.ERROR, "training config without [nlp]"),
    "AW403": (Severity.ERROR, "[nlp] without lang"),
    "AW404": (Severity.ERROR, "pipeline names a missing component"),
    "AW406": (Severity.ERROR, "component without factory or source"),
    "AW407": (Severity.ERROR, "unknown factory"),
    "AW408": (Severity.ERROR, "unknown component setting"),
    "AW409": (Severity.ERROR, "listener without its upstream component"),
    "AW410": (Severity.ERROR, "unknown setting in a training section"),
    "AW411": (Severity.ERROR, "listener width differs from its upstream's"),
    "AW412": (Severity.ERROR, "embedding width differs from the encoder's"),
    "AW413": (Severity.ERROR, "frozen or annotating component that does not exist"),
    "AW420": (Severity.ERROR, "unknown initialize setting of a component"),
    "AW421": (Severity.ERROR, "model does not fit its factory"),
    "AW422": (Severity.WARNING, "sourced component not checked"),
    "AW423": (Severity.ERROR, "source names no installed pipeline"),
    "AW424": (Severity.ERROR, "factory of a plugin that is not installed"),
    "AW425": (Severity.ERROR, "missing setting in [pretraining]"),
    "AW426": (Severity.ERROR, "reference that spaCy's loader cannot follow"),
    "AW427": (Severity.ERROR, "corpus path that spacy train cannot be given"),
    "AW430": (Severity.WARNING, "dropout rate outside 0 to 1"),
    "AW451": (Severity.WARNING, "component outside the pipeline"),
    "AW452": (Severity.WARNING, "factory from the user's code or a plugin"),
    "AW370": (Severity.WARNING, "language from the user's code or a package"),
    "AW453": (Severity.WARNING, "pretraining component that does not exist"),
    "AW454": (Severity.WARNING, "exclusive_classes that does not fit the component"),
    "AW455": (Severity.WARNING, "state_type that does not fit the component"),
    # AW5xx: build (Thinc models)
    "AW501": (Severity.ERROR, "optional package needed to build"),
    "AW502": (Severity.ERROR, "vectors table needed"),
    "AW503": (Severity.ERROR, "model over the parameter budget"),
    "AW504": (Severity.ERROR, "knowledge base file needed"),
    "AW505": (Severity.ERROR, "block cannot be built"),
    "AW506": (Severity.ERROR, "vectors table cannot be read"),
    "AW507": (Severity.ERROR, "unknown component to build"),
    "AW508": (Severity.ERROR, "transformer model not in a local directory"),
    "AW509": (Severity.ERROR, "file named by the config not read here"),
    "AW510": (Severity.ERROR, "model cannot be sized before building"),
    "AW551": (Severity.WARNING, "label count assumed"),
    "AW250": (Severity.ERROR, "'$<...>' reference spelling"),
    "AW251": (Severity.WARNING, "section contains a reference to itself"),
    "AW252": (Severity.WARNING, "'$' read differently because overrides are given"),
    "AW253": (Severity.WARNING, "reference inside a string changes quoting"),
    "AW254": (Severity.WARNING, "override adds a new key"),
}


@dataclass(frozen=True, slots=True)
class Related:
    """A second place that explains a diagnostic (the other side of a conflict, a cycle hop)."""

    message: str
    span: Span
    config_path: str = ""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    config_path: str = ""
    hint: str = ""
    related: tuple[Related, ...] = ()
    severity: Severity = field(default=None)  # type: ignore[assignment]  # filled from CODES

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise CompilerBug(f"diagnostic code {self.code!r} is not in the documented set")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code][0])

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "config_path": self.config_path,
            "hint": self.hint,
            "related": [
                {"message": r.message, "line": r.span.line, "column": r.span.column,
                 "config_path": r.config_path}
                for r in self.related
            ],
        }


class CompilerBug(Exception):
    """An internal error of archwright, never a problem with the user's config."""


def nearest(word: str, candidates, cutoff: float = 0.6) -> str:
    """The known name closest to a mistyped one, for a did-you-mean hint, or "": what
    `difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)` gives. Its full ratio is
    worked out best bound first and only while it can still win: quick_ratio bounds it from
    above, and the best (ratio, name) wins, as in get_close_matches."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    bounded = []
    for name in candidates:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() >= cutoff:
            bound = matcher.quick_ratio()
            if bound >= cutoff:
                bounded.append((bound, name))
    bounded.sort(reverse=True)
    best: tuple[float, str] | None = None
    for bound, name in bounded:
        if best is not None and bound < best[0]:  # neither it nor any after it can reach the best
            break
        matcher.set_seq1(name)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, name) > best):
            best = (score, name)
    return best[1] if best else ""


def sort_key(d: Diagnostic) -> tuple:
    span = d.span
    return (span.line, span.column) if span else (0, 0)


# Errors where spaCy runs the config but it certainly does not do what it says (a setting spaCy
# drops without a word): archwright is stricter than spaCy on purpose (docs/diagnostics.md).
STRICTER_THAN_SPACY = frozenset({"AW410", "AW311"})


def docs_url(code: str) -> str:
    """Where docs/diagnostics.md explains a code (SARIF's helpUri, the language server's link)."""
    return f"https://github.com/archwright/archwright/blob/main/docs/diagnostics.md#{code.lower()}"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


# ---------------------------------------------------------------------------------------------
# Renderers. Each takes [(path, source_text_or_None, diagnostics)] and returns a string.

FileReport = tuple[str, "str | None", Sequence[Diagnostic]]

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "bold": "\x1b[1m", "dim": "\x1b[2m",
            "caret": "\x1b[1;32m", "reset": "\x1b[0m"}


def use_colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _source_excerpt(lines: list[str], span: Span, paint) -> list[str]:
    if not (1 <= span.line <= len(lines)):
        return []
    text = lines[span.line - 1].rstrip("\r\n").expandtabs(1)
    gutter = str(span.line).rjust(5)
    if span.end_line == span.line:
        width = max(1, span.end_column - span.column)
    else:
        width = max(1, len(text) - span.column + 1)
    pad = " " * (span.column - 1)
    return [f"{paint('dim', gutter + ' |')} {text}",
            f"{paint('dim', ' ' * 5 + ' |')} {pad}{paint('caret', '^' * width)}"]


def render_human(reports: Sequence[FileReport], colour: bool = False) -> str:
    def paint(style: str, text: str) -> str:
        return f"{_COLOURS[style]}{text}{_COLOURS['reset']}" if colour else text

    out: list[str] = []
    for path, source, diagnostics in reports:
        lines = source.split("\n") if source is not None else []
        for d in sorted(diagnostics, key=sort_key):
            where = f"{path}:{d.span.line}:{d.span.column}" if d.span else path
            head = f"{paint('bold', where)}: {paint(d.severity.value, d.severity.value)} {d.code}: {d.message}"
            out.append(head)
            if d.config_path:
                out.append(f"  at {d.config_path}")
            if d.span:
                out.extend("  " + line for line in _source_excerpt(lines, d.span, paint))
            for r in d.related:
                out.append(f"  note: {path}:{r.span.line}:{r.span.column}: {r.message}")
                out.extend("  " + line for line in _source_excerpt(lines, r.span, paint))
            if d.hint:
                out.append(f"  hint: {d.hint}")
            out.append("")
    errors, warnings = count(reports)
    files = len(reports)
    out.append(f"{files} file{'s' * (files != 1)} checked: {errors} error{'s' * (errors != 1)}, "
               f"{warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(out)


def count(reports: Sequence[FileReport]) -> tuple[int, int]:
    errors = sum(d.is_error for _, _, ds in reports for d in ds)
    warnings = sum(not d.is_error for _, _, ds in reports for d in ds)
    return errors, warnings


def render_json(reports: Sequence[FileReport]) -> str:
    errors, warnings = count(reports)
    data = {
        "files": [{"path": path, "diagnostics": [d.to_dict() for d in sorted(ds, key=sort_key)]}
                  for path, _, ds in reports],
        "summary": {"files": len(reports), "errors": errors, "warnings": warnings},
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _escape_github(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(reports: Sequence[FileReport]) -> str:
    """GitHub Actions workflow commands: one `::error file=...::message` line per diagnostic."""
    out = []
    for path, _, diagnostics in reports:
        for d in sorted(diagnostics, key=sort_key):
            props = [f"file={_escape_github(path, True)}"]
            if d.span:
                props += [f"line={d.span.line}", f"col={d.span.column}",
                          f"endLine={d.span.end_line}", f"endColumn={d.span.end_column}"]
            props.append(f"title={_escape_github(d.code + ' ' + CODES[d.code][1], True)}")
            message = d.message + (f" (at {d.config_path})" if d.config_path else "")
            if d.hint:
                message += f"\nhint: {d.hint}"
            out.append(f"::{d.severity.value} {','.join(props)}::{_escape_github(message)}")
    return "\n".join(out)


def render_sarif(reports: Sequence[FileReport], tool_version: str) -> str:
    """SARIF 2.1.0, one run; rules are the codes used, columns counted in code points."""
    used = sorted({d.code for _, _, ds in reports for d in ds})
    rules = [{"id": code, "name": CODES[code][1],
              "shortDescription": {"text": CODES[code][1]},
              "defaultConfiguration": {"level": CODES[code][0].value},
              "helpUri": docs_url(code)}
             for code in used]
    index = {code: i for i, code in enumerate(used)}
    results = []
    for path, _, diagnostics in reports:
        for d in sorted(diagnostics, key=sort_key):
            location: dict = {"physicalLocation": {"artifactLocation": {"uri": _sarif_uri(path)}}}
            if d.span:
                location["physicalLocation"]["region"] = {
                    "startLine": d.span.line, "startColumn": d.span.column,
                    "endLine": d.span.end_line, "endColumn": max(d.span.end_column, d.span.column)}
            if d.config_path:
                location["logicalLocations"] = [{"fullyQualifiedName": d.config_path, "kind": "member"}]
            text = d.message + (f" Hint: {d.hint}" if d.hint else "")
            result = {"ruleId": d.code, "ruleIndex": index[d.code], "level": d.severity.value,
                      "message": {"text": text}, "locations": [location]}
            if d.related:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": r.message},
                     "physicalLocation": {"artifactLocation": {"uri": _sarif_uri(path)},
                                          "region": {"startLine": r.span.line, "startColumn": r.span.column,
                                                     "endLine": r.span.end_line,
                                                     "endColumn": max(r.span.end_column, r.span.column)}}}
                    for i, r in enumerate(d.related)]
            results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "archwright", "version": tool_version,
                                "informationUri": "https://github.com/archwright/archwright",
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def _sarif_uri(path: str) -> str:
    """A relative URI reference: '/' separators, everything else that URIs reserve escaped."""
    return quote(path.replace(os.sep, "/"), safe="/")

