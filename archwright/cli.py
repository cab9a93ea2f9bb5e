"""The `archwright` command. Exit codes: 0 clean, 1 problems found (or a bad invocation),
2 an internal error of archwright (a bug: please report it)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .compiler.compilation import Compilation
from .compiler.overrides import parse_cli_overrides
from .compiler.serialize import NotWritable, to_str
from .diagnostics import (CompilerBug, Diagnostic, FileReport, has_errors, render_github, render_human,
                          render_json, render_sarif, use_colour)

EXIT_OK, EXIT_PROBLEMS, EXIT_BUG = 0, 1, 2
MAX_OUTPUT_NODES = 1_000_000  # shared sections can make a small config huge when written out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # a bad invocation is the user's problem, not a bug
        self.print_usage(sys.stderr)
        self.exit(EXIT_PROBLEMS, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="archwright", description="Validate, resolve and explain spaCy/Thinc configs.",
                     epilog="Config overrides are given as --section.key value, as for `spacy train`; "
                            "SPACY_CONFIG_OVERRIDES is read too, as spaCy reads it.")
    parser.add_argument("--version", action="version", version=f"archwright {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    resolve = commands.add_parser("resolve", help="print the config as spaCy reads it (interpolated)")
    resolve.add_argument("config", help="a .cfg file, or - for standard input")
    resolve.add_argument("--format", choices=["json", "ini"], default="json")
    resolve.add_argument("--no-interpolate", action="store_true", help="keep ${...} references as text")

    validate = commands.add_parser("validate", help="report every problem in configs")
    validate.add_argument("paths", nargs="+", help=".cfg files or directories (searched for *.cfg)")
    validate.add_argument("--format", choices=["human", "json", "github", "sarif"], default="human")
    validate.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    return parser


def _split_overrides(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Separate `--section.key [value]` words (the overrides) from archwright's own arguments."""
    regular: list[str] = []
    overrides: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--":
            regular.extend(words)
            break
        if word.startswith("--") and "." in word.split("=", 1)[0]:
            overrides.append(word)
            if "=" not in word and words and not words[0].startswith("--"):
                overrides.append(words.pop(0))
        else:
            regular.append(word)
    return regular, overrides


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate from a "\ud800" value must not crash output
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    regular, override_words = _split_overrides(argv)
    args = _build_parser().parse_args(regular)
    try:
        overrides, problems = parse_cli_overrides(override_words)
        if problems:
            sys.stderr.write(render_human([("<command line>", None, problems)], use_colour(sys.stderr)) + "\n")
            return EXIT_PROBLEMS
        if args.command == "resolve":
            return _resolve(args, overrides)
        return _validate(args, overrides)
    except BrokenPipeError:
        return EXIT_OK
    except (CompilerBug, Exception) as e:  # anything else is archwright's own fault
        sys.stderr.write(f"archwright: internal error: {e}\nThis is a bug in archwright, not in your "
                         "config; please report it with the config and this traceback.\n")
        traceback.print_exc()
        return EXIT_BUG


def _compilation(path: str, overrides: dict[str, Any], interpolate: bool = True) -> Compilation:
    if path == "-":
        stdin = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        return Compilation(stdin, path="<stdin>", overrides=overrides, interpolate=interpolate)
    return Compilation(Path(path), overrides=overrides, interpolate=interpolate)


def _resolve(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    compilation = _compilation(args.config, overrides, interpolate=not args.no_interpolate)
    diagnostics = compilation.resolution_diagnostics  # checking arguments is `validate`'s job
    resolved = compilation.resolved
    output = None
    if resolved is not None and not has_errors(diagnostics):
        output, problem = _write(resolved.data, args.format)
        if problem is not None:
            diagnostics = diagnostics + [problem]
    if diagnostics:
        report = [(compilation.path, compilation.text, diagnostics)]
        sys.stderr.write(render_human(report, use_colour(sys.stderr)) + "\n")
    if output is None:
        return EXIT_PROBLEMS
    sys.stdout.write(output + "\n")
    return EXIT_OK


def _write(data: dict, fmt: str) -> tuple[str | None, Diagnostic | None]:
    size = _written_size(data)
    if size == _CONTAINS_ITSELF:
        return None, Diagnostic("AW213", "the config contains itself (a section references a section "
                                "that encloses it), so it cannot be written out",
                                hint="reference a key, or a section outside the referencing one")
    if size > MAX_OUTPUT_NODES:
        return None, Diagnostic("AW213", f"written out, the config has more than {MAX_OUTPUT_NODES:,} "
                                "values (shared section references repeat whole sections)",
                                hint="reference keys instead of whole sections")
    try:
        if fmt == "ini":
            return to_str(data), None
        return json.dumps(data, indent=2, ensure_ascii=False), None
    except NotWritable as e:
        return None, Diagnostic("AW213", f"the config cannot be written as text: {e.reason}",
                                config_path=".".join(map(str, e.path)))
    except (ValueError, RecursionError) as e:
        return None, Diagnostic("AW213", f"the config cannot be written as JSON: {e}",
                                hint="a section that references an enclosing section makes the config contain itself")


def _written_size(data: Any) -> int:
    """How many values writing `data` produces, counting shared objects at every place they appear."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in on_path:
            raise _ContainsItself
        on_path.add(id(node))
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_OUTPUT_NODES:
                break
        on_path.discard(id(node))
        sizes[id(node)] = total
        return total

    try:
        return size(data)
    except _ContainsItself:
        return _CONTAINS_ITSELF
    except RecursionError:
        return MAX_OUTPUT_NODES + 1


class _ContainsItself(Exception):
    pass


_CONTAINS_ITSELF = -1


def _validate(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    reports: list[FileReport] = []
    for path in args.paths:
        if not os.path.isdir(path):
            compilation = _compilation(path, overrides)
            reports.append((compilation.path, compilation.text, compilation.diagnostics))
            continue
        found = sorted(str(p) for p in Path(path).rglob("*.cfg") if p.is_file())
        if not found:
            reports.append((path, None, [Diagnostic("AW108", "the directory holds no .cfg file",
                                                    hint="name the config files, or the directory that holds them")]))
        for config in found:
            compilation = _compilation(config, overrides)
            reports.append((compilation.path, compilation.text, compilation.diagnostics))
    if args.format == "json":
        text = render_json(reports)
    elif args.format == "github":
        text = render_github(reports)
    elif args.format == "sarif":
        text = render_sarif(reports, __version__)
    else:
        text = render_human(reports, use_colour(sys.stdout))
    if text:
        sys.stdout.write(text + "\n")
    diagnostics = [d for _, _, ds in reports for d in ds]
    failed = has_errors(diagnostics) or (args.strict and bool(diagnostics))
    return EXIT_PROBLEMS if failed else EXIT_OK
