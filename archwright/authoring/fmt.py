"""`archwright fmt`: a config's canonical layout, with every comment kept where it was.

The layout: sections in the order written, one blank line between sections (comments directly
above a header stay attached to it), `key = value` at column 0, single-line JSON lists and
objects with `", "` and `": "` spacing, multi-line values indented four spaces (nested indentation
kept relative), `$<a.b>` written `${a.b}`, blank lines inside a section collapsed to one.

Only whitespace is changed, plus the two spellings above, and each change is one the config
reader provably ignores; `format_text` still resolves the old and the new text and refuses to
hand back a text that means something else.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from ..limits import json_loads
from ..diagnostics import CompilerBug, Diagnostic, has_errors
from ..grammar.parser import parse
from ..grammar.syntax import ConfigFile, Entry, Reference, Section

INDENT = 4
# JSON tokens: strings (escapes kept verbatim), punctuation, whitespace, and scalars (the rest)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]|[ \t\n\r]+|[^ \t\n\r\[\]{}:,"]+', re.DOTALL)
_LEADING = re.compile(r"\s*")


class Formatted(NamedTuple):
    """The canonical text (None when it cannot be given safely) and the diagnostics of the input."""

    text: str | None
    diagnostics: list[Diagnostic]


# -- values -----------------------------------------------------------------------------------


def same(a: Any, b: Any, seen: set | None = None) -> bool:
    """Equal values of equal types, dict keys in the same order, NaN equal to NaN; safe on the
    self-containing dicts a section reference to an enclosing section makes."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (dict, list)):
        seen = set() if seen is None else seen
        pair = (id(a), id(b))
        if pair in seen:
            return True
        seen.add(pair)
        if isinstance(a, dict):
            return list(a) == list(b) and all(same(a[k], b[k], seen) for k in a)
        return len(a) == len(b) and all(same(x, y, seen) for x, y in zip(a, b))
    return a == b


def _decode(text: str) -> tuple[bool, Any]:
    try:
        return True, json_loads(text)
    except (ValueError, RecursionError):
        return False, None


def normalise_json(raw: str) -> str:
    """A JSON list or object re-spaced as `[1, 2]` / `{"a": 1}`; numbers and strings keep their
    spelling. Anything else (scalars, Python spellings, text that is not JSON) is returned as is."""
    if not raw or raw[0] not in "[{":
        return raw
    ok, value = _decode(raw)
    if not ok:
        return raw
    out = []
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token[0] in " \t\n\r":
            continue
        if token in ",:":
            out.append(token + " ")
        elif token in "]}" and out and out[-1] in (", ", ": "):
            return raw  # cannot happen in valid JSON; keep the text rather than guess
        else:
            out.append(token)
    text = "".join(out)
    ok, again = _decode(text)
    return text if ok and same(value, again) else raw


def _canonical_pieces(entry: Entry) -> str:
    """The value's text with `$<a.b>` written `${a.b}` (when the path allows it)."""
    pieces = entry.value.pieces
    if not any(type(p) is Reference and p.alternative_spelling for p in pieces):
        return entry.value.raw
    out = []
    for piece in pieces:
        if type(piece) is Reference and piece.alternative_spelling and "}" not in piece.path:
            out.append("${" + piece.path + "}")
        else:
            out.append(piece.text)
    return "".join(out)


# -- layout -----------------------------------------------------------------------------------


def _width(line: str) -> int:
    return len(_LEADING.match(line).group().expandtabs(INDENT))


def _entry_lines(entry: Entry, source: list[str]) -> list[str]:
    raw = _canonical_pieces(entry)
    if "\n" not in raw:
        value = normalise_json(raw) if "$" not in raw else raw
        return [f"{entry.key} = {value}".rstrip()]
    # A multi-line value: after the key line, its source lines are continuation lines, blank
    # lines and comments, up to the last continuation line. Continuations keep their indentation
    # relative to the least indented one, which moves to four spaces.
    first, last = entry.key_span.line, entry.value.span.end_line
    comments = {c.span.line: c.text for c in entry.value.comments}
    numbers = [n for n in range(first + 1, last + 1) if n not in comments]
    parts = raw.split("\n")
    if len(numbers) != len(parts) - 1:
        raise CompilerBug(f"fmt: the value of `{entry.key}` (line {first}) has {len(parts) - 1} continuation "
                          f"lines, but {len(numbers)} source lines")
    text_of = dict(zip(numbers, parts[1:]))
    base = min(_width(source[n - 1]) for n in numbers if text_of[n])
    out = [f"{entry.key} = {parts[0]}".rstrip()]
    for n in range(first + 1, last + 1):
        text = comments.get(n, text_of.get(n))
        out.append(" " * (INDENT + max(0, _width(source[n - 1]) - base)) + text if text else "")
    return out


class _Item(NamedTuple):
    first: int  # source lines
    last: int
    lines: list[str]
    is_comment: bool


def _section_items(section: Section, source: list[str]) -> list[_Item]:
    items = [_Item(c.span.line, c.span.line, [c.text], True) for c in section.comments]
    items += [_Item(e.key_span.line, max(e.key_span.line, e.value.span.end_line), _entry_lines(e, source), False)
              for e in section.entries]
    return sorted(items, key=lambda item: item.first)


