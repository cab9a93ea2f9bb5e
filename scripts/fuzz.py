"""A fuzzer for every archwright command and the public API (issue 13).

Each input runs in one of a pool of worker processes forked from one warmed parent (archwright,
Thinc, networkx and graphviz are imported once), under its own address-space limit (RLIMIT_AS),
CPU-time limit and wall-clock limit; a worker is replaced after any failure. The inputs: mutated
real configs (the shared corpus and the bundled examples), generated INI text, extreme sizes
(deep, chained, shared, wide, long) and random overrides, fed to the commands validate,
resolve, list, explain, summary, graph, build, fmt, diff and fill; to the two servers, ui (the
explorer's views and model run) and lsp (the language server's handlers, at random positions);
and to the API functions parse, resolve, validate, compile (with the summary), fmt, diff, fill,
build, build_architecture and to_str.

An outcome is counted per command: ok (exit 0 or 1, or a result/ConfigError/BuildError from the
API), traceback (an internal error: exit 2, AW114, or another exception), time-out, or limit
breach (MemoryError, or killed by the address-space limit). Failing inputs are saved under
--crashes with the command that reproduces them.

    python scripts/fuzz.py --inputs 100000            # a seed is chosen and printed
    python scripts/fuzz.py --seed 7 --hours 2 --json figures.json
    python scripts/fuzz.py --seed 7 --replay 1234       # input 1234 of seed 7, in this process
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
EXAMPLES = ROOT / "examples"

COMMANDS = ("validate", "resolve", "list", "explain", "summary", "graph", "build", "fmt", "diff", "fill")
# the two servers, driven through the functions their requests call (the explorer's views and
# model run, the language server's handlers)
SERVERS = ("ui", "lsp")
API = ("api.parse", "api.resolve", "api.validate", "api.compile", "api.fmt", "api.diff", "api.fill", "api.build",
       "api.build_architecture", "api.to_str")
OUTCOMES = ("ok", "traceback", "timeout", "limit")

# -- inputs ---------------------------------------------------------------------------------------

SPECIAL = list("${}[]=:#;\t\r\x00\ufeff\\\"' .*@\n") + [
    "${", "$$", "${a.b}", "\u00e9", "\u2028", "\x85", "\U0001F600", "\u3000", "\x0c", "\ud800", "  ", "\n  ",
    "[", "]", "${paths.train}", "${components}", "${nlp}", "@architectures = ", "\n[x]\n", "\n  [y]\n", "\r\n"]
VALUES = ["0", "-1", "1", "2", "96", '"96"', '"-5"', "1e308", "-1e308", "NaN", "Infinity", "null", "true", "false",
          "[]", "{}", '""', '"x"', "[1, 2, 3]", '{"a": 1}', "9" * 30, "9" * 5000, "0.5", "-0.0", "10000", "4000000",
          "[" * 50 + "]" * 50, '"\\ud800"', "${paths.train}", "${system.seed}", "${nlp}", "${components.tok2vec}",
          '{"@architectures": "spacy.HashEmbedCNN.v1"}', '"spacy.MishWindowEncoder.v1"', "True", "None"]
NUMBERS = [0, -1, 1, 2, 3, 7, 96, 1000, 10_000, 100_000, 4_000_000, 2 ** 31, 2 ** 63, -(2 ** 40)]


def corpus_texts() -> list[str]:
    files = sorted(CORPUS.glob("*.cfg")) if CORPUS.is_dir() else []
    files += sorted(EXAMPLES.glob("*.cfg")) + sorted((EXAMPLES / "architectures").glob("*.cfg"))
    texts = []
    for path in files:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            pass
    return texts


def mutate(text: str, rng: random.Random) -> str:
    """Line and character edits, and values replaced by extreme ones."""
    lines = text.split("\n") or [""]
    for _ in range(rng.randint(1, 5)):
        if not lines:
            lines = [""]
        op, i = rng.randrange(12), rng.randrange(len(lines))
        line = lines[i]
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, line)
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in (3, 4):
            at = rng.randint(0, len(line))
            piece = rng.choice(SPECIAL) if rng.random() < 0.8 else chr(rng.randint(1, 0x2FFF))
            lines[i] = line[:at] + piece + line[at:]
        elif op == 5:
            joined = "\n".join(lines)
            lines = joined[:rng.randint(0, len(joined))].split("\n")
        elif op == 6:
            lines[i] = rng.choice(["  ", "    ", "\t", " "]) + line
        elif op in (7, 8, 9) and "=" in line:  # a value replaced: the commonest way to a crash
            key = line.split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(VALUES)}"
        elif op == 10 and line.startswith("["):
            lines.insert(i + 1, f"{rng.choice(['width', 'depth', 'window_size', 'nO', 'rows', 'stride'])} = "
                                f"{rng.choice(VALUES)}")
        else:
            line = lines.pop(i)
            lines.insert(rng.randint(0, len(lines)), line)
    return "\n".join(lines)


def generated(rng: random.Random) -> str:
    """INI text from scratch: sections (nested, `*`), keys, JSON-ish values and references."""
    names = ["a", "b", "c", "model", "nlp", "components", "paths", "x.y", "*", "training", "tok2vec"]
    sections: list[str] = []
    out = []
    for _ in range(rng.randint(0, 12)):
        parent = rng.choice(sections) if sections and rng.random() < 0.6 else ""
        name = f"{parent}.{rng.choice(names)}" if parent else rng.choice(names)
        sections.append(name)
        out.append(f"[{name}]")
        for _ in range(rng.randint(0, 5)):
            key = rng.choice(["x", "y", "width", "depth", "@architectures", "@layers", "factory", "nO", "lang",
                              "pipeline", "seed", ""])
            if key.startswith("@"):
                value = json.dumps(rng.choice(ARCHITECTURES or ["spacy.Tok2Vec.v2"]))
            elif sections and rng.random() < 0.2:
                value = "${" + rng.choice(sections) + (rng.choice(["", ".x", ".y"])) + "}"
            else:
                value = rng.choice(VALUES)
            out.append(f"{key}{rng.choice([' = ', '=', ': ', ' '])}{value}")
        if rng.random() < 0.2:
            out.append(rng.choice(["# comment", "", "  continued", "; semicolon"]))
    return "\n".join(out) + rng.choice(["", "\n"])


def extreme(rng: random.Random, texts: list[str]) -> str:
    """Deep, chained, shared, wide and long inputs, and encoders at their limits."""
    kind = rng.randrange(9)
    n = rng.choice([10, 100, 400, 899, 901, 1000, 3000])
    if kind == 0:  # nesting
        return "".join(f"[{'.'.join(['s'] * (i + 1))}]\nx = {i}\n" for i in range(min(n, 1200)))
    if kind == 1:  # a chain of section references
        return "".join(f"[c{i}]\n" + (f"prev = ${{c{i - 1}}}\n" if i else "") + "x = 1\n" for i in range(n))
    if kind == 2:  # sections shared twice at every level: exponential as a tree
        depth = rng.randint(5, 40)
        return "".join(f"[a{i}]\nx = ${{a{i + 1}}}\ny = ${{a{i + 1}}}\n" for i in range(depth)) + f"[a{depth}]\nv = 1\n"
    if kind == 3:  # many sections, many keys
        return "".join(f"[s{i}]\n" + "".join(f"k{j} = {j}\n" for j in range(rng.randint(0, 20))) for i in range(n * 3))
    if kind == 4:  # a long value, a long line, deep JSON
        return "[a]\nx = " + rng.choice(["[" * n + "]" * n, '"' + "x" * (n * 1000) + '"', "1" * n, "${a." * 50])
    if kind == 5:  # interpolation that doubles at every level
        return "[v]\nx0 = \"ab\"\n" + "".join(f"x{i + 1} = \"${{v.x{i}}}${{v.x{i}}}\"\n" for i in range(rng.randint(5, 40)))
    text = rng.choice(texts) if texts else "[a]\nx = 1\n"
    key = rng.choice(["depth", "window_size", "width", "embed_size", "rows", "maxout_pieces", "nO", "stride",
                      "window", "hidden_width", "conv_depth", "length", "nM", "nC", "hidden_size"])
    value = rng.choice(NUMBERS + ["\"96\"", "-96", "1e9", "[1000000000]"])
    return "\n".join(f"{key} = {value}" if line.startswith(f"{key} =") else line for line in text.split("\n"))


ARCHITECTURES: list[str] = []
NAMES: list[str] = []


def some_config(rng: random.Random, texts: list[str]) -> tuple[str, str]:
    """(kind of input, config text)."""
    roll = rng.random()
    if roll < 0.55 and texts:
        return "mutated", mutate(rng.choice(texts), rng)
    if roll < 0.8:
        return "generated", generated(rng)
    return "extreme", extreme(rng, texts)


def overrides(rng: random.Random, text: str) -> list[str]:
    """Random `--section.key value` words, from the config's own sections or not."""
    words = []
    sections = [line.strip()[1:-1] for line in text.split("\n") if line.startswith("[") and line.rstrip().endswith("]")]
    for _ in range(rng.choice([0, 0, 1, 2])):
        section = rng.choice(sections) if sections and rng.random() < 0.8 else rng.choice(["nlp", "x", "", "a.b"])
        key = rng.choice(["width", "depth", "pipeline", "seed", "", "lang", "factory", "x"])
        words += [f"--{section}.{key}", rng.choice(VALUES)]
    return words


