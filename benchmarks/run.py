"""archwright's benchmarks, in one run: `python benchmarks/run.py [--quick]`.

1. In process, over every config of the shared corpus that confection parses: archwright's
   parse+resolve and its full check (validate: parse, resolve, check, pipeline) against
   confection's `Config().from_str` (median of the per-run ratios; spaCy's default config alone too).
2. Cold CLI: `archwright validate CONFIG` against `python -m spacy debug config CONFIG` and
   against `python -c "import pydantic"` (the floor), each a fresh process.
3. Scale: parse+resolve of a generated config of 10,000 and 100,000 HashEmbedCNN sections,
   confection at 10,000, and the peak memory of `archwright resolve --format json` at 10,000.
4. Compile: the default config to its layer graph in process, and `archwright summary` cold,
   beside `spacy debug model` (no target).

Prints every figure beside its target with the load average and writes
benchmarks/results/latest.json. Nothing here asserts on times. (Built models: benchmarks/build.py.)
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

from archwright.compiler.resolve import resolve
from archwright.grammar.parser import parse

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "real"
CLI_CONFIG = CORPUS / "init-config__en_tagger-parser-ner_efficiency_cpu.cfg"
RESULTS = HERE / "results" / "latest.json"

DEFAULT_CONFIG = "spaCy__spacy_default_config.cfg"  # spaCy's own, where archwright was relatively slowest
TARGETS = {"in_process_ratio": 0.35, "default_config_ratio": 0.35, "check_ratio": 0.5, "cli_ratio": 0.10,
           "cli_over_pydantic_s": 0.05, "scale_ratio": 10.5, "scale_vs_confection": 0.03,
           "memory_over_file": 20.0}


# --- the two tools, in process ----------------------------------------------------------------

def archwright_parse_resolve(text: str):
    tree, _ = parse(text)
    return resolve(tree)


def archwright_check(text: str):
    from archwright.compiler.compilation import Compilation

    return Compilation(text).diagnostics


def confection_from_str(text: str):
    from confection import Config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Config().from_str(text)


def confection_parses(text: str) -> bool:
    try:
        confection_from_str(text)
    except Exception:  # noqa: BLE001 - any failure of confection's excludes the file
        return False
    return True


# --- timing helpers ---------------------------------------------------------------------------

def time_call(fn: Callable[[], object], number: int = 1, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of fn, over `number` calls, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        start = clock()
        for _ in range(number):
            fn()
        return (clock() - start) / number
    finally:
        gc.enable()


# The scale runs take seconds each, long enough for other work on a shared machine to take the
# processor away for part of one run and not another: they count this process's own CPU time.
cpu_time = time.process_time


def time_each(fn: Callable[[str], object], texts: list[str]) -> list[float]:
    """Seconds for fn on each text, in one pass with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        times = []
        for text in texts:
            start = time.perf_counter()
            fn(text)
            times.append(time.perf_counter() - start)
        return times
    finally:
        gc.enable()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- 1. in process, on the corpus -------------------------------------------------------------

def load_corpus() -> tuple[list[Path], list[str], int]:
    """The corpus configs confection parses (read as confection's from_disk reads them)."""
    paths, texts, total = [], [], 0
    for path in sorted(CORPUS.glob("*.cfg")):
        total += 1
        try:
            text = path.read_text(encoding="utf8")
        except UnicodeDecodeError:
            continue
        if confection_parses(text):
            paths.append(path)
            texts.append(text)
    return paths, texts, total


def same_result(ours, theirs) -> bool:
    """Equal values, types (1 is not 1.0 or True) and key order."""
    return json.dumps(ours, default=repr) == json.dumps(theirs, default=repr)


def check_agreement(paths: list[Path], texts: list[str]) -> dict:
    """Not timed: does archwright give confection's result on each file?"""
    failed, differ = [], []
    for path, text in zip(paths, texts):
        resolved, _ = archwright_parse_resolve(text)
        if resolved is None:
            failed.append(path.name)
        elif not same_result(resolved.data, confection_from_str(text)):
            differ.append(path.name)
    return {"files": len(texts), "archwright_failed": failed, "results_differ": differ}