def _header(section: Section) -> str:
    trailing = section.trailing_text.strip()
    return f"[{section.name}]" + (f" {trailing}" if trailing else "")


def _attached(items: list[_Item], header_line: int) -> int:
    """How many comments at the end of `items` sit directly above the header (no blank line)."""
    count = 0
    line = header_line
    for item in reversed(items):
        if not item.is_comment or item.last != line - 1:
            break
        count += 1
        line = item.first
    return count


def _join_items(items: list[_Item], out: list[str]) -> None:
    previous = None
    for item in items:
        if previous is not None and item.first > previous.last + 1:
            out.append("")  # blank lines between two items: one
        out.extend(item.lines)
        previous = item


def format_tree(tree: ConfigFile, text: str) -> str:
    """The canonical text of a parsed config (`text` is its source, for continuation indents).
    The tree must be free of syntax errors (no bad lines, no values outside sections)."""
    source = text.split("\n")
    preamble = [_Item(c.span.line, c.span.line, [c.text], True) for c in tree.comments]
    bodies = [_section_items(section, source) for section in tree.sections]
    # comments directly above a header move with it, out of what comes before
    attached: list[list[_Item]] = []
    for i, section in enumerate(tree.sections):
        before = bodies[i - 1] if i else preamble
        keep = _attached(before, section.header_span.line)
        attached.append(before[len(before) - keep:])
        del before[len(before) - keep:]
    out: list[str] = []
    _join_items(preamble, out)
    for section, above, body in zip(tree.sections, attached, bodies):
        if out:
            out.append("")
        out.extend(line for item in above for line in item.lines)
        out.append(_header(section))
        _join_items(body, out)
    return "\n".join(out) + "\n" if out else ""


# -- the safe entry point ---------------------------------------------------------------------


def _meaning(tree: ConfigFile) -> list:
    """What the config means: each section's values as read (for fragments that do not resolve)
    and its uninterpolated and interpolated resolution (the data, or the errors' codes and paths)."""
    from ..compiler import values  # the compiler sits above the grammar
    from ..compiler.resolve import resolve

    out: list = [[[section.name, [[e.key, values.interpret(_canonical_pieces(e))] for e in section.entries]]
                  for section in tree.sections]]
    for interpolate in (False, True):
        resolved, diagnostics = resolve(tree, interpolate=interpolate)
        if resolved is None or has_errors(diagnostics):
            out.append(["errors", [[d.code, d.config_path] for d in diagnostics if d.is_error]])
        else:
            out.append(["data", resolved.data])
    return out


def _canonical_tree(tree: ConfigFile) -> ConfigFile:
    """The tree with `$<a.b>` spelled `${a.b}`: the one change of text fmt makes on purpose."""
    def entry(e: Entry) -> Entry:
        raw = _canonical_pieces(e)
        if raw == e.value.raw:
            return e
        pieces = tuple(Reference("${" + p.path + "}", p.span)
                       if type(p) is Reference and p.alternative_spelling and "}" not in p.path else p
                       for p in e.value.pieces)
        return e._replace(value=e.value._replace(raw=raw, pieces=pieces))
    return tree._replace(sections=tuple(s._replace(entries=tuple(entry(e) for e in s.entries))
                                        for s in tree.sections))


def _rewritten(spelling: Diagnostic) -> Diagnostic:
    """What fmt says of a `$<a.b>` it writes as `${a.b}` (AW250 is the error it fixes)."""
    old = spelling.message.split("`")[1]
    return Diagnostic("AW156", f"fmt writes `{old}` as `${{{old[2:-1]}}}`: spaCy reads only that spelling",
                      spelling.span, config_path=spelling.config_path)


def format_text(text: str) -> Formatted:
    """The canonical layout of config text, checked to mean exactly what the text means.

    `text` is None when the config has syntax errors (they are in the diagnostics), or when the
    layout would change the meaning (AW111: a bug of archwright's, never expected)."""
    text = text.replace("\r\n", "\n")  # a lone CR is part of its line, as in confection's from_str
    tree, diagnostics = parse(text)
    # `$<a.b>` is an error because spaCy cannot read it, and fmt is how it gets fixed
    if tree is None or has_errors(d for d in diagnostics if d.code != "AW250"):
        return Formatted(None, diagnostics)
    diagnostics = [_rewritten(d) if d.code == "AW250" else d for d in diagnostics]
    new = format_tree(tree, text)
    if new == text:
        return Formatted(new, diagnostics)
    new_tree, new_diagnostics = parse(new)
    if new_tree is None or has_errors(new_diagnostics) or not same(_meaning(_canonical_tree(tree)),
                                                                    _meaning(new_tree)):
        return Formatted(None, diagnostics + [Diagnostic(
            "AW111", "the canonical layout would change what this config means, so archwright leaves "
            "it as it is", hint="this is a bug in archwright's formatter: please report it with the config")])
    return Formatted(new, diagnostics)


# -- files ------------------------------------------------------------------------------------