# -- one input --------------------------------------------------------------------------------------


class Case:
    """What one child runs: a CLI command (argv and files) or an API call."""

    def __init__(self, command: str, argv: list[str] | None = None, files: dict[str, bytes] | None = None,
                 call: Callable[[], Any] | None = None, describe: str = "") -> None:
        self.command, self.argv, self.files, self.call, self.describe = command, argv, files or {}, call, describe


def _labels(rng: random.Random) -> list[str]:
    words = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        name = rng.choice(["tagger", "parser", "ner", "textcat", "x", "tok2vec", "tagger.n_labels"])
        words += ["--labels", f"{name}={rng.choice(['3', '0', '17', '²', '9' * 20, '-1', 'x', '1000000'])}"]
    return words


def make_case(rng: random.Random, texts: list[str], command: str) -> Case:
    kind, text = some_config(rng, texts)
    data = text.encode("utf-8", "surrogatepass")
    files = {"config.cfg": data}
    config = "config.cfg"
    if rng.random() < 0.05:  # standard input
        config = "-"
    if command == "validate":
        argv = ["validate", config] + rng.choice([[], ["--format", "json"], ["--format", "sarif"],
                                                   ["--format", "github"], ["--strict"]])
        if rng.random() < 0.1:  # a directory of configs
            files["dir/a.cfg"], files["dir/b.cfg"] = data, mutate(text, rng).encode("utf-8", "surrogatepass")
            argv = ["validate", "dir"]
        argv += overrides(rng, text)
    elif command == "resolve":
        argv = ["resolve", config] + rng.choice([[], ["--format", "ini"], ["--no-interpolate"]]) + overrides(rng, text)
    elif command == "list":
        argv = ["list"] + rng.choice([[], ["--format", "json"], ["--registry", rng.choice(["layers", "architectures",
                                                                                             "nope", "@misc", ""])]])
    elif command == "explain":
        name = rng.choice(NAMES + ["spacy.Nope.v1", "", "x" * 1000, "spacy.Tok2Vec"]) if NAMES else "spacy.Tok2Vec.v2"
        argv = ["explain", name] + rng.choice([[], ["--format", "json"], ["--registry", "layers"]])
    elif command == "summary":
        argv = ["summary", config] + rng.choice([[], ["--format", "json"], ["--component", "tagger"]]) + _labels(rng)
        argv += overrides(rng, text)
    elif command == "graph":
        out = "graph." + rng.choice(["dot", "json", "svg", "png", "txt"])
        argv = ["graph", config, "-o", out] + rng.choice([[], ["--level", "blocks"], ["--level", "pipeline"],
                                                          ["--component", "tok2vec"]]) + _labels(rng)
    elif command == "build":
        argv = ["build", config] + rng.choice([[], ["--max-params", str(rng.choice([1, 1000, 10 ** 6, 10 ** 7]))],
                                               ["--component", "tagger"], ["--text", rng.choice(["", "x " * 500, "é"])]])
        argv += _labels(rng)
    elif command == "fmt":
        argv = ["fmt", config] + rng.choice([[], ["--check"], ["--diff"]])
    elif command == "diff":
        other = mutate(text, rng) if rng.random() < 0.7 else some_config(rng, texts)[1]
        files["other.cfg"] = other.encode("utf-8", "surrogatepass")
        argv = ["diff", "config.cfg", "other.cfg"] + rng.choice([[], ["--resolved"], ["--format", "json"]])
    else:
        argv = ["fill", config] + rng.choice([[], ["-o", "filled.cfg"], ["-o", "config.cfg"]])
    return Case(command, argv + ["--debug"], files, describe=kind)