def bench_in_process(runs: int) -> dict:
    paths, texts, total = load_corpus()
    agreement = check_agreement(paths, texts)  # also the warm-up
    for text in texts:
        archwright_check(text)  # loads the registry's cards, once per process
    tools = {"archwright": archwright_parse_resolve, "check": archwright_check, "confection": confection_from_str}
    per_run: dict[str, list[list[float]]] = {name: [] for name in tools}
    names = list(tools)
    for run in range(runs):
        order = names[run % len(names):] + names[:run % len(names)]  # each tool first in turn
        for name in order:
            per_run[name].append(time_each(tools[name], texts))
    return summarise_in_process(per_run, paths, total, agreement)


def summarise_in_process(per_run: dict, paths: list[Path], total: int, agreement: dict) -> dict:
    ours = [sum(times) for times in per_run["archwright"]]
    checks = [sum(times) for times in per_run["check"]]
    theirs = [sum(times) for times in per_run["confection"]]
    run_ratios = [a / c for a, c in zip(ours, theirs)]
    file_ratios = [
        statistics.median(a[i] / c[i] for a, c in zip(per_run["archwright"], per_run["confection"]))
        for i in range(len(paths))
    ]
    ranked = sorted(zip(file_ratios, (p.name for p in paths)))
    names = [p.name for p in paths]
    default = names.index(DEFAULT_CONFIG) if DEFAULT_CONFIG in names else None
    return {
        "corpus_files": total, "files_timed": len(paths), "runs": len(ours),
        "archwright_s": statistics.median(ours), "confection_s": statistics.median(theirs),
        "ratio_median": statistics.median(run_ratios), "run_ratios": run_ratios,
        "check_s": statistics.median(checks),
        "check_ratio_median": statistics.median(c / t for c, t in zip(checks, theirs)),
        "default_config": DEFAULT_CONFIG if default is not None else None,
        "default_config_ratio": file_ratios[default] if default is not None else None,
        "default_config_s": statistics.median(r[default] for r in per_run["archwright"]) if default is not None else None,
        "default_config_confection_s": statistics.median(r[default] for r in per_run["confection"])
        if default is not None else None,
        "per_file_ratio_p50": percentile(file_ratios, 0.5),
        "per_file_ratio_p90": percentile(file_ratios, 0.9),
        "per_file_ratio_min": min(file_ratios), "per_file_ratio_max": max(file_ratios),
        "per_file_highest": [{"file": name, "ratio": ratio} for ratio, name in reversed(ranked[-5:])],
        "per_file_lowest": [{"file": name, "ratio": ratio} for ratio, name in ranked[:5]],
        "agreement": agreement,
    }


# --- 2. cold CLI --------------------------------------------------------------------------------

def spacy_installed() -> bool:
    return importlib.util.find_spec("spacy") is not None


