"""archwright's benchmarks, in one run: `python benchmarks/run.py [--quick]`.

1. In-process: archwright's parse+resolve against confection's `Config().from_str`, over every
   config of the shared corpus that confection parses (median over several interleaved runs).
2. Cold CLI: `archwright validate CONFIG` against `python -m spacy debug config CONFIG`, each a
   fresh process (skipped when spaCy is not installed).
3. Linearity: parse+resolve of a synthetic config with N and 10N sections.

Prints a table and writes benchmarks/results/latest.json. Nothing here asserts on times.
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

TARGETS = {"in_process_ratio": 1.0, "cli_ratio": 0.15, "linearity_ratio": 11.0}


# --- the two tools, in process ----------------------------------------------------------------

def archwright_parse_resolve(text: str):
    tree, _ = parse(text)
    return resolve(tree)


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

def time_call(fn: Callable[[], object], number: int = 1) -> float:
    """Seconds per call of fn, over `number` calls, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        gc.enable()


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
    agreement = check_agreement(paths, texts)  # also the warm-up (builds the Lark parser once)
    tools = {"archwright": archwright_parse_resolve, "confection": confection_from_str}
    per_run: dict[str, list[list[float]]] = {name: [] for name in tools}
    for run in range(runs):
        order = list(tools) if run % 2 == 0 else list(reversed(tools))  # interleaved
        for name in order:
            per_run[name].append(time_each(tools[name], texts))
    return summarise_in_process(per_run, paths, total, agreement)


def summarise_in_process(per_run: dict, paths: list[Path], total: int, agreement: dict) -> dict:
    ours = [sum(times) for times in per_run["archwright"]]
    theirs = [sum(times) for times in per_run["confection"]]
    run_ratios = [a / c for a, c in zip(ours, theirs)]
    file_ratios = [
        statistics.median(a[i] / c[i] for a, c in zip(per_run["archwright"], per_run["confection"]))
        for i in range(len(paths))
    ]
    ranked = sorted(zip(file_ratios, (p.name for p in paths)))
    return {
        "corpus_files": total, "files_timed": len(paths), "runs": len(ours),
        "archwright_s": statistics.median(ours), "confection_s": statistics.median(theirs),
        "ratio_median": statistics.median(run_ratios), "run_ratios": run_ratios,
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
    }


