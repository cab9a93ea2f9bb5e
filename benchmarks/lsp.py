"""The language server's latencies, measured over stdio as an editor sees them:
`python benchmarks/lsp.py [--quick]`.

1. Start: from spawning `python -m archwright lsp` to the answer of `initialize`.
2. Diagnostics after an edit: from sending `didChange` to receiving `publishDiagnostics`, on the
   largest shared corpus config (many edits) and on every corpus config (one edit each: median,
   p90, max), and on a synthetic 1 MB config.
3. Hover and completion on the largest config: a `${...}` reference, an `@architectures` name,
   an argument key, a model block's header (which computes the layer graph); completion of
   registry names, of argument keys and inside `${`.

Targets (issue 15): diagnostics <= 50 ms on the largest config, median <= 15 ms over the corpus;
hover and completion <= 20 ms; start <= 0.5 s. Prints a table and writes
benchmarks/results/lsp.json. Nothing here asserts on times.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import client_capabilities, make_test_lsp_client

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO.parent / "shared" / "corpus" / "real"
RESULTS = HERE / "results" / "lsp.json"
COMMAND = [sys.executable, "-m", "archwright", "lsp"]
TARGETS_MS = {"largest": 50, "corpus_median": 15, "hover": 20, "completion": 20, "start": 500}


async def started():
    client = make_test_lsp_client()

    begin = time.perf_counter()
    await client.start_io(*COMMAND, cwd=str(REPO))
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim")))
    return client, time.perf_counter() - begin


async def stop(client) -> None:
    await client.shutdown_session()
    await client.stop()


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0)


async def diagnostics_after(client, uri: str, text: str, version: int) -> float:
    client.diagnostics.pop(uri, None)
    begin = time.perf_counter()
    if version == 1:
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "spacy-config", 1, text)))
    else:
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))
    await until(lambda: uri in client.diagnostics)
    return time.perf_counter() - begin


def edited(text: str, i: int) -> str:
    """The text with one value changed, as typing does (a digit appended to the last number)."""
    lines = text.split("\n")
    for n in range(len(lines) - 1, -1, -1):
        if "=" in lines[n] and lines[n].rstrip()[-1:].isdigit():
            lines[n] = lines[n].rstrip() + str(i % 10)
            return "\n".join(lines)
    return text + "\n" * (i % 2)


def position_of(text: str, needle: str, offset: int) -> types.Position:
    index = text.index(needle) + offset
    return types.Position(text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1))


async def timed(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        await call()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def big_config() -> str:
    blocks = [f"[block{i}]\nwidth = {i}\nname = \"block {i}\"\nnext = ${{block{max(i - 1, 0)}.width}}\n"
              f"rows = [5000, 1000, 2500, 2500]\nnote = \"{'x' * 240}\"\n" for i in range(3000)]
    return "\n".join(blocks)


async def measure(quick: bool) -> dict:
    runs = 5 if quick else 20
    starts = []
    for _ in range(3 if quick else 7):
        client, seconds = await started()
        starts.append(seconds)
        await stop(client)
    client, _ = await started()
    results: dict = {"start_s": statistics.median(starts)}
    paths = sorted(CORPUS.glob("*.cfg"))
    largest = max(paths, key=lambda p: p.stat().st_size)
    text = largest.read_text(encoding="utf-8")
    uri = largest.as_uri()
    await diagnostics_after(client, uri, text, 1)
    times = [await diagnostics_after(client, uri, edited(text, i), i + 2) for i in range(runs * 3)]
    results["largest"] = {"file": largest.name, "bytes": largest.stat().st_size, "median_s": statistics.median(times),
                          "max_s": max(times)}
    corpus = []
    for path in paths:
        body = path.read_bytes().decode("utf-8")
        await diagnostics_after(client, path.as_uri(), body, 1)
        corpus.append(await diagnostics_after(client, path.as_uri(), edited(body, 1), 2))
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(path.as_uri())))
    corpus.sort()
    results["corpus"] = {"files": len(corpus), "median_s": statistics.median(corpus),
                         "p90_s": corpus[int(0.9 * len(corpus))], "max_s": corpus[-1]}
    big = big_config()
    await diagnostics_after(client, "file:///bench/big.cfg", big, 1)
    big_times = [await diagnostics_after(client, "file:///bench/big.cfg", edited(big, i), i + 2) for i in range(3)]
    # a burst of keystrokes sent faster than one check takes: only the last version is checked
    begin = time.perf_counter()
    client.diagnostics.pop("file:///bench/big.cfg", None)
    for i in range(10):  # the last edit adds an error, to know its diagnostics when they come
        text_i = edited(big, i) + ("\n[end]\nx = ${nosuch.key}\n" if i == 9 else "")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=100 + i, uri="file:///bench/big.cfg"),
            [types.TextDocumentContentChangeWholeDocument(text=text_i)]))
    await until(lambda: any(d.code == "AW201" for d in client.diagnostics.get("file:///bench/big.cfg", ())))
    results["one_megabyte"] = {"bytes": len(big.encode()), "median_s": statistics.median(big_times),
                               "burst_of_10_s": time.perf_counter() - begin}

    await diagnostics_after(client, uri, text, 1)  # the corpus pass closed it
    document = types.TextDocumentIdentifier(uri)
    model = next(line for line in text.split("\n") if line.startswith("[components.") and line.endswith(".model]"))
    hovers = {"reference": ("${", 3), "registry name": ('@architectures = "', 20),
              "argument key": ("\nwidth = ", 2), f"model block header {model}": (model, 3)}
    results["hover_s"] = {}
    for name, (needle, offset) in hovers.items():
        if needle not in text:
            continue
        where = position_of(text, needle, offset)
        begin = time.perf_counter()  # the first hover of a model block imports networkx and lowers the graph
        await client.text_document_hover_async(types.HoverParams(document, where))
        if name.startswith("model block"):
            results["first_model_hover_s"] = time.perf_counter() - begin
        results["hover_s"][name] = await timed(
            lambda: client.text_document_hover_async(types.HoverParams(document, where)), runs)
    results["completion_s"] = {}
    completions = {"registry names": ('@architectures = "', 18), "reference": ("${", 2)}
    for name, (needle, offset) in completions.items():
        where = position_of(text, needle, offset)
        results["completion_s"][name] = await timed(
            lambda: client.text_document_completion_async(types.CompletionParams(document, where)), runs)
    keys_text = text + '\n[bench_block]\n@architectures = "spacy.MaxoutWindowEncoder.v2"\n'
    await diagnostics_after(client, uri, keys_text, 2)
    where = types.Position(keys_text.count("\n"), 0)
    results["completion_s"]["argument keys"] = await timed(
        lambda: client.text_document_completion_async(types.CompletionParams(document, where)), runs)
    await stop(client)
    return results


def report(results: dict) -> str:
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    rows = [("server start (spawn to initialize answered)", ms(results["start_s"]), "<= 500 ms"),
            (f"diagnostics after an edit, largest config ({results['largest']['file']}, "
             f"{results['largest']['bytes']:,} bytes): median", ms(results["largest"]["median_s"]), "<= 50 ms"),
            (f"diagnostics after an edit, corpus ({results['corpus']['files']} configs): median",
             ms(results["corpus"]["median_s"]), "<= 15 ms"),
            ("  corpus p90 / max", f"{ms(results['corpus']['p90_s'])} / {ms(results['corpus']['max_s'])}", ""),
            (f"diagnostics after an edit, synthetic {results['one_megabyte']['bytes']:,} bytes",
             ms(results["one_megabyte"]["median_s"]), ""),
            ("  a burst of 10 edits to it: until the last one's diagnostics",
             ms(results["one_megabyte"]["burst_of_10_s"]), "")]
    rows += [(f"hover: {name}", ms(s), "<= 20 ms") for name, s in results["hover_s"].items()]
    if "first_model_hover_s" in results:
        rows.append(("  the first hover of a model block (imports networkx, lowers the graph)",
                     ms(results["first_model_hover_s"]), ""))
    rows += [(f"completion: {name}", ms(s), "<= 20 ms") for name, s in results["completion_s"].items()]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a.ljust(width)}  {b:>18}  {c}" for a, b, c in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs: a rough figure")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.stderr.write(f"the shared corpus is missing ({CORPUS})\n")
        return 1
    compileall.compile_dir(str(REPO / "archwright"), quiet=1)  # as pip install does
    load = os.getloadavg()[0]
    results = asyncio.run(measure(args.quick))
    results.update(python=platform.python_version(), load_before=load, load_after=os.getloadavg()[0],
                   cores=os.cpu_count(), quick=args.quick)
    print(f"load average {load:.1f} before, {results['load_after']:.1f} after; {os.cpu_count()} cores")
    print(report(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