def cli_commands(config: Path, empty_dir: str) -> dict[str, list[str]]:
    # debug config resolves [corpora] too, and spacy.Corpus.v1 refuses a null path: give it an
    # (empty) directory so that it runs its whole validation, as it does for a ready project.
    return {
        "archwright": [sys.executable, "-m", "archwright", "validate", str(config)],
        "spacy": [sys.executable, "-m", "spacy", "debug", "config", str(config),
                  "--paths.train", empty_dir, "--paths.dev", empty_dir],
        "pydantic": [sys.executable, "-c", "import pydantic"],
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_process(command: list[str], cwd: str) -> tuple[float, float, int, str]:
    """The command's CPU time (user + system: what other work on a shared machine cannot take
    away) and wall time in seconds, its exit code and the end of its output."""
    start, start_cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return (_children_cpu() - start_cpu, time.perf_counter() - start, done.returncode,
            (done.stdout + done.stderr)[-400:])


def time_processes(commands: dict[str, list[str]], runs: int, cwd: str) -> tuple[dict, dict, dict]:
    """Median seconds of each command (one untimed warm-up each, then interleaved runs)."""
    exit_codes, tails = {}, {}
    for name, command in commands.items():  # warm-up: .pyc files, OS file cache
        _, _, exit_codes[name], tails[name] = time_process(command, cwd=cwd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for run in range(runs):
        for name in names[run % len(names):] + names[:run % len(names)]:
            cpu, wall, _, _ = time_process(commands[name], cwd=cwd)
            times[name].append(cpu)
            walls[name].append(wall)
    return times, exit_codes, {**tails, "wall_s": {name: statistics.median(w) for name, w in walls.items()}}


def byte_compile_archwright() -> None:
    # `pip install` byte-compiles a package; an editable checkout run with PYTHONDONTWRITEBYTECODE
    # would otherwise compile archwright's sources on every start (spaCy's are compiled)
    import archwright
    compileall.compile_dir(str(Path(archwright.__file__).parent), quiet=1)


def bench_cli(runs: int) -> dict:
    if not spacy_installed():
        return {"skipped": "spaCy is not installed in this interpreter"}
    byte_compile_archwright()
    with tempfile.TemporaryDirectory() as empty_dir:
        commands = cli_commands(CLI_CONFIG, empty_dir)
        # cwd: not the checkout, so that `-m archwright` imports the archwright this script does
        times, exit_codes, tails = time_processes(commands, runs, cwd=empty_dir)
    walls = tails.pop("wall_s")
    ours, theirs = statistics.median(times["archwright"]), statistics.median(times["spacy"])
    floor = statistics.median(times["pydantic"])
    return {
        "config": CLI_CONFIG.name, "runs": runs,
        "commands": {name: " ".join(["python", *command[1:]]) for name, command in commands.items()},
        "exit_codes": exit_codes,
        "output_on_failure": {name: tails[name] for name, code in exit_codes.items() if code != 0},
        "archwright_s": ours, "spacy_s": theirs, "ratio": ours / theirs,
        "pydantic_s": floor, "over_pydantic_s": ours - floor,
        "archwright_runs_s": times["archwright"], "spacy_runs_s": times["spacy"], "pydantic_runs_s": times["pydantic"],
        "clock": "CPU time of the process (user + system)", "wall_s": walls,
    }


# --- 3. scale -------------------------------------------------------------------------------

def hash_embed_config(n_sections: int) -> str:
    """[vars] and n_sections HashEmbedCNN sections (9 lines each) referring to it."""
    blocks = ["[vars]\nwidth = 96\ndepth = 4\nembed_size = 2000\n"]
    for i in range(n_sections):
        blocks.append(
            f"[model{i}]\n"
            f'@architectures = "spacy.HashEmbedCNN.v2"\n'
            f"width = ${{vars.width}}\n"
            f"depth = ${{vars.depth}}\n"
            f"embed_size = ${{vars.embed_size}}\n"
            f"window_size = 1\n"
            f"maxout_pieces = 3\n"
            f"subword_features = true\n"
            f"pretrained_vectors = null\n")
    return "\n".join(blocks)


def peak_memory(command: list[str], cwd: str) -> tuple[int, int]:
    """(peak resident bytes, exit code) of a command, measured by a fresh parent process."""
    probe = ("import resource, subprocess, sys; "
             "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)")
    out = subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]) * 1024, int(out[1])  # Linux reports kilobytes


# parse+resolve of one file in a fresh interpreter (after a warm-up on a tiny config): its CPU time
_FRESH_PROBE = """
import gc, sys, time
from archwright.grammar.parser import parse
from archwright.compiler.resolve import resolve
resolve(parse("[a]\\nx = ${b.y}\\n[b]\\ny = 1\\n")[0])
text = open(sys.argv[1], encoding="utf-8").read()
gc.collect()
gc.disable()
start = time.process_time()
result = resolve(parse(text)[0])
del result
print(time.process_time() - start)
"""


def fresh_process_seconds(path: Path, cwd: str) -> float:
    done = subprocess.run([sys.executable, "-c", _FRESH_PROBE, str(path)], cwd=cwd, capture_output=True, text=True,
                          check=True)
    return float(done.stdout)