class FileResult(NamedTuple):
    """One file through fmt: what was read, its canonical text (None if it has none), whether
    that differs, whether it was written, and the diagnostics."""

    path: str
    original: str | None
    formatted: str | None
    diagnostics: list[Diagnostic]
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted != self.original


def unified_diff(before: str, after: str, path: str) -> str:
    """What fmt changes, as a unified diff (no colour), in time linear in the texts' length."""
    from .line_diff import unified

    lines = unified(before.splitlines(keepends=True), after.splitlines(keepends=True),
                    f"{path} (original)", f"{path} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def write_atomic(path: str, text: str, expected: bytes | None = None, newline: str = "\n") -> Diagnostic | None:
    """Write `text` to `path` through a temporary file in the same directory and a rename, so a
    crash leaves the old file or the new one, never half of one. A symlink is written through
    (its target gets the text, the link stays); the file keeps its mode, owner and group, and a
    file with other hard links, or whose owner cannot be kept, is rewritten in place (a rename
    would split its links or give it to the user running archwright). The temporary file is
    removed on any exit Python survives (errors, Ctrl+C, SIGTERM, SIGHUP). With `expected`,
    refuse (AW112) when the file no longer holds those bytes (someone else wrote it)."""
    import os
    import tempfile

    from ..reading import read_limited

    target = os.path.realpath(path)
    data = text.replace("\n", newline).encode("utf-8")
    interrupted, temporary = None, None
    try:
        with _signals_raise():
            info = os.stat(target) if os.path.exists(target) else None
            handle, temporary = tempfile.mkstemp(prefix=".archwright-", suffix=".tmp", dir=os.path.dirname(target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if expected is not None and read_limited(target, len(expected)) != expected:
                return Diagnostic("AW112", "the file changed on disk while archwright was formatting it, "
                                  "so it was left as it is", hint="run archwright fmt again")
            if info is None:  # a new file (fill -o): the mode open() would give it, not mkstemp's 0600
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temporary, 0o666 & ~umask)
            if info is None or _takes_its_place(temporary, info):
                os.replace(temporary, target)
                temporary = None
            else:
                _rewrite_in_place(target, data)
    except _Interrupted as e:
        interrupted = e.signum
    except OSError as e:
        return _not_written(path, e)
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    if interrupted is not None:  # die of the signal, as without the handler, once cleaned up
        import signal

        signal.signal(interrupted, signal.SIG_DFL)
        os.kill(os.getpid(), interrupted)
    return None


def _takes_its_place(temporary: str, info) -> bool:
    """Give the temporary file the original's mode, owner and group; False when it cannot stand
    in for the original (other hard links, or an owner only root could give it)."""
    import os

    if info.st_nlink > 1:
        return False
    os.chmod(temporary, info.st_mode & 0o7777)
    if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(temporary, info.st_uid, info.st_gid)
        except OSError:
            return False
        os.chmod(temporary, info.st_mode & 0o7777)  # chown clears set-user-ID bits
    return True


def _rewrite_in_place(target: str, data: bytes) -> None:
    import os

    with open(target, "r+b") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


class _Interrupted(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _signals_raise():
    """While writing, SIGTERM and SIGHUP raise _Interrupted (so the temporary file is removed);
    only in the main thread, where Python lets handlers be set."""
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def handlers():
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupt(signum, frame):
            raise _Interrupted(signum)

        wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
        previous = {number: signal.signal(number, interrupt) for number in wanted}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, signal.SIG_DFL if handler is None else handler)
    return handlers()


def _not_written(path: str, error: OSError) -> Diagnostic:
    return Diagnostic("AW113", f"cannot write {path}: {error.strerror or error}",
                      hint="check that the directory exists and that you may write to it")


def format_file(path: str, write: bool = True) -> FileResult:
    """Format one config file; with `write`, replace it atomically when its layout changes.
    The file is never touched when it has errors or when it is already canonical."""
    from ..compiler.compilation import decode_config, read_config_bytes

    data, diagnostics = read_config_bytes(path)
    if data is not None and b"\r" in data.replace(b"\r\n", b""):
        return FileResult(path, None, None, diagnostics + [Diagnostic(
            "AW115", "the file ends lines with lone carriage returns (CR, the old Mac convention); fmt "
            "keeps such files exactly as they are", hint="convert its line ends to LF or CRLF first, e.g. "
            "with `tr '\\r' '\\n'`, then run fmt again")])
    text, problems = decode_config(data) if data is not None else (None, [])
    diagnostics = diagnostics + problems
    if text is None:
        return FileResult(path, None, None, diagnostics)
    result = format_text(text)
    diagnostics = diagnostics + result.diagnostics
    formatted = result.text
    if formatted is None or formatted == text or not write:
        return FileResult(path, text, formatted, diagnostics)
    newline = "\r\n" if data and b"\r\n" in data else "\n"  # keep Windows line ends
    problem = write_atomic(path, formatted, expected=data, newline=newline)
    if problem is not None:
        return FileResult(path, text, formatted, diagnostics + [problem])
    return FileResult(path, text, formatted, diagnostics, written=True)