def make_server_case(rng: random.Random, texts: list[str], command: str) -> Case:
    """What the explorer does with a pasted config, or an editor with an open one."""
    kind, text = some_config(rng, texts)
    if command == "ui":
        labels = {"tagger": {"n_labels": rng.choice(NUMBERS)}} if rng.random() < 0.2 else None
        sentence = rng.choice(["A short sentence .", "", "x " * 300, "\u00e9\U0001F600"])
        run_models = rng.random() < 0.3

        def call():
            from archwright.ui import run, views

            explored = views.explore(text, None, labels, "config.cfg")
            views.diagnostic_rows(explored.compilation.diagnostics)
            views.override_fields(text)
            views.formatted(text)
            graph = explored.graph
            if graph is not None:
                views.component_rows(graph)
                views.label_symbols(graph)
                for component in list(graph.components)[:3]:
                    views.shapes_rows(graph, component)
                    views.params_rows(graph, component)
                    views.layer_count(graph, component)
                if run_models:
                    run.run_models(explored, sentence)
        return Case(command, None, {}, call=call, describe=kind)

    encoding = rng.choice(["utf-16", "utf-8", "utf-32"])
    lines = text.split("\n")
    spots = [(line, rng.randint(0, len(lines[line]) + 1)) for line in
             (rng.randrange(len(lines)) for _ in range(3))]
    if rng.random() < 0.1:  # a stale position: past the end of the document or of its line
        spots.append((len(lines) + rng.randint(0, 3), rng.randint(0, 200)))
    new_name = rng.choice(["renamed", "x.y", "", "a b", "tok2vec"])

    def call():
        from lsprotocol import types
        from pygls.exceptions import JsonRpcException, JsonRpcInternalError

        from archwright.lsp import actions, complete, hover, navigate, outline
        from archwright.lsp.document import Document
        from archwright.lsp.server import VERIFIED_FIXES_UP_TO, guarded, lsp_diagnostic

        editor = _Editor()

        def request(handler: Callable[[], Any]) -> Any:  # as the server answers one: `guarded`
            try:
                return guarded(lambda ls, params: handler())(editor, None)
            except JsonRpcInternalError:  # the server survives, but this is archwright's bug
                raise AssertionError(editor.messages[-1]) from None
            except JsonRpcException:  # an answer the protocol has: a refused rename
                return None

        document = Document("file:///config.cfg", text, encoding=encoding)
        converted = request(lambda: [lsp_diagnostic(d, document.lines, document.uri) for d in document.diagnostics])
        request(lambda: outline.symbols(document))
        request(lambda: outline.folding(document))
        request(lambda: outline.semantic_tokens(document))
        request(lambda: actions.formatting(document))
        request(lambda: actions.fill_defaults(document))
        whole = types.Range(types.Position(0, 0), document.lines.end())
        request(lambda: actions.code_actions(document, whole, types.CodeActionContext(diagnostics=converted),
                                             verify=len(document.text) <= VERIFIED_FIXES_UP_TO))
        for line, character in spots:
            position = types.Position(line, character)
            request(lambda: hover.hover(document, position))
            request(lambda: complete.complete(document, position))
            request(lambda: navigate.definition(document, position))
            request(lambda: navigate.references(document, position, True))
            if request(lambda: navigate.prepare_rename(document, position)) is not None:
                request(lambda: navigate.rename(document, position, new_name))
    return Case(command, None, {}, call=call, describe=kind)