def bench_scale(small: int, runs: int, confection_runs: int) -> dict:
    sizes = {"small": small, "large": small * 10}
    texts = {size: hash_embed_config(n) for size, n in sizes.items()}
    archwright_parse_resolve(texts["small"])  # warm-up
    times: dict[str, list[float]] = {size: [] for size in sizes}
    confection_s: list[float] = []
    for run in range(runs):  # interleaved, so that load drift hits all alike
        for size in sizes:
            times[size].append(time_call(partial(archwright_parse_resolve, texts[size]), clock=cpu_time))
        if run < confection_runs:  # about 15 s each
            confection_s.append(time_call(partial(confection_from_str, texts["small"]), clock=cpu_time))
    small_s, large_s = (statistics.median(times[size]) for size in sizes)
    conf_s = statistics.median(confection_s)
    vs_confection = statistics.median(a / c for a, c in zip(times["small"], confection_s))
    byte_compile_archwright()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sections.cfg"
        path.write_text(texts["small"], encoding="utf-8")
        command = [sys.executable, "-m", "archwright", "resolve", "--format", "json", str(path)]
        peak, code = peak_memory(command, cwd=tmp)
        tiny = Path(tmp) / "tiny.cfg"
        tiny.write_text("[a]\nx = 1\n", encoding="utf-8")
        floor, _ = peak_memory(command[:-1] + [str(tiny)], cwd=tmp)  # the interpreter and archwright
        cli_s = statistics.median(time_process(command, cwd=tmp)[1] for _ in range(runs))
        # the same parse+resolve, each size in a fresh process: neither run reuses memory another
        # run freed (in this process, confection's runs leave the heap grown for the smaller one)
        large_path = Path(tmp) / "large.cfg"
        large_path.write_text(texts["large"], encoding="utf-8")
        fresh: dict[str, list[float]] = {"small": [], "large": []}
        for _ in range(runs):
            for size, file in (("small", path), ("large", large_path)):
                fresh[size].append(fresh_process_seconds(file, cwd=tmp))
    size = len(texts["small"].encode("utf-8"))
    fresh_small_s, fresh_large_s = (statistics.median(fresh[kind]) for kind in ("small", "large"))
    return {"sections": sizes, "runs": runs, "clock": "process CPU time", "lines_small": texts["small"].count("\n") + 1,
            "small_runs_s": times["small"], "large_runs_s": times["large"], "confection_runs_s": confection_s,
            "small_s": small_s, "large_s": large_s, "ratio": large_s / small_s,
            "confection_small_s": conf_s, "confection_runs": len(confection_s), "vs_confection": vs_confection,
            "file_bytes": size, "peak_bytes": peak, "memory_over_file": peak / size, "resolve_exit_code": code,
            "floor_peak_bytes": floor, "memory_over_file_above_floor": (peak - floor) / size,
            "resolve_cli_s": cli_s, "fresh_small_runs_s": fresh["small"], "fresh_large_runs_s": fresh["large"],
            "fresh_small_s": fresh_small_s, "fresh_large_s": fresh_large_s, "fresh_ratio": fresh_large_s / fresh_small_s}


# --- 4. compile ------------------------------------------------------------------------------

