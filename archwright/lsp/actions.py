"""Code actions: every diagnostic whose hint names a concrete edit becomes a quick fix; `fmt` is
the document formatter; "fill defaults" (spaCy's init fill-config) is a source action."""

from __future__ import annotations

import difflib
import re

from lsprotocol import types

from ..diagnostics import Diagnostic, Span
from ..grammar.parser import _INLINE_COMMENT, INLINE_COMMENT_HINT
from .document import Document
from .navigate import strings

FILL_DEFAULTS = "source.fillDefaults"
Edit = tuple[Span, str]
BINDING = {"AW303", "AW304", "AW407"}  # names of registries, functions, factories

_DID_YOU_MEAN = re.compile(r"did you mean (?P<name>.+)\?$")  # alone: "; or ..." offers a choice, not a fix
_WRITE = re.compile(r"(?:write|use double quotes:) (?P<text>\$\{.+\}|\[.+\]|\".*\")$")
_SECTION_ONLY = re.compile(r"only looks in its own section: write (?P<text>\$\{.+\})$")
_MOVE = re.compile(r"move \[(?P<parent>.+)\] above \[(?P<child>.+)\]$")
_DECLARE = re.compile(r"declare \[(?P<parent>.+)\] above \[(?P<child>.+)\]$")
_SET = re.compile(r"set (?P<key>\S+) = (?P<text>\$\{.+\}) so that")
_NAMED = re.compile(r"`([^`]+)`")


def code_actions(document: Document, selection: types.Range, context: types.CodeActionContext,
                 verify: bool = True) -> list[types.CodeAction]:
    """Quick fixes for the diagnostics in `selection`, each checked to leave fewer problems
    (`verify`; off for a document too large to check once per fix), and "fill defaults"."""
    from .diagnostic import lsp_diagnostic

    found: list[types.CodeAction] = []
    wanted = context.only
    if wanted is None or any(k.startswith(types.CodeActionKind.QuickFix) for k in wanted):
        for d in document.diagnostics:
            if not _overlaps(document.lines.range(d.span), selection):
                continue
            fix = quick_fix(document, d)
            if fix is None or verify and not _improves(document, d, fix[1]):
                continue
            title, edits = fix
            found.append(types.CodeAction(
                title, kind=types.CodeActionKind.QuickFix, is_preferred=verify,
                diagnostics=[lsp_diagnostic(d, document.lines, document.uri)],
                edit=_workspace_edit(document, edits)))
    if wanted is None or any(FILL_DEFAULTS.startswith(k) for k in wanted):
        filled = fill_defaults(document)
        if filled is not None:
            found.append(types.CodeAction("Fill in every default (spaCy's init fill-config)", kind=FILL_DEFAULTS,
                                          edit=types.WorkspaceEdit(changes={document.uri: filled})))
    return found


