"""The `archwright` command. Exit codes: 0 clean, 1 problems found (or a bad invocation),
2 an internal error of archwright (a bug: please report it)."""

from __future__ import annotations

import argparse
import difflib
import gc
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .compiler.architectures import FAMILIES, SPEC_CARDS, TITLES
from .code_files import load_code
from .present.cards import aliases, card_text
from .present.figures import bytes_text, count_text, field_text, peak_text, per_rows_text, unknown_text
from .compiler.compilation import Compilation
from .compiler.overrides import parse_cli_overrides
from .compiler.registry import clean_name, Card, Registry, default_registry
from .compiler.serialize import NotWritable, to_str
from .limits import with_recursion_room
from .diagnostics import (CompilerBug, Diagnostic, FileReport, has_errors, render_github, render_human,
                          nearest, render_json, render_sarif, use_colour)

EXIT_OK, EXIT_PROBLEMS, EXIT_BUG = 0, 1, 2
MAX_OUTPUT_NODES = 1_000_000  # shared sections can make a small config huge when written out
MAX_OUTPUT_CHARS = 64 * 1024 * 1024  # ... and deep: a chain of 900 references is 600 MB of text


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

    listing = commands.add_parser("list", help="list the registered functions archwright knows, by family")
    listing.add_argument("--registry", metavar="NAME", help="only this registry (architectures, layers, readers, ...)")
    listing.add_argument("--format", choices=["text", "json"], default="text")

    explain = commands.add_parser("explain", help="show a registered function's card: arguments, types, example")
    explain.add_argument("name", help='a registered name, e.g. "spacy.Tok2Vec.v2"')
    explain.add_argument("--registry", metavar="NAME", help="the registry to look in (default: all of them)")
    explain.add_argument("--format", choices=["text", "json"], default="text")

    summary = commands.add_parser("summary", help="layers, output widths, parameters and receptive fields")
    summary.add_argument("config", help="a .cfg file, or - for standard input")
    summary.add_argument("--component", metavar="NAME", help="only this component")
    summary.add_argument("--format", choices=["table", "json"], default="table")
    summary.add_argument("--labels", metavar="NAME=N", action="append", default=[],
                         help="a component's label count (actions for a parser or ner; NAME.SYMBOL=N for "
                              "another size), so that counts that depend on it become numbers")

    graph = commands.add_parser("graph", help="write the layer graph as DOT, SVG, PNG or JSON")
    graph.add_argument("config", help="a .cfg file, or - for standard input")
    graph.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.dot, OUT.svg, OUT.png or OUT.json")
    graph.add_argument("--level", choices=["pipeline", "blocks", "layers"], default="layers")
    graph.add_argument("--component", metavar="NAME", help="only this component")
    graph.add_argument("--expand", action="store_true",
                       help="draw every copy of a repeated block (by default more than two are drawn once, ×N)")
    graph.add_argument("--labels", metavar="NAME=N", action="append", default=[],
                       help="a component's label count, as for `summary`")

    build = commands.add_parser("build", help="build the Thinc models, initialize them and run a forward pass",
                                description="Build the Thinc models, initialize them and run a forward pass. "
                                            "This is the only command that reads files a config names, because "
                                            "building needs them: a transformer's local model directory (`name`) "
                                            "and the kb_path of a spacy.KBFromFile.v1 loader (checked to exist). "
                                            "Nothing is downloaded.")
    build.add_argument("config", help="a .cfg file, or - for standard input")
    build.add_argument("--component", metavar="NAME", help="only this component (and the tok2vec it listens to)")
    build.add_argument("--text", default="The quick brown fox jumps over the lazy dog.",
                       help="the text of the forward pass")
    build.add_argument("--labels", metavar="NAME=N", action="append", default=[],
                       help="a component's label count (actions for a parser or ner, entity vector length for "
                            "an entity linker); assumed and reported when not given")
    build.add_argument("--vectors", metavar="FILE", help="static vectors: one word and its numbers per line")
    build.add_argument("--max-params", type=int, default=None, metavar="N",
                       help="refuse models with more parameters (default: 100,000,000)")

    fmt = commands.add_parser("fmt", help="rewrite configs in the canonical layout, comments kept")
    fmt.add_argument("paths", nargs="+", help=".cfg files or directories (searched for *.cfg), or - for standard input")
    fmt.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    fmt.add_argument("--diff", action="store_true", help="write nothing; print what would change as a unified diff")

    diff = commands.add_parser("diff", help="semantic diff of two configs: sections and keys added, removed, changed")
    diff.add_argument("old", help="a .cfg file")
    diff.add_argument("new", help="a .cfg file")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument("--resolved", action="store_true",
                      help="compare after interpolation (a changed variable shows every key it reaches)")

    fill = commands.add_parser("fill", help="add every missing argument and section with its default")
    fill.add_argument("config", help="a .cfg file, or - for standard input")
    fill.add_argument("-o", "--output", metavar="OUT", help="write here (atomically; may be CONFIG itself) "
                                                             "instead of printing")

    ui = commands.add_parser("ui", help="open the explorer (Streamlit, on this machine only): browse the "
                             "architectures, explore a config")
    ui.add_argument("config", nargs="?", help="a .cfg file to open (default: the bundled examples)")
    ui.add_argument("--port", type=int, default=8501, help="the local port to serve on (default: 8501)")

    lsp = commands.add_parser("lsp", help="serve the Language Server Protocol over stdio (for editors)")
    lsp.add_argument("--stdio", action="store_true", help="use stdin and stdout (the default and only transport)")

    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="on an internal error (a bug of archwright's), print its traceback too")
    for command in (validate, listing, explain, summary, graph, build, fill, ui):
        command.add_argument("--code", metavar="FILE.py", action="append", default=[],
                             help="the Python file that registers your functions (as for `spacy train "
                                  "--code`): read statically, never run; a card file that imports "
                                  "archwright to call archwright.register(Card(...)) is imported. May be "
                                  "given more than once")
    return parser