def bench_compile(runs: int) -> dict:
    """In process: the default tagger+parser+ner config compiled through every phase to its
    layer graph (parse, resolve, check, lower), and the phases up to the check for comparison;
    cold: `archwright summary` beside `spacy debug model` (which initializes the model on a
    small corpus of four sentences)."""
    import archwright

    text = CLI_CONFIG.read_text(encoding="utf-8")
    archwright.compile(text).graph  # load the registry once, untimed

    def checked():
        compilation = archwright.Compilation(text)
        return compilation.diagnostics

    def compiled():
        return archwright.compile(text).graph

    result = {"config": CLI_CONFIG.name, "runs": runs,
              "checked_ms": statistics.median(time_call(checked, 10) for _ in range(runs)) * 1000,
              "graph_ms": statistics.median(time_call(compiled, 10) for _ in range(runs)) * 1000}
    if not spacy_installed():
        return {**result, "cold": {"skipped": "spaCy is not installed in this interpreter"}}
    byte_compile_archwright()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "train.spacy"
        subprocess.run([sys.executable, "-c", _TINY_CORPUS, str(corpus)], check=True)
        commands = {
            "summary": [sys.executable, "-m", "archwright", "summary", str(CLI_CONFIG)],
            "graph": [sys.executable, "-m", "archwright", "graph", "-o", str(Path(tmp) / "graph.json"), str(CLI_CONFIG)],
            "spacy_debug_model": [sys.executable, "-m", "spacy", "debug", "model", str(CLI_CONFIG), "tagger",
                                  "--paths.train", str(corpus), "--paths.dev", str(corpus)],
        }
        times, exit_codes, tails = time_processes(commands, max(3, runs // 2), cwd=tmp)
    return {**result, "cold": {name: statistics.median(t) for name, t in times.items()}, "exit_codes": exit_codes,
            "cold_wall_s": tails["wall_s"]}


_TINY_CORPUS = """
import sys
import spacy
from spacy.tokens import Doc, DocBin
nlp = spacy.blank("en")
words = ["The", "cat", "sat", "in", "Berlin", "."]
doc = lambda: Doc(nlp.vocab, words=words, tags=["DT", "NN", "VBD", "IN", "NNP", "."],
                  heads=[1, 2, 2, 2, 3, 2], deps=["det", "nsubj", "ROOT", "prep", "pobj", "punct"],
                  ents=["O", "O", "O", "O", "B-GPE", "O"])
DocBin(docs=[doc() for _ in range(4)]).to_disk(sys.argv[1])
"""


# --- report -------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("archwright", "confection", "lark", "spacy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "versions": versions, "archwright": archwright_source()}


def archwright_source() -> str:
    """The checkout's commit, with "+changes" when archwright/ differs from it; else the path imported."""
    import archwright

    package = Path(archwright.__file__).resolve().parent
    if package.parent != REPO:
        return str(package)

    def git(*words: str) -> str:
        return subprocess.run(["git", *words], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "archwright")
    except OSError:
        return str(package)
    return (commit + " +changes" if changed else commit) or str(package)


def _row(label: str, ours: float, other: float | None, ratio: float | None, target: str, met: bool | None,
         unit: str = "s") -> str:
    number = (lambda v: f"{v:>11.4f}{unit}") if unit == "s" else (lambda v: f"{v / 1e6:>10.1f}MB")
    other_text = number(other) if other is not None else f"{'':>12}"
    ratio_text = f"{ratio:>9.3f}" if ratio is not None else f"{'':>9}"
    verdict = "" if met is None else ("met" if met else "NOT met")
    return f"{label:<52}{number(ours)}{other_text}{ratio_text}{target:>10}  {verdict}"


def print_report(results: dict) -> None:
    m, ip, cli, sc = results["machine"], results["in_process"], results["cli"], results["scale"]
    load = results["load_average_1min"]
    t = TARGETS
    print(f"\n{m['date']}  {m['cpu']}, {m['cores']} cores, Python {m['python']}, archwright at {m['archwright']}")
    print(f"load average (1 min): {load['before']:.2f} before, {load['after']:.2f} after")
    print(f"\n{'measure':<52}{'archwright':>12}{'other':>12}{'ratio':>9}{'target':>10}  verdict")
    print(_row("parse+resolve, corpus vs confection from_str", ip["archwright_s"], ip["confection_s"],
               ip["ratio_median"], f"<= {t['in_process_ratio']}", ip["ratio_median"] <= t["in_process_ratio"]))
    if ip["default_config"]:
        print(_row(f"parse+resolve, {ip['default_config']}", ip["default_config_s"],
                   ip["default_config_confection_s"], ip["default_config_ratio"],
                   f"<= {t['default_config_ratio']}", ip["default_config_ratio"] <= t["default_config_ratio"]))
    print(_row("full check (validate), corpus vs confection from_str", ip["check_s"], ip["confection_s"],
               ip["check_ratio_median"], f"<= {t['check_ratio']}", ip["check_ratio_median"] <= t["check_ratio"]))
    if "skipped" in cli:
        print(f"{'cold validate':<52}  skipped: {cli['skipped']}")
    else:
        print(_row("cold validate vs spacy debug config", cli["archwright_s"], cli["spacy_s"], cli["ratio"],
                   f"<= {t['cli_ratio']}", cli["ratio"] <= t["cli_ratio"]))
        print(_row("cold validate vs python -c 'import pydantic' (+s)", cli["archwright_s"], cli["pydantic_s"],
                   None, f"+{t['cli_over_pydantic_s']} s", cli["over_pydantic_s"] <= t["cli_over_pydantic_s"])
              + f"  (+{cli['over_pydantic_s']:.3f} s)")
    n_small, n_large = sc["sections"]["small"], sc["sections"]["large"]
    print(_row(f"parse+resolve, {n_large:,} vs {n_small:,} sections", sc["large_s"], sc["small_s"], sc["ratio"],
               f"<= {t['scale_ratio']}", sc["ratio"] <= t["scale_ratio"]))
    print(_row(f"parse+resolve, {n_small:,} sections vs confection", sc["small_s"], sc["confection_small_s"],
               sc["vs_confection"], f"<= {t['scale_vs_confection']}", sc["vs_confection"] <= t["scale_vs_confection"]))
    print(_row(f"peak memory, resolve CLI, {n_small:,} sections vs file", sc["peak_bytes"], sc["file_bytes"],
               sc["memory_over_file"], f"<= {t['memory_over_file']:.0f}", sc["memory_over_file"] <= t["memory_over_file"],
               unit="B"))
    compiled = results["compile"]
    print(f"\ncompile, in process: {compiled['config']}: {compiled['checked_ms']:.1f} ms to check, "
          f"{compiled['graph_ms']:.1f} ms to the layer graph (median of {compiled['runs']} runs)")
    cold = compiled["cold"]
    if "skipped" in cold:
        print(f"compile, cold: skipped: {cold['skipped']}")
    else:
        print(f"compile, cold (no target; CPU time): archwright summary {cold['summary']:.3f} s, archwright graph -o graph.json "
              f"{cold['graph']:.3f} s, spacy debug model CONFIG tagger {cold['spacy_debug_model']:.3f} s "
              f"(exit codes {compiled['exit_codes']})")
    print(f"\nin process: {ip['files_timed']} of {ip['corpus_files']} corpus files (those confection "
          f"parses), {ip['runs']} runs; per-file ratio p50 {ip['per_file_ratio_p50']:.3f}, "
          f"p90 {ip['per_file_ratio_p90']:.3f} (min {ip['per_file_ratio_min']:.3f}, "
          f"max {ip['per_file_ratio_max']:.3f})")
    agreement = ip["agreement"]
    print(f"agreement with confection: {agreement['files'] - len(agreement['archwright_failed']) - len(agreement['results_differ'])}"
          f" of {agreement['files']} files give the same result"
          f" (archwright failed on {len(agreement['archwright_failed'])}, differed on {len(agreement['results_differ'])})")
    if "skipped" not in cli:
        wall = cli["wall_s"]
        print(f"cold CLI: {cli['config']}, {cli['runs']} runs, CPU time (wall: archwright {wall['archwright']:.3f} s, "
              f"spaCy {wall['spacy']:.3f} s, pydantic {wall['pydantic']:.3f} s), exit codes {cli['exit_codes']}")
        for name, tail in cli["output_on_failure"].items():
            print(f"  {name} exited non-zero; its output ended with:\n{tail}")
    print(f"scale: {sc['lines_small']:,} lines ({sc['file_bytes']:,} bytes) at {n_small:,} sections; {sc['runs']} runs "
          f"(confection {sc['confection_runs']}); resolve --format json at {n_small:,} sections, cold: "
          f"{sc['resolve_cli_s']:.2f} s (exit code {sc['resolve_exit_code']}); its peak memory above that of a "
          f"one-line config ({sc['floor_peak_bytes'] / 1e6:.1f} MB): {sc['memory_over_file_above_floor']:.1f}x the file")
    print(f"scale, each run in a fresh process (no target; in this one the smaller run reuses memory confection's "
          f"runs freed): {n_large:,} vs {n_small:,} sections {sc['fresh_ratio']:.3f}x "
          f"({sc['fresh_large_s']:.4f} s vs {sc['fresh_small_s']:.4f} s, {sc['runs']} runs)")
    print(f"\nwritten: {RESULTS.relative_to(REPO)}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="fewer repetitions (a rough figure)")
    args = options.parse_args()
    runs = 3 if args.quick else 7
    load_before = os.getloadavg()[0]
    if not CORPUS.is_dir():
        sys.exit(f"the shared corpus is not at {CORPUS}")
    print(f"in process: {runs} runs over the corpus ...", flush=True)
    in_process = bench_in_process(runs)
    print(f"cold CLI: {runs} runs of each command ...", flush=True)
    cli = bench_cli(runs)
    print("scale (confection takes a while at 10,000 sections) ...", flush=True)
    # the archwright runs take about 2 s a pair: seven of them, for a steadier median ratio
    scale = bench_scale(small=10_000, runs=1 if args.quick else 7, confection_runs=1 if args.quick else 3)
    print("compile ...", flush=True)
    compiled = bench_compile(runs)
    load = {"before": load_before, "after": os.getloadavg()[0]}  # other work on the machine skews times
    results = {"machine": machine(), "load_average_1min": load, "quick": args.quick, "targets": TARGETS,
               "in_process": in_process, "cli": cli, "scale": scale, "compile": compiled}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_report(results)


if __name__ == "__main__":
    main()