def time_process(command: list[str], cwd: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    return seconds, done.returncode, (done.stdout + done.stderr)[-400:]


def bench_cli(runs: int) -> dict:
    if not spacy_installed():
        return {"skipped": "spaCy is not installed in this interpreter"}
    # `pip install` byte-compiles a package; an editable checkout run with PYTHONDONTWRITEBYTECODE
    # would otherwise compile archwright's sources on every start (spaCy's are compiled)
    import archwright
    compileall.compile_dir(str(Path(archwright.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as empty_dir:
        commands = cli_commands(CLI_CONFIG, empty_dir)
        exit_codes, tails = {}, {}
        # cwd: not the checkout, so that `-m archwright` imports the archwright this script does
        for name, command in commands.items():  # warm-up: .pyc files, OS file cache
            _, exit_codes[name], tails[name] = time_process(command, cwd=empty_dir)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(runs):
            order = list(commands) if run % 2 == 0 else list(reversed(commands))
            for name in order:
                times[name].append(time_process(commands[name], cwd=empty_dir)[0])
    ours, theirs = statistics.median(times["archwright"]), statistics.median(times["spacy"])
    return {
        "config": CLI_CONFIG.name, "runs": runs,
        "commands": {name: " ".join(["python", *command[1:]]) for name, command in commands.items()},
        "exit_codes": exit_codes,
        "output_on_failure": {name: tails[name] for name, code in exit_codes.items() if code != 0},
        "archwright_s": ours, "spacy_s": theirs, "ratio": ours / theirs,
        "archwright_runs_s": times["archwright"], "spacy_runs_s": times["spacy"],
    }


# --- 3. linearity -------------------------------------------------------------------------------

def synthetic_config(n_sections: int) -> str:
    """n_sections sections: pairs of a section and a nested one, referring to earlier sections."""
    blocks = []
    for i in range(n_sections // 2):
        earlier = max(i - 1, 0)
        blocks.append(
            f"[block{i}]\n"
            f"width = {i}\n"
            f'name = "block {i}"\n'
            f"dropout = 0.{i % 10}\n"
            f"previous = ${{block{earlier}.width}}\n")
        blocks.append(
            f"[block{i}.model]\n"
            f'@architectures = "spacy.Tok2Vec.v2"\n'
            f"width = ${{block{i}.width}}\n"
            f"rows = [5000, 1000, 2500, {i}]\n"
            f'label = "after ${{block{earlier}.name}}"\n'
            f"enabled = true\n")
    return "\n".join(blocks)


def bench_linearity(small: int, runs: int) -> dict:
    sizes = {"small": small, "large": small * 10}
    texts = {size: synthetic_config(n) for size, n in sizes.items()}
    repeats = {"small": 10, "large": 1}  # about the same work per measurement
    tools = {"archwright": archwright_parse_resolve, "confection": confection_from_str}
    times = {(name, size): [] for name in tools for size in sizes}
    for name, size in times:
        tools[name](texts[size])  # warm-up
    for _ in range(runs):  # sizes and tools interleaved, so that load drift hits all alike
        for (name, size), samples in times.items():
            samples.append(time_call(partial(tools[name], texts[size]), repeats[size]))
    result: dict = {"sections": sizes, "runs": runs}
    for name in tools:
        small_s, large_s = (statistics.median(times[name, size]) for size in sizes)
        result[name] = {"small_s": small_s, "large_s": large_s, "ratio": large_s / small_s}
    return result


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


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def bench_compile(runs: int) -> dict:
    """In process: the default tagger+parser+ner config compiled through every phase to its
    layer graph (parse, resolve, check, lower), and the phases up to the check for comparison."""
    import archwright

    text = CLI_CONFIG.read_text(encoding="utf-8")
    archwright.compile(text).graph  # build the parser and load the registry once, untimed

    def checked():
        compilation = archwright.Compilation(text)
        return compilation.diagnostics

    def compiled():
        return archwright.compile(text).graph

    return {"config": CLI_CONFIG.name, "runs": runs,
            "checked_ms": statistics.median(time_call(checked, 10) for _ in range(runs)) * 1000,
            "graph_ms": statistics.median(time_call(compiled, 10) for _ in range(runs)) * 1000}


def print_report(results: dict) -> None:
    m, ip, cli, lin = results["machine"], results["in_process"], results["cli"], results["linearity"]
    load = results["load_average_1min"]
    print(f"\n{m['date']}  {m['cpu']}, {m['cores']} cores, Python {m['python']}, archwright at {m['archwright']}")
    print(f"load average (1 min): {load['before']:.2f} before, {load['after']:.2f} after")
    print(f"\n{'measure':<44}{'archwright':>12}{'other':>12}{'ratio':>9}{'target':>9}  verdict")
    print(f"{'parse+resolve, corpus vs confection (s)':<44}{ip['archwright_s']:>12.4f}"
          f"{ip['confection_s']:>12.4f}{ip['ratio_median']:>9.3f}{'<= 1.0':>9}  "
          f"{verdict(ip['ratio_median'], TARGETS['in_process_ratio'])}")
    if "skipped" in cli:
        print(f"{'cold CLI vs spacy debug config':<44}  skipped: {cli['skipped']}")
    else:
        print(f"{'cold CLI vs spacy debug config (s)':<44}{cli['archwright_s']:>12.4f}"
              f"{cli['spacy_s']:>12.4f}{cli['ratio']:>9.3f}{'<= 0.15':>9}  "
              f"{verdict(cli['ratio'], TARGETS['cli_ratio'])}")
    sizes = lin["sections"]
    for name in ("archwright", "confection"):
        row = lin[name]
        label = f"{name}: {sizes['large']} vs {sizes['small']} sections (s)"
        target = f"{'<= 11':>9}  {verdict(row['ratio'], TARGETS['linearity_ratio'])}" \
            if name == "archwright" else f"{'':>9}  (context)"
        print(f"{label:<44}{row['large_s']:>12.4f}{row['small_s']:>12.4f}{row['ratio']:>9.2f}{target}")
    print(f"\nin process: {ip['files_timed']} of {ip['corpus_files']} corpus files (those confection "
          f"parses), {ip['runs']} runs; per-file ratio p50 {ip['per_file_ratio_p50']:.3f}, "
          f"p90 {ip['per_file_ratio_p90']:.3f} (min {ip['per_file_ratio_min']:.3f}, "
          f"max {ip['per_file_ratio_max']:.3f})")
    agreement = ip["agreement"]
    print(f"agreement with confection: {agreement['files'] - len(agreement['archwright_failed']) - len(agreement['results_differ'])}"
          f" of {agreement['files']} files give the same result"
          f" (archwright failed on {len(agreement['archwright_failed'])}, differed on {len(agreement['results_differ'])})")
    if "skipped" not in cli:
        print(f"cold CLI: {cli['config']}, {cli['runs']} runs, exit codes {cli['exit_codes']}")
        for name, tail in cli["output_on_failure"].items():
            print(f"  {name} exited non-zero; its output ended with:\n{tail}")
    compiled = results["compile"]
    print(f"compile: {compiled['config']}: {compiled['checked_ms']:.1f} ms to check, "
          f"{compiled['graph_ms']:.1f} ms to the layer graph (median of {compiled['runs']} runs)")
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
    print("linearity ...", flush=True)
    linearity = bench_linearity(small=200, runs=runs)
    print("compile ...", flush=True)
    compiled = bench_compile(runs)
    load = {"before": load_before, "after": os.getloadavg()[0]}  # other work on the machine skews times
    results = {"machine": machine(), "load_average_1min": load, "quick": args.quick, "targets": TARGETS,
               "in_process": in_process, "cli": cli, "linearity": linearity, "compile": compiled}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_report(results)


if __name__ == "__main__":
    main()