def _known_flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of archwright's commands (the rest of `--name` words are overrides)."""
    flags: set[str] = set()
    for action in parser._actions:
        flags.update(action.option_strings)
        for sub in getattr(action, "choices", None) or {}:
            if isinstance(action.choices, dict):
                flags |= _known_flags(action.choices[sub])
    return flags


def _split_overrides(argv: Sequence[str], flags: set[str] = frozenset()) -> tuple[list[str], list[str]]:
    """Separate the overrides from archwright's own arguments: as for `spacy train`, every
    `--name [value]` that is not one of archwright's flags is an override (`--training.seed 1`;
    `--seed 1`, which names no section, is then reported as AW110)."""
    regular: list[str] = []
    overrides: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--":
            regular.extend(words)
            break
        name = word.split("=", 1)[0]
        if word.startswith("--") and len(word) > 2 and ("." in name or name not in flags):
            overrides.append(word)
            if "=" not in word and words and not words[0].startswith("--"):
                overrides.append(words.pop(0))
        else:
            regular.append(word)
    return regular, overrides


def run() -> int:
    """The command's process: `archwright ...` and `python -m archwright ...`."""
    gc.freeze()  # what is loaded by now lives as long as the process: the collector need not walk it again
    return main()


@with_recursion_room  # walks follow the config's nesting, up to MAX_NESTING levels
def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate from a "\ud800" value must not crash output
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _build_parser()
    regular, override_words = _split_overrides(argv, _known_flags(parser))
    args = parser.parse_args(regular)
    try:
        overrides, problems = parse_cli_overrides(override_words)
        if problems:
            sys.stderr.write(render_human([("<command line>", None, problems)], use_colour(sys.stderr)) + "\n")
            return EXIT_PROBLEMS
        if overrides and args.command in ("list", "explain", "fmt", "diff", "fill", "ui", "lsp"):
            sys.stderr.write(f"archwright: error: config overrides ({', '.join(sorted(overrides))}) only "
                             f"apply to `validate` and `resolve`, not to `{args.command}`\n")
            return EXIT_PROBLEMS
        for code in getattr(args, "code", []) if args.command != "ui" else ():  # the app reads its own
            problem = load_code(code)
            if problem:
                sys.stderr.write(f"archwright: cannot load --code {code}: {problem}\n")
                return EXIT_PROBLEMS
        if args.command == "resolve":
            return _resolve(args, overrides)
        if args.command == "summary":
            return _summary(args, overrides)
        if args.command == "graph":
            return _graph(args, overrides)
        if args.command == "build":
            return _build(args, overrides)
        if args.command == "list":
            return _list(args)
        if args.command == "fmt":
            return _fmt(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "fill":
            return _fill(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "ui":
            return _ui(args)
        if args.command == "lsp":
            return _lsp()
        return _validate(args, overrides)
    except BrokenPipeError:
        return EXIT_OK
    except (CompilerBug, Exception) as e:  # anything else is archwright's own fault
        sys.stderr.write(render_human([(getattr(args, "config", None) or "archwright", None,
                                        [internal_error(e)])], use_colour(sys.stderr)) + "\n")
        if getattr(args, "debug", False):
            traceback.print_exc()
        return EXIT_BUG


def internal_error(error: BaseException) -> Diagnostic:
    """A bug of archwright's as the diagnostic of the file it happened on (AW114)."""
    return Diagnostic("AW114", f"internal error of archwright: {type(error).__name__}: {str(error)[:300]}",
                      hint="this is a bug in archwright, not in your config: please report it with the config "
                           "and the traceback (run again with --debug to see it)")


def _ui(args: argparse.Namespace) -> int:
    """`streamlit run` on the packaged app, served on loopback only; the config's path is passed in
    the environment (the app reads that one file, with its size cap)."""
    if importlib.util.find_spec("streamlit") is None:
        sys.stderr.write("archwright: error: the explorer needs Streamlit: pip install 'archwright[ui]'\n")
        return EXIT_PROBLEMS
    env = dict(os.environ)
    env.pop("ARCHWRIGHT_UI_CONFIG", None)
    env["ARCHWRIGHT_UI_CODE"] = os.pathsep.join(os.path.abspath(p) for p in args.code)
    if args.config:
        if not os.path.isfile(args.config):
            sys.stderr.write(f"archwright: error: {args.config} is not a file\n")
            return EXIT_PROBLEMS
        env["ARCHWRIGHT_UI_CONFIG"] = os.path.abspath(args.config)
    app = Path(__file__).resolve().parent / "ui" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(args.port),
               "--browser.gatherUsageStats", "false", "--server.maxUploadSize", "1",
               "--client.toolbarMode", "viewer"]  # no Deploy button or developer menu
    sys.stdout.write(f"archwright explorer: http://127.0.0.1:{args.port}/ (Ctrl+C stops it)\n")
    sys.stdout.flush()
    return _serve(command, env)


def _serve(command: list[str], env: dict[str, str]) -> int:
    """Run Streamlit as a child in its own process group; SIGTERM, SIGINT or SIGHUP to archwright
    is passed on to it, and whatever is left of the group is ended before returning, so no
    server keeps the port."""
    import signal
    import subprocess

    child = subprocess.Popen(command, env=env, start_new_session=True)
    forwarded = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def forward(signum, _frame) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # a Ctrl+C that reached us first: pass it on and wait
                forward(signal.SIGINT, None)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        try:
            os.killpg(child.pid, signal.SIGKILL)  # anything the server started and left
        except (ProcessLookupError, PermissionError):
            pass
    return EXIT_OK if code in (0, -signal.SIGTERM, -signal.SIGINT) else EXIT_PROBLEMS


def _lsp() -> int:
    if importlib.util.find_spec("pygls") is None:
        sys.stderr.write("archwright: error: the language server needs pygls: pip install 'archwright[lsp]'\n")
        return EXIT_PROBLEMS
    from .lsp.server import serve

    return serve()


def _stdin() -> bytes | str:
    """Standard input, read up to the input cap (`cat /dev/zero | archwright resolve -` stops there)."""
    from .compiler.compilation import MAX_FILE_BYTES
    from .reading import read_stream_limited

    if hasattr(sys.stdin, "buffer"):
        return read_stream_limited(sys.stdin.buffer, MAX_FILE_BYTES)
    return sys.stdin.read(MAX_FILE_BYTES + 1)


def _compilation(path: str, overrides: dict[str, Any], interpolate: bool = True,
                 spacy_defaults: bool = False) -> Compilation:
    if path == "-":
        return Compilation(_stdin(), path="<stdin>", overrides=overrides, interpolate=interpolate,
                           spacy_defaults=spacy_defaults)
    return Compilation(Path(path), overrides=overrides, interpolate=interpolate, spacy_defaults=spacy_defaults)


def _config_paths(paths: Sequence[str]) -> list[str]:
    """Files as given; directories searched for *.cfg. A directory without any is kept, for the
    caller to report (_NO_CONFIGS)."""
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found.extend(sorted(str(p) for p in Path(path).rglob("*.cfg") if p.is_file()) or [path])
        else:
            found.append(path)
    return found


_NO_CONFIGS = Diagnostic("AW108", "the directory holds no .cfg file",
                         hint="name the config files, or the directory that holds them")


def _resolve(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    # confection's reading, exactly: spaCy's defaults are not filled in
    compilation = _compilation(args.config, overrides, interpolate=not args.no_interpolate, spacy_defaults=False)
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
    if isinstance(output, _JsonChunks):
        output.write(sys.stdout)
    else:
        sys.stdout.write(output)
    sys.stdout.write("\n")
    return EXIT_OK


class _JsonChunks:
    """The config as indented JSON, written a few thousand pieces at a time (json.dumps holds
    every piece of the text at once: on a large config several times the text's size)."""

    def __init__(self, data) -> None:
        self.data = data

    def write(self, stream) -> None:
        batch = []
        for chunk in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(self.data):
            batch.append(chunk)
            if len(batch) >= 4096:
                stream.write("".join(batch))
                batch.clear()
        stream.write("".join(batch))


def _write(data: dict, fmt: str) -> tuple[str | None, Diagnostic | None]:
    size = _written_size(data)
    if size == _CONTAINS_ITSELF:
        return None, Diagnostic("AW213", "the config contains itself (a section references a section "
                                "that encloses it), so it cannot be written out",
                                hint="reference a key, or a section outside the referencing one")
    if size > MAX_OUTPUT_NODES:
        return None, Diagnostic("AW213", f"written out, the config has more than {MAX_OUTPUT_NODES:,} "
                                f"values or {MAX_OUTPUT_CHARS // 2**20} MiB of text (shared section references "
                                "repeat whole sections)",
                                hint="reference keys instead of whole sections")
    try:
        if fmt == "ini":
            return to_str(data), None
        return _JsonChunks(data), None
    except NotWritable as e:
        return None, Diagnostic("AW213", f"the config cannot be written as text: {e.reason}",
                                config_path=".".join(map(str, e.path)))
    except (ValueError, RecursionError) as e:
        return None, Diagnostic("AW213", f"the config cannot be written as JSON: {e}",
                                hint="a section that references an enclosing section makes the config contain itself")


def _written_size(data: Any) -> int:
    """How many values writing `data` produces, counting shared objects at every place they
    appear (MAX_OUTPUT_NODES + 1 when the text would pass MAX_OUTPUT_CHARS). Each object is
    measured once, without recursion: its lines and its characters written at depth 0, deeper
    places adding their indentation (two spaces a level, like the dotted headers of INI)."""
    measured: dict[int, tuple[int, int, int]] = {}  # id -> (values, lines, characters at depth 0)
    on_path: set[int] = set()
    stack: list[tuple[Any, Any]] = []

    def scalar(value: Any) -> tuple[int, int, int]:
        return 1, 1, len(str(value)) + 4

    def enter(node: Any) -> None:
        if id(node) in on_path:
            raise _ContainsItself
        on_path.add(id(node))
        stack.append((node, iter(node.items() if isinstance(node, dict) else enumerate(node))))

    if not isinstance(data, (dict, list)):
        return 1
    try:
        enter(data)
        while stack:
            node, items = stack[-1]
            for _, child in items:
                if isinstance(child, (dict, list)) and id(child) not in measured:
                    enter(child)
                    break
            else:
                stack.pop()
                on_path.discard(id(node))
                count, lines, chars = 1, 2, 4
                for key, child in (node.items() if isinstance(node, dict) else enumerate(node)):
                    values, rows, width = measured[id(child)] if isinstance(child, (dict, list)) else scalar(child)
                    count, lines, chars = count + values, lines + rows, chars + width + 2 * rows + len(str(key)) + 4
                if count > MAX_OUTPUT_NODES or chars > MAX_OUTPUT_CHARS:
                    return MAX_OUTPUT_NODES + 1
                measured[id(node)] = (count, lines, chars)
    except _ContainsItself:
        return _CONTAINS_ITSELF
    return measured[id(data)][0]


class _ContainsItself(Exception):
    pass


_CONTAINS_ITSELF = -1


def _validate(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    reports: list[FileReport] = []
    bugs = 0
    for path in _config_paths(args.paths):
        if os.path.isdir(path):
            reports.append((path, None, [_NO_CONFIGS]))
            continue
        try:  # one file's internal error is that file's result: the other files still get theirs
            compilation = _compilation(path, overrides)
            reports.append((compilation.path, compilation.text, compilation.diagnostics))
        except (CompilerBug, Exception) as e:
            bugs += 1
            reports.append(("<stdin>" if path == "-" else path, None, [internal_error(e)]))
            if args.debug:
                traceback.print_exc()
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
    return EXIT_BUG if bugs else EXIT_PROBLEMS if failed else EXIT_OK


# -- summary -----------------------------------------------------------------------------------

_ACTION_FACTORIES = ("parser", "ner", "beam_parser", "beam_ner")
MAX_LABELS = 1_000_000_000  # far beyond any real label set; keeps the counts (and int()) small


def _labels(words: list[str], data: dict) -> tuple[dict[str, dict[str, int]], str]:
    components = data.get("components", {}) if isinstance(data.get("components"), dict) else {}
    labels: dict[str, dict[str, int]] = {}
    for word in words:
        name, _, number = word.partition("=")
        name, _, symbol = name.partition(".")
        if name not in components:
            return {}, f"--labels {word}: write COMPONENT=N with a component of the config ({', '.join(components)})"
        # ASCII digits only: str.isdigit() accepts "²", which int() refuses
        if not (number.isascii() and number.isdigit() and len(number) <= 10 and int(number) <= MAX_LABELS):
            return {}, f"--labels {word}: N must be a whole number from 0 to {MAX_LABELS:,}"
        factory = components[name].get("factory") if isinstance(components[name], dict) else None
        symbol = symbol or ("n_actions" if factory in _ACTION_FACTORIES else
                            "entity_vector_length" if factory == "entity_linker" else "n_labels")
        labels.setdefault(name, {})[symbol] = int(number)
    return labels, ""


def _compiled(args: argparse.Namespace, overrides: dict[str, Any]) -> Compilation | None:
    """The config compiled to its layer graph, or None after printing why not."""
    compilation = _compilation(args.config, overrides)
    errors = [d for d in compilation.diagnostics if d.is_error]
    if errors:
        sys.stderr.write(render_human([(compilation.path, compilation.text, errors)], use_colour(sys.stderr)) + "\n")
        return None
    compilation.labels, problem = _labels(args.labels, compilation.resolved.data)
    if problem:
        sys.stderr.write(f"archwright: error: {problem}\n")
        return None
    return compilation


def _build(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    import time

    from .compiler.thinc import DEFAULT_MAX_PARAMS, BuildError, build, model_input, shape_of, sum_params

    if not args.text.split():  # spaCy's components skip a batch without tokens; Thinc's layers fail on it
        sys.stderr.write("archwright: error: --text has no words to run the models on\n")
        return EXIT_PROBLEMS
    compilation = _compiled(args, overrides)
    if compilation is None:
        return EXIT_PROBLEMS
    try:
        pipeline = build(compilation, args.component, labels=compilation.labels, vectors=args.vectors,
                         max_params=args.max_params or DEFAULT_MAX_PARAMS, forward=[args.text])
    except BuildError as e:
        sys.stderr.write(render_human([(compilation.path, compilation.text, e.diagnostics)],
                                      use_colour(sys.stderr)) + "\n")
        return EXIT_PROBLEMS
    if pipeline.diagnostics:
        sys.stderr.write(render_human([(compilation.path, compilation.text, pipeline.diagnostics)],
                                      use_colour(sys.stderr)) + "\n")
    words = None
    for name, model in pipeline.items():
        inputs = model_input(model, [args.text])
        started = time.perf_counter()
        output = model.predict(inputs)
        seconds = time.perf_counter() - started
        docs = inputs[0] if isinstance(inputs, tuple) else inputs
        words = sum(len(doc) for doc in docs)
        sizes = ", ".join(f"{k}={v}" for k, v in pipeline.sizes[name].items())
        sys.stdout.write(f"{name} ({pipeline.factories[name]}): output {shape_of(output)}, "
                         f"{sum_params(model):,} parameters, build+initialize {pipeline.seconds[name] * 1000:.1f} ms, "
                         f"forward {seconds * 1000:.1f} ms{f' ({sizes})' if sizes else ''}\n")
    sys.stdout.write(f"{len(pipeline)} component(s) built; forward pass on {words or 0} words\n")
    return EXIT_OK


def _graph(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    from .present.render import RenderError, write  # graphviz and networkx: only here

    compilation = _compiled(args, overrides)
    if compilation is None:
        return EXIT_PROBLEMS
    try:
        graph = compilation.graph
        if args.expand:
            from .compiler.graph import lower

            graph = lower(compilation.checked, compilation.resolved, compilation.labels, expand=True)
        write(graph, Path(args.output), args.level, args.component)
    except RenderError as e:
        sys.stderr.write(f"archwright: error{' ' + e.code if e.code else ''}: {e}\n")
        return EXIT_PROBLEMS
    except OSError as e:
        sys.stderr.write(f"archwright: error: cannot write {args.output}: {e.strerror or e}\n")
        return EXIT_PROBLEMS
    sys.stdout.write(f"wrote {args.output}\n")
    return EXIT_OK


def _summary(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    from .compiler.graph import summary  # networkx: only for the layer graph

    compilation = _compiled(args, overrides)
    if compilation is None:
        return EXIT_PROBLEMS
    report = summary(compilation.graph)
    if args.component:
        if args.component not in report["components"]:
            sys.stderr.write(f"archwright: error: no component `{args.component}` (components: "
                             f"{', '.join(report['components'])})\n")
            return EXIT_PROBLEMS
        report = {"components": {args.component: report["components"][args.component]},
                  "total_params": report["components"][args.component]["params"], "cost": None}
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_summary_table(report))
    return EXIT_OK


def _summary_table(report: dict) -> str:
    lines = []
    for name, component in report["components"].items():
        width, field = component["output_width"], component["receptive_field"]
        lines.append(f"{name} ({component['architecture']}): {count_text(component['params'])} parameters, "
                     f"output width {'unknown' if width is None else width}, receptive field "
                     f"{'unknown' if field is None else field_text(field)}")
        if not component["layers"]:
            lines.append("  (the layers of this architecture are not modelled yet)")
            lines.append("")
            continue
        rows = [("layer", "dims", "output", "parameters", "receptive field", "FLOPs", "activations")]
        for layer in component["layers"]:
            depth = layer["path"].count("/")
            dims = ", ".join(f"{k}={v}" for k, v in layer["dims"].items())
            field = layer["receptive_field"]
            out = layer["activations"]
            held = {out["per"]: bytes_text(out["bytes"])} if out["bytes"] is not None else {}
            rows.append(("  " * depth + layer["name"], dims, layer["output"] or "", count_text(layer["params"]),
                         "" if field is None else field_text(field), per_rows_text(layer["flops"], short=True),
                         per_rows_text(held, short=True)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        listened = [f"the {upstream} it listens to" for upstream in component["cost"]["listens_to"]]
        lines += _cost_lines(component["cost"], "  ", listened)
        lines.append("")
    lines.append(f"total: {count_text(report['total_params'])} parameters")
    if report.get("cost"):
        lines += _cost_lines(report["cost"], "total ")
    return "\n".join(lines) + "\n"


def _cost_lines(cost: dict, indent: str, upstream: Sequence[str] = ()) -> list[str]:
    """What a component (or the pipeline) costs: compute per row, memory (docs/costs.md)."""
    unknown = [unknown_text(text) for text in cost["unknown"]]
    compute = per_rows_text(cost["flops"], "FLOPs") or ("unknown" if unknown else "no FLOPs")
    extra = unknown + list(upstream)
    if extra:
        compute += f" (+ {'; '.join(extra)})"
    if cost["gathered"]:
        compute += f"; gathers {per_rows_text(cost['gathered'], 'floats')}"
    peak = cost["peak_bytes_per_token"]
    inside = "".join(f" (+ the {text.partition(': ')[0]}'s inside)" for text in cost["unknown"])
    memory = (f"peak activations {peak_text(peak)} per token{inside}; "
              f"weights {bytes_text(cost['param_bytes'])}, {bytes_text(cost['training_bytes'])} to train with Adam")
    return [f"{indent}compute: {compute}", f"{indent}memory: {memory}"]


# -- --code: the user's own cards and registered functions ----------------------------------

def _command_line_problem(code: str, message: str, hint: str) -> str:
    severity = "error"
    return f"<command line>: {severity} {code}: {message}\n" + (f"  hint: {hint}\n" if hint else "")


def _registry_name(registry: Registry, name: str | None) -> tuple[str | None, str]:
    """The registry named by --registry (`@layers` or `layers`), or a problem to report."""
    if name is None:
        return None, ""
    cleaned = name.lstrip("@")
    known = sorted(registry.registries())
    if cleaned in known:
        return cleaned, ""
    near = nearest(cleaned, known)
    hint = f"did you mean {near}?" if near else f"the registries are: {', '.join(known)}"
    return None, _command_line_problem("AW303", f"there is no registry `{cleaned}`", hint)


def _unique_cards(registry: Registry) -> list[Card]:
    unique: dict[tuple[str, str], Card] = {}
    for card in registry.cards():
        unique.setdefault((card.registry, card.name), card)
    return list(unique.values())


def _groups(registry: Registry, only: str | None) -> list[tuple[str, str | None, str | None, list[Card]]]:
    """(title, family, registry, cards): the spec's families in the spec's order, other families
    (from plugins or the user's code), then every other registry's functions by name."""
    order = {(c.registry, c.name): i for i, c in enumerate(SPEC_CARDS)}
    families = [module.FAMILY for module in FAMILIES]
    by_family: dict[str, list[Card]] = {}
    by_registry: dict[str, list[Card]] = {}
    for card in _unique_cards(registry):
        if only is not None and card.registry != only:
            continue
        if card.family:
            by_family.setdefault(card.family, []).append(card)
        else:
            by_registry.setdefault(card.registry, []).append(card)
    groups: list[tuple[str, str | None, str | None, list[Card]]] = []
    for family in families + sorted(set(by_family) - set(families)):
        cards = by_family.get(family)
        if cards:
            cards.sort(key=lambda c: (order.get((c.registry, c.name), len(order)), c.registry, c.name))
            title = TITLES.get(family) or family.replace("_", " ").capitalize()
            groups.append((title, family, None, cards))
    for reg in sorted(by_registry):
        groups.append((f"@{reg}", None, reg, sorted(by_registry[reg], key=lambda c: c.name)))
    return groups


def _marks(card: Card) -> list[str]:
    return ["spec"] * card.in_spec + ["legacy"] * card.legacy + [f"from {card.source}"] * bool(card.source)


def _list(args: argparse.Namespace) -> int:
    registry = default_registry()
    registry.read_installed()  # what installed packages register, read statically
    only, problem = _registry_name(registry, args.registry)
    if problem:
        sys.stderr.write(problem)
        return EXIT_PROBLEMS
    groups = _groups(registry, only)
    known_as = aliases(registry)
    cards = [card for *_, group in groups for card in group]
    summary = {"functions": len(cards), "spec": sum(c.in_spec for c in cards),
               "legacy": sum(c.legacy for c in cards)}
    if args.format == "json":
        data = {"groups": [{"title": title, "family": family, "registry": reg,
                            "functions": [{"name": c.name, "registry": c.registry, "family": c.family,
                                           "in_spec": c.in_spec, "legacy": c.legacy, "returns": c.returns,
                                           "source": c.source,
                                           "aliases": known_as.get((c.registry, c.name), [])}
                                          for c in group]}
                           for title, family, reg, group in groups],
                "summary": summary}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    # the families share one column; each registry's group is aligned on its own
    family_width = max((len(c.name) for _, family, _, group in groups if family for c in group), default=0) + 2
    reg_width = max((len(c.registry) for c in cards), default=0) + 3
    out: list[str] = []
    for title, family, reg, group in groups:
        out.append(title)
        width = family_width if family else max(len(c.name) for c in group) + 2
        for card in group:
            marks = _marks(card)
            also = known_as.get((card.registry, card.name))
            if also:
                marks.append("also " + ", ".join(also))
            where = "" if reg else f"@{card.registry}".ljust(reg_width)
            line = f"  {card.name.ljust(width)}{where}{', '.join(marks)}" if not reg or marks else f"  {card.name}"
            out.append(line.rstrip())
        out.append("")
    out.append(f"{summary['functions']} function{'s' * (summary['functions'] != 1)} ({summary['spec']} from the spec, "
               f"{summary['legacy']} legacy); `archwright explain NAME` shows one")
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK


def _find(registry: Registry, name: str, only: str | None) -> list[Card]:
    found: dict[tuple[str, str], Card] = {}
    for reg in [only] if only else sorted(registry.registries()):
        card = registry.get(reg, name)
        if card is not None:
            found.setdefault((card.registry, card.name), card)
    return list(found.values())


def _nearest(registry: Registry, name: str, only: str | None) -> tuple[str, str]:
    """The closest known (registry, name) to a mistyped name, or ("", "")."""
    best, best_ratio = ("", ""), 0.0
    for reg in [only] if only else sorted(registry.registries()):
        near = registry.suggest(reg, name)
        if near:
            ratio = difflib.SequenceMatcher(None, name, near).ratio()
            if ratio > best_ratio:
                best, best_ratio = (reg, near), ratio
    if best == ("", "") and only:  # the right name in another registry
        other = registry.elsewhere(only, name)
        if other:
            return other, clean_name(name)
    return best


def _containing(registry: Registry, name: str, only: str | None, most: int = 4) -> list[tuple[str, str]]:
    """Registered names a short name is part of (`Tok2Vec`: spacy.Tok2Vec.v2, `maxout`:
    spacy.MaxoutWindowEncoder.v2 and Maxout.v1): the ones whose base name is `name` first, the
    spec's cards before the rest."""
    wanted = name.strip().lower()
    if len(wanted) < 3:
        return []
    found = []
    for reg in [only] if only else sorted(registry.registries()):
        for known in registry.names(reg):
            base = known.split(".")[-2] if known.count(".") >= 1 and known.rsplit(".", 1)[-1].startswith("v") \
                else known
            base = base.rsplit(".", 1)[-1].lower()
            if wanted in known.lower():
                card = registry.get(reg, known)
                version = known.rsplit(".v", 1)[-1]
                found.append((base != wanted, not (card and card.in_spec), bool(card and card.legacy),
                              not known.startswith("spacy."), -int(version) if version.isdigit() else 0, len(known),
                              reg, known))
    return [(reg, known) for *_, reg, known in sorted(found)[:most]]


def _explain(args: argparse.Namespace) -> int:
    registry = default_registry()
    registry.read_installed()
    only, problem = _registry_name(registry, args.registry)
    if problem:
        sys.stderr.write(problem)
        return EXIT_PROBLEMS
    cards = _find(registry, args.name, only)
    if not cards:
        where = f"@{only}" if only else "registered"
        reg, near = _nearest(registry, args.name, only)
        containing = _containing(registry, args.name, only)
        if containing and (not near or near not in [n for _, n in containing]):
            hint = "did you mean " + " or ".join(f'"{n}" (@{r})' for r, n in containing) + "?"
        else:
            hint = (f'did you mean "{near}" (@{reg})?' if near else
                    "run `archwright list` to see the names archwright knows; add your own with --code FILE.py")
        sys.stderr.write(_command_line_problem("AW304", f"`{args.name}` is not a {where} function", hint))
        return EXIT_PROBLEMS
    known_as = aliases(registry)
    if args.format == "json":
        data = {"cards": [_card_json(card, known_as.get((card.registry, card.name), [])) for card in cards]}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=repr) + "\n")
        return EXIT_OK
    texts = [card_text(card, known_as.get((card.registry, card.name), [])) for card in cards]
    sys.stdout.write(("\n" + "-" * 72 + "\n\n").join(texts))
    return EXIT_OK


def _card_json(card: Card, aliases: list[str]) -> dict[str, Any]:
    return {
        "name": card.name, "registry": card.registry, "family": card.family,
        "family_title": TITLES.get(card.family, card.family) if card.family else "",
        "in_spec": card.in_spec, "legacy": card.legacy, "aliases": aliases, "doc": card.doc, "source": card.source,
        "args": [{"name": a.name, "annotation": a.annotation, "required": a.required and a.kind == "keyword",
                  "default": None if a.required or a.kind == "positional" else a.default, "kind": a.kind,
                  "gt": a.gt, "ge": a.ge, "lt": a.lt, "le": a.le,
                  "recommended": list(a.recommended) if a.recommended else None, "doc": a.doc}
                 for a in card.args],
        "rules": [list(rule.args) for rule in card.rules],
        "returns": card.returns, "example": card.example,
    }


# -- fmt, diff and fill ------------------------------------------------------------------------

def _errors_only(path: str, text: str | None, diagnostics: list[Diagnostic]) -> None:
    """fmt's report of a file: its errors, and what it rewrote on purpose (AW156)."""
    shown = [d for d in diagnostics if d.is_error or d.code == "AW156"]
    if shown:
        sys.stderr.write(render_human([(path, text, shown)], use_colour(sys.stderr)) + "\n")


def _stdin_text() -> tuple[str | None, list[Diagnostic]]:
    from .compiler.compilation import decode_config

    data = _stdin()
    return decode_config(data.encode() if isinstance(data, str) else data)


def _fmt(args: argparse.Namespace) -> int:
    from .authoring.fmt import FileResult, format_file, format_text, unified_diff

    write = not (args.check or args.diff)
    results: list[FileResult] = []
    for path in _config_paths(args.paths):
        if path == "-":
            text, problems = _stdin_text()
            if text is None:
                result = FileResult("<stdin>", None, None, problems)
            else:
                formatted = format_text(text)
                result = FileResult("<stdin>", text, formatted.text, formatted.diagnostics)
                if write and formatted.text is not None:
                    sys.stdout.write(formatted.text)
        elif os.path.isdir(path):
            result = FileResult(path, None, None, [_NO_CONFIGS])
        else:
            result = format_file(path, write=write)
        results.append(result)
        _errors_only(result.path, result.original, result.diagnostics)
        if args.diff and result.changed:
            sys.stdout.write(unified_diff(result.original, result.formatted, result.path))
        if result.changed and result.path != "<stdin>":
            verb = "reformatted" if result.written else "would reformat"
            if write and not result.written:
                verb = "could not reformat"
            sys.stderr.write(f"{verb} {result.path}\n")
    failed = [r for r in results if r.formatted is None or has_errors(r.diagnostics)]
    changed = [r for r in results if r.changed and r not in failed]
    unchanged = len(results) - len(failed) - len(changed)
    parts = []
    if changed:
        verb = "reformatted" if write else "would be reformatted"
        parts.append(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}")
    if unchanged:
        parts.append(f"{unchanged} file{'s' * (unchanged != 1)} already formatted")
    if failed:
        parts.append(f"{len(failed)} file{'s' * (len(failed) != 1)} with errors left unchanged")
    if not (len(results) == 1 and results[0].path == "<stdin>" and write):
        sys.stderr.write(", ".join(parts) + "\n")
    return EXIT_PROBLEMS if failed or (args.check and changed) else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from .authoring.diff import diff, render_json, render_text

    sources = [Path(p) for p in (args.old, args.new)]
    changes, reports = diff(*sources, resolved=args.resolved)
    for name, text, diagnostics in reports:
        _errors_only(name, text, diagnostics)
    if changes is None:
        return EXIT_PROBLEMS
    if args.format == "json":
        sys.stdout.write(render_json(changes, args.old, args.new, args.resolved) + "\n")
    else:
        sys.stdout.write(render_text(changes, args.old, args.new, use_colour(sys.stdout)))
    return EXIT_PROBLEMS if changes else EXIT_OK


def _fill(args: argparse.Namespace) -> int:
    from .authoring.fill import fill_file

    text, problems = _stdin_text() if args.config == "-" else (None, [])
    result = fill_file(args.config, text=text, problems=problems, output=args.output)
    # errors left after filling point into the filled text
    _errors_only(result.path, result.original if result.filled is None else result.filled, result.diagnostics)
    if result.filled is None:
        return EXIT_PROBLEMS
    if args.output is None:
        sys.stdout.write(result.filled)
    else:
        sys.stderr.write(f"wrote {args.output}: {result.summary}\n")
    return EXIT_PROBLEMS if has_errors(result.diagnostics) else EXIT_OK