def apply(text: str, edits: list[Edit]) -> str:
    """`text` with the edits made (spans in code points, as archwright's)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return min(starts[min(line, len(starts) - 1) - 1] + column - 1, len(text))

    for span, new in sorted(edits, key=lambda e: (e[0].line, e[0].column), reverse=True):
        text = text[:offset(span.line, span.column)] + new + text[offset(span.end_line, span.end_column):]
    return text


def _improves(document: Document, d: Diagnostic, edits: list[Edit]) -> bool:
    """Whether the fix removes its diagnostic and adds none of the same phase: a hint's nearest
    name can be wrong (a plugin's architecture is not a misspelt spaCy one), and then the fixed
    config has more problems than before, which is no fix."""
    from ..compiler.compilation import Compilation

    after = Compilation(apply(document.text, edits), overrides=document.compilation.overrides).diagnostics
    if any(a.code == d.code and a.message == d.message for a in after):
        return False
    phase = d.code[:3]
    now, before = sum(a.code[:3] == phase for a in after), sum(b.code[:3] == phase for b in document.diagnostics)
    # a corrected function or factory name binds a card, whose arguments are then checked too
    return now < before or (now == before and d.code in BINDING)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _workspace_edit(document: Document, edits: list[Edit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={document.uri: [types.TextEdit(document.lines.range(s), t) for s, t in edits]})


def text_at(document: Document, span: Span) -> str:
    lines = [document.lines.line(n) for n in range(span.line, span.end_line + 1)]
    lines[-1] = lines[-1][:span.end_column - 1]
    lines[0] = lines[0][span.column - 1:]
    return "\n".join(lines)


def quick_fix(document: Document, d: Diagnostic) -> tuple[str, list[Edit]] | None:
    """(title, edits) for a diagnostic whose hint is a concrete edit, or None."""
    if d.span is None or not d.hint:
        return None
    hint = d.hint
    if d.code == "AW106":
        return "Remove the byte-order mark", [(d.span, "")]
    if d.code == "AW150" or hint == INLINE_COMMENT_HINT:  # or the type error it causes
        return _move_comment(document, d)
    for pattern in (_WRITE, _SECTION_ONLY):
        match = pattern.search(hint)
        if match:
            text = match.group("text")
            if text.startswith("[") and d.code == "AW153":
                text = text[1:-1]
            return f"Write {match.group('text')}", [(d.span, text)]
    match = _SET.search(hint)
    if match:
        return f"Set {match.group('key')} = {match.group('text')}", [(d.span, match.group("text"))]
    match = _MOVE.search(hint)
    if match:
        return _move_section(document, match.group("parent"), match.group("child"))
    match = _DECLARE.search(hint)
    if match and match.group("child") in document.sections:
        child = match.group("child")
        parts = child.split(".")
        missing = [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) not in document.sections]
        header = document.sections[child].header_span
        return (f"Declare {', '.join(f'[{m}]' for m in missing)}",
                [(Span(header.line, 1, header.line, 1), "".join(f"[{m}]\n\n" for m in missing))])
    match = _DID_YOU_MEAN.fullmatch(hint)
    if match:
        return _did_you_mean(document, d, match.group("name"))
    return None


def _did_you_mean(document: Document, d: Diagnostic, name: str) -> tuple[str, list[Edit]] | None:
    title = f"Change to {name}"
    if name.startswith("${") and name[2:-1].replace(":", ".") == d.config_path:
        return None  # the nearest name is the referencing key itself: that would be a cycle
    if name.startswith("${") or name.startswith("@"):
        return title, [(d.span, name)]
    if name.startswith("[") and name.endswith("]"):
        return title, [(d.span, name[1:-1])]
    if len(name) >= 2 and name[0] == name[-1] and name[0] in '"`':
        new = name[1:-1]
    else:
        return None
    named = _NAMED.search(d.message)
    old = named.group(1) if named else None
    if old is None:
        return None
    written = text_at(document, d.span)
    if written.strip().strip('"') == old:
        quoted = written.strip().startswith('"')
        return title, [(d.span, f'"{new}"' if quoted else new)]
    for section in document.sections.values():  # a value span: the fix renames its key, or one of its strings
        for entry in section.entries:
            if entry.value.span == d.span:
                if entry.key == old:
                    return title, [(entry.key_span, new)]
                spans = [s for s, text in strings(document, entry) if text == old]
                return (title, [(spans[0], f'"{new}"')]) if spans else None
    return None


def _move_comment(document: Document, d: Diagnostic) -> tuple[str, list[Edit]] | None:
    entry = next((e for s in document.sections.values() for e in s.entries if e.value.span == d.span), None)
    if entry is None or entry.value.span.line != entry.value.span.end_line:
        return None
    raw = entry.value.raw
    comment = _INLINE_COMMENT.search(raw)
    line = document.lines.line(entry.key_span.line)
    indent = line[:len(line) - len(line.lstrip())]
    value = raw[:comment.start()].rstrip()
    return "Move the comment above the key", [
        (Span(entry.key_span.line, 1, entry.key_span.line, 1), f"{indent}{raw[comment.start():].strip()}\n"),
        (d.span, value)]


def _move_section(document: Document, parent: str, child: str) -> tuple[str, list[Edit]] | None:
    """Cut the parent section's lines and put them above the child's header."""
    above, below = document.sections.get(child), document.sections.get(parent)
    if above is None or below is None:
        return None
    first, last = below.header_span.line, document.section_end(below)
    block = [document.lines.line(n) for n in range(first, last + 1)]
    while block and not block[-1].strip():
        block.pop()
    at = above.header_span.line
    cut_end = Span(last + 1, 1, last + 1, 1) if last < len(document.lines.lines) else \
        Span(last, len(document.lines.line(last)) + 1, last, len(document.lines.line(last)) + 1)
    cut_start = Span(first, 1, first, 1)
    return f"Move [{parent}] above [{child}]", [
        (Span(at, 1, at, 1), "\n".join(block) + "\n\n"),
        (Span(cut_start.line, 1, cut_end.line, cut_end.column), "")]


# -- whole-document rewrites -------------------------------------------------------------------

def line_edits(document: Document, new: str, layout_only: bool = False) -> list[types.TextEdit]:
    """The whole-line edits that turn the document's text into `new` (not one big replacement,
    so that the editor keeps the cursor and folds where nothing changed). `layout_only` (fmt's
    changes) pairs the lines in one pass; difflib's matcher is quadratic on a long config."""
    old_lines, new_lines = document.text.split("\n"), new.split("\n")
    last = len(old_lines)
    edits = []
    if layout_only:
        from ..authoring.line_diff import runs

        changes = [(r.a_start, r.a_stop, r.b_start, r.b_stop) for r in runs(old_lines, new_lines) if not r.equal]
    else:
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        changes = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    for i1, i2, j1, j2 in changes:
        if i2 < last:  # whole lines, each with its newline
            start, end = document.lines.position(i1 + 1, 1), document.lines.position(i2 + 1, 1)
            text = "".join(line + "\n" for line in new_lines[j1:j2])
        elif i1 == last:  # after the last line, which has no newline
            start = end = document.lines.end()
            text = "".join("\n" + line for line in new_lines[j1:j2])
        elif j1 == j2:  # the end of the text goes, with the newline before it
            start = document.lines.position(i1, len(old_lines[i1 - 1]) + 1) if i1 else document.lines.position(1, 1)
            end, text = document.lines.end(), ""
        else:
            start, end = document.lines.position(i1 + 1, 1), document.lines.end()
            text = "\n".join(new_lines[j1:j2])
        edits.append(types.TextEdit(types.Range(start, end), text))
    return edits


def formatting(document: Document) -> list[types.TextEdit] | None:
    from ..authoring.fmt import format_text

    formatted = format_text(document.text)
    if formatted.text is None:
        return None  # syntax errors: the diagnostics say where
    return line_edits(document, formatted.text, layout_only=True)


def fill_defaults(document: Document) -> list[types.TextEdit] | None:
    from ..authoring.fill import fill_text

    if not document.compilation.ok:
        return None
    result = fill_text(document.text)
    if result.text is None or result.text == document.text:
        return None
    return line_edits(document, result.text)