class _Editor:
    """What `guarded` needs of the server: somewhere to log."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def log(self, message: str, kind: Any = None) -> None:
        self.messages.append(message)


def make_api_case(rng: random.Random, texts: list[str], command: str) -> Case:
    import archwright

    kind, text = some_config(rng, texts)
    name = command.split(".", 1)[1]
    source: Any = text if rng.random() < 0.8 else Path("config.cfg")
    files = {"config.cfg": text.encode("utf-8", "surrogatepass")}
    expected = (archwright.ConfigError,)
    if name == "parse":
        call = lambda: archwright.parse(text)  # noqa: E731
    elif name == "resolve":
        extra = {"a.b": 1} if rng.random() < 0.2 else None
        call = lambda: archwright.resolve(source, overrides=extra, interpolate=rng.random() < 0.8)  # noqa: E731
    elif name == "validate":
        call = lambda: archwright.validate(source)  # noqa: E731
    elif name == "compile":
        labels = {"tagger": {"n_labels": rng.choice(NUMBERS)}} if rng.random() < 0.3 else None

        def call():
            compilation = archwright.compile(source, labels=labels)
            graph = compilation.graph
            if graph is not None:
                from archwright.compiler.graph import summary

                summary(graph)
            return compilation.syntax, compilation.checked
    elif name == "fmt":
        call = lambda: archwright.fmt(source, write=rng.random() < 0.3)  # noqa: E731
    elif name == "diff":
        other = mutate(text, rng)
        call = lambda: archwright.diff(text, other, resolved=rng.random() < 0.5)  # noqa: E731
    elif name == "fill":
        call = lambda: archwright.fill(source)  # noqa: E731
    elif name == "build":
        from archwright.compiler.thinc import BuildError

        expected = (archwright.ConfigError, BuildError)
        call = lambda: archwright.build(source, max_params=rng.choice([10 ** 4, 10 ** 6, 10 ** 7]))  # noqa: E731
    elif name == "build_architecture":
        from archwright.compiler.thinc import BuildError

        expected = (BuildError,)
        architecture = rng.choice(ARCHITECTURES or ["spacy.Tok2Vec.v2"])
        args = {rng.choice(["width", "depth", "nO", "window_size", "embed_size", "rows", "maxout_pieces", "x"]):
                json.loads(rng.choice(["1", "0", "-1", "96", '"96"', "null", "[]", "1e9", "3"])) for _ in range(2)}
        call = lambda: archwright.build_architecture(architecture, **args)  # noqa: E731
    else:
        value = json.loads(json.dumps(rng.choice([{"a": {"b": 1}}, {"a": [1, {"x": None}]}, {"a": {"": 1}},
                                                   {"a": {"b": float("nan")}}, {"1": {"2": {"3": "${x}"}}}])))
        call = lambda: archwright.to_str(value if rng.random() < 0.5 else archwright.resolve(text))  # noqa: E731
    return Case(command, None, files, call=_expecting(call, expected), describe=kind)


class Expected(Exception):
    """An error the API documents (ConfigError, BuildError): a result, not a failure."""


def _expecting(call: Callable[[], Any], expected: tuple) -> Callable[[], Any]:
    def run():
        try:
            return call()
        except expected:
            raise Expected from None
    return run


# -- the workers --------------------------------------------------------------------------------------
#
# A pool of long-lived workers, forked from one warmed parent (archwright, Thinc, torch, networkx
# and graphviz imported once). A worker runs one input after another, each under its own limits:
# an address space of what the worker uses when the input starts plus --memory (RLIMIT_AS), and
# --time-limit CPU-seconds (RLIMIT_CPU, set to the worker's CPU time so far plus the limit); the
# parent kills a worker whose input waits five times as long without computing (asleep or
# blocked: /proc says it is not runnable), or runs fifty times as long on the wall clock. A
# worker that fails an input in any way is replaced, so no input runs after a breach in a damaged process,
# and every worker is replaced after --recycle inputs, so what inputs leave behind (caches,
# fragmented memory) stays small. Forking a child per input cost about as much as the input
# itself (copying the page tables of a process with torch loaded, then the copy-on-write faults).

def warm() -> None:
    """Import everything a command may need, once, in the parent."""
    import archwright
    import archwright.cli  # noqa: F401
    import archwright.compiler.thinc  # noqa: F401  (thinc)
    import archwright.authoring.diff  # noqa: F401
    import archwright.authoring.fill  # noqa: F401
    import archwright.authoring.fmt  # noqa: F401
    import archwright.present.render  # noqa: F401  (graphviz, networkx)
    import archwright.ui.run  # noqa: F401
    import archwright.ui.views  # noqa: F401
    import archwright.lsp.server  # noqa: F401  (pygls)
    from archwright.compiler.registry import default_registry

    registry = default_registry()
    NAMES[:] = sorted({c.name for c in registry.cards()})
    ARCHITECTURES[:] = sorted({c.name for c in registry.cards() if c.registry in ("architectures", "layers")})
    archwright.validate((EXAMPLES / "pipeline_cnn.cfg").read_text(encoding="utf-8"))


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def case_of(seed: int, number: int, commands: tuple[str, ...], texts: list[str]) -> Case:
    """Input `number` of `seed`: the same case in every process (the workers, --replay)."""
    command = commands[number % len(commands)]
    rng = random.Random(f"{seed}-{number}")
    if command.startswith("probe."):
        return _probe(command)
    if command in SERVERS:
        return make_server_case(rng, texts, command)
    return make_api_case(rng, texts, command) if command.startswith("api.") else make_case(rng, texts, command)


def _probe(command: str) -> Case:
    """Inputs that break each limit on purpose, to test the fuzzer itself (never in a default run)."""
    def spin():
        while True:
            pass

    def allocate():
        return bytearray(64 * 1024 ** 3)

    def fail():
        raise KeyError("an internal error")

    def hang():
        import time as clock

        clock.sleep(3600)

    calls = {"probe.spin": spin, "probe.allocate": allocate, "probe.fail": fail, "probe.hang": hang,
             "probe.ok": lambda: None}
    return Case(command, None, {}, call=calls[command], describe="probe")


def _run_case(case: Case, directory: Path, seconds: float, memory: int) -> tuple[str, str]:
    """(outcome, detail) of one case, run in this worker in `directory`, under its limits."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, data in case.files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    os.chdir(directory)
    null = os.open(os.devnull, os.O_RDWR)
    err = os.open(directory / ".stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    source = os.open("config.cfg", os.O_RDONLY) if case.argv and "-" in case.argv else null
    for fd, number in ((source, 0), (null, 1), (err, 2)):
        os.dup2(fd, number)
    for fd in {null, err, source}:
        os.close(fd)
    sys.stdin = open(0, "r", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    recursion = sys.getrecursionlimit()
    limit = _address_space() + memory
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + 1 + max(1, int(seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))  # SIGXCPU, then the parent knows
    outcome, detail = "ok", ""
    try:
        if case.argv is not None:
            from archwright.cli import main

            status = main(case.argv)
            if status not in (0, 1):
                outcome = "traceback"
        else:
            try:
                case.call()
            except Expected:
                pass
    except MemoryError:
        outcome = "limit"
    except SystemExit as e:  # argparse on a bad invocation
        outcome = "ok" if e.code in (0, 1, None) else "traceback"
    except BaseException:
        outcome, detail = "traceback", traceback.format_exc()[-4000:]
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        sys.setrecursionlimit(recursion)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
    if outcome != "ok" and not detail:
        detail = _stderr_of(directory)
    if outcome == "traceback" and "MemoryError" in detail:
        outcome = "limit"
    return outcome, detail


def _stderr_of(directory: Path) -> str:
    try:
        return (directory / ".stderr").read_text(encoding="utf-8", errors="replace")[-4000:]
    except OSError:
        return ""


def _serve(orders: int, answers: int, seed: int, commands: tuple[str, ...], texts: list[str], directory: Path,
           seconds: float, memory: int, recycle: int) -> None:
    """A worker's life: read input numbers, run them, answer `number outcome detail` (JSON lines);
    leave after a failure or `recycle` inputs. Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with os.fdopen(orders, "r", encoding="utf-8") as reader, os.fdopen(answers, "w", encoding="utf-8") as writer:
            for served, line in enumerate(reader, 1):
                number = int(line)
                case = case_of(seed, number, commands, texts)
                outcome, detail = _run_case(case, directory, seconds, memory)
                writer.write(json.dumps({"number": number, "outcome": outcome, "kind": case.describe,
                                         "detail": detail}) + "\n")
                writer.flush()
                if outcome != "ok" or served >= recycle:
                    break
    except BaseException:
        code = 1
    os._exit(code)


class _Worker:
    def __init__(self, pid: int, orders: int, answers: int, directory: Path) -> None:
        self.pid, self.orders, self.answers, self.directory = pid, orders, answers, directory
        self.number: int | None = None  # the input it runs
        self.started = 0.0
        self.cpu = 0.0  # its CPU time when the input started
        self.sampled = 0.0  # when its state was last looked at
        self.waited = 0.0  # seconds of the input it spent neither running nor runnable
        self.served = 0
        self.buffer = b""


class Pool:
    """Workers forked from this (warmed) process, each given one input at a time."""

    def __init__(self, size: int, seed: int, commands: tuple[str, ...], texts: list[str], scratch: Path,
                 seconds: float, memory: int, recycle: int) -> None:
        self.size, self.seed, self.commands, self.texts, self.scratch = size, seed, commands, texts, scratch
        self.seconds, self.memory, self.recycle = seconds, memory, recycle
        self.workers: list[_Worker] = []
        self.started = 0  # workers forked, for their directories' names

    def _spawn(self) -> _Worker:
        orders_read, orders_write = os.pipe()
        answers_read, answers_write = os.pipe()
        directory = self.scratch / f"w{self.started}"
        self.started += 1
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            for worker in self.workers:  # the other workers' pipes: theirs alone, or EOF never comes
                for fd in (worker.orders, worker.answers):
                    os.close(fd)
            os.close(orders_write)
            os.close(answers_read)
            _serve(orders_read, answers_write, self.seed, self.commands, self.texts, directory, self.seconds,
                   self.memory, self.recycle)
        os.close(orders_read)
        os.close(answers_write)
        worker = _Worker(pid, orders_write, answers_read, directory)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> int:
        """Close a worker's pipes and reap it; its wait status."""
        if kill:
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for fd in (worker.orders, worker.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        self.workers.remove(worker)
        _, status = os.waitpid(worker.pid, 0)
        return status

    def run(self, numbers, on_result: Callable[[int, str, str, str | None], None]) -> None:
        """Give every number of `numbers` (an iterator, which may stop early) to a worker; call
        on_result(number, outcome, detail, kind) as each ends (kind None: the worker died)."""
        import select

        exhausted = False
        # waiting (asleep, blocked) for five times the CPU limit is a hang; waiting for the CPU
        # is not (a niced worker on a busy machine gets 2 % of a core), up to a backstop
        wall = 5 * max(1, self.seconds)
        backstop = 50 * max(1, self.seconds)
        while True:
            while not exhausted and len(self.workers) < self.size:
                self._spawn()
            for worker in self.workers:
                if worker.number is None and not exhausted:
                    number = next(numbers, None)
                    if number is None:
                        exhausted = True
                        break
                    try:
                        os.write(worker.orders, f"{number}\n".encode())
                    except BrokenPipeError:  # it died between two inputs: the EOF below tells
                        pass
                    worker.number, worker.cpu = number, _cpu_seconds(worker.pid)
                    worker.started = worker.sampled = time.monotonic()
                    worker.waited = 0.0
            busy = [w for w in self.workers if w.number is not None]
            if exhausted and not busy:
                break
            now = time.monotonic()
            timeout = 0.5 if busy else 1.0  # each busy worker's state is looked at twice a second
            ready, _, _ = select.select([w.answers for w in self.workers], [], [], timeout)
            for worker in [w for w in self.workers if w.answers in ready]:
                chunk = os.read(worker.answers, 1 << 16)
                worker.buffer += chunk
                if b"\n" in worker.buffer:
                    answer = json.loads(worker.buffer.split(b"\n", 1)[0])
                    worker.number, worker.buffer = None, b""
                    worker.served += 1
                    on_result(answer["number"], answer["outcome"], answer["detail"], answer["kind"])
                    if answer["outcome"] != "ok" or worker.served >= self.recycle:
                        self._retire(worker, kill=False)  # it leaves (see _serve): no more inputs for it
                elif not chunk:  # it died running its input: killed by a limit
                    number, detail = worker.number, _stderr_of(worker.directory)
                    status = self._retire(worker, kill=False)
                    if number is not None:
                        on_result(number, *_death(status, detail), None)
            now = time.monotonic()
            for worker in [w for w in self.workers if w.number is not None]:
                if _state(worker.pid) not in ("R", "Z"):  # neither computing nor waiting for the CPU
                    worker.waited += now - worker.sampled
                worker.sampled = now
                if worker.waited > wall or now - worker.started > backstop:
                    number, cpu = worker.number, _cpu_seconds(worker.pid) - worker.cpu
                    self._retire(worker, kill=True)
                    on_result(number, "timeout", f"{worker.waited:.0f} s waiting without computing, "
                              f"{now - worker.started:.0f} s on the wall clock, {cpu:.1f} s of CPU", None)

    def close(self) -> None:
        for worker in list(self.workers):
            self._retire(worker, kill=True)


def _state(pid: int) -> str:
    """A process's state letter from /proc (R running or runnable, S asleep, D in I/O ...)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def _cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user + system), from /proc; 0 if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _death(status: int, detail: str) -> tuple[str, str]:
    """The outcome of an input whose worker died running it."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU:
            return "timeout", "killed by SIGXCPU (the CPU-time limit)"
        if number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # someone stopped it: no outcome
            return "stopped", f"killed by {signal.Signals(number).name} from outside"
        return "limit", f"killed by {signal.Signals(number).name}\n{detail}"
    return "traceback", f"the worker exited with status {os.WEXITSTATUS(status)}\n{detail}"


class Figures:
    def __init__(self) -> None:
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.kinds: Counter = Counter()
        self.started = time.monotonic()

    def add(self, command: str, outcome: str, kind: str) -> None:
        self.counts[command][outcome] += 1
        self.kinds[kind] += 1

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def failures(self) -> int:
        return sum(c[o] for c in self.counts.values() for o in OUTCOMES[1:])

    def table(self, commands: tuple[str, ...] = COMMANDS + SERVERS + API) -> str:
        rows = [("command", "inputs", *OUTCOMES)]
        for command in commands:
            c = self.counts.get(command, Counter())
            rows.append((command, str(sum(c.values())), *(str(c[o]) for o in OUTCOMES)))
        rows.append(("all", str(self.total), *(str(sum(c[o] for c in self.counts.values())) for o in OUTCOMES)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                 for r in rows]
        elapsed = time.monotonic() - self.started
        lines.append(f"{self.total:,} inputs in {elapsed:,.0f} s ({self.total / max(elapsed, 1e-9):.1f}/s); "
                     f"inputs by kind: {dict(self.kinds)}")
        return "\n".join(lines)

    def to_json(self, commands: tuple[str, ...] = COMMANDS + SERVERS + API) -> dict:
        return {"commands": {c: dict(self.counts.get(c, Counter())) for c in commands},
                "total": self.total, "kinds": dict(self.kinds), "seconds": round(time.monotonic() - self.started, 1)}


def fuzz(seed: int, inputs: int | None = None, seconds: float | None = None, time_limit: float = 20,
         memory: int = 1536 * 1024 ** 2, crashes: Path | None = None, progress: Callable[[Figures], None] | None = None,
         commands: tuple[str, ...] = COMMANDS + SERVERS + API, workers: int = 2, recycle: int = 200) -> Figures:
    """Run `inputs` cases (or for `seconds`), cycling through `commands`, in a pool of `workers`."""
    warm()
    texts = corpus_texts()
    figures = Figures()
    deadline = time.monotonic() + seconds if seconds else None
    scratch = Path(tempfile.mkdtemp(prefix="archwright-fuzz-"))
    stopped = []

    def stop(signum, frame):  # Ctrl+C or SIGTERM: finish the inputs under way, then report
        stopped.append(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def numbers():
        number = 0
        while (inputs is None or number < inputs) and (deadline is None or time.monotonic() < deadline) \
                and not stopped:
            yield number
            number += 1

    def on_result(number: int, outcome: str, detail: str, kind: str | None) -> None:
        if outcome == "stopped":  # not counted: the input did not end
            print(f"input {number}: its worker was {detail}; not counted", flush=True)
            return
        case = case_of(seed, number, commands, texts) if kind is None or outcome != "ok" else None
        figures.add(commands[number % len(commands)], outcome, kind or case.describe)
        if outcome != "ok" and crashes is not None:
            _save(crashes, seed, number, case, outcome, detail)
        if progress is not None and figures.total % 500 == 0:
            progress(figures)

    pool = Pool(workers, seed, commands, texts, scratch, time_limit, memory, recycle)
    try:
        pool.run(numbers(), on_result)
    finally:
        pool.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
        shutil.rmtree(scratch, ignore_errors=True)
    return figures


def _save(crashes: Path, seed: int, number: int, case: Case, outcome: str, detail: str) -> None:
    target = crashes / f"{outcome}-{case.command}-{seed}-{number}"
    target.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    how = " ".join(case.argv) if case.argv else f"{case.command} (API; python scripts/fuzz.py --seed {seed} " \
                                                 f"--replay {number})"
    (target / "README").write_text(f"{outcome}: archwright {how}\n\n{detail}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: chosen and printed)")
    parser.add_argument("--inputs", type=int, default=None, help="stop after this many inputs")
    parser.add_argument("--hours", type=float, default=None, help="stop after this long")
    parser.add_argument("--time-limit", type=float, default=20, help="CPU seconds per input (default 20; five "
                                                                     "times as long waiting without computing)")
    parser.add_argument("--memory", type=int, default=1536, help="MiB of address space per input beyond the "
                                                                 "warmed parent's (default 1536)")
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"), help="where failing inputs go")
    parser.add_argument("--json", type=Path, help="write the figures here (also every 500 inputs)")
    parser.add_argument("--only", action="append", default=[], help="only these commands (e.g. build, api.fmt)")
    parser.add_argument("--replay", type=int, metavar="N", help="run input N of --seed here, without a child")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="inputs run side by side (default: one per core)")
    parser.add_argument("--recycle", type=int, default=200, help="inputs a worker runs before it is replaced "
                                                                 "(default 200; 1: a fresh process per input)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 32)
    commands = tuple(args.only) or COMMANDS + SERVERS + API
    if args.replay is not None:
        warm()
        case = case_of(seed, args.replay, commands, corpus_texts())
        directory = Path(tempfile.mkdtemp(prefix="archwright-replay-"))
        for name, data in case.files.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_bytes(data)
        os.chdir(directory)
        print(f"{case.command} in {directory}: {' '.join(case.argv) if case.argv else 'API call'}", flush=True)
        if case.argv:
            from archwright.cli import main as cli

            return cli(case.argv)
        try:
            case.call()
        except Expected:
            print("an expected error (ConfigError or BuildError)")
        return 0
    if args.inputs is None and args.hours is None:
        args.inputs = 1_000
    print(f"archwright fuzz: seed {seed}", flush=True)

    def progress(figures: Figures) -> None:
        print(figures.table(commands), flush=True)
        if args.json:
            args.json.write_text(json.dumps({"seed": seed, "workers": args.workers, "recycle": args.recycle,
                                             **figures.to_json(commands)}, indent=2) + "\n", encoding="utf-8")

    figures = fuzz(seed, args.inputs, args.hours * 3600 if args.hours else None, args.time_limit,
                   args.memory * 1024 ** 2, args.crashes, progress, commands, args.workers, args.recycle)
    progress(figures)
    return 1 if figures.failures() else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
