"""Robustness: archwright never raises, and the CLI never reports an internal error (exit 2), on
damaged, random or hostile input; pathological inputs finish, in bounded time and memory.

- mutated real configs (deterministic: seeded random over ~40 corpus files), through
  `Compilation` (with and without overrides, with and without interpolation) and through
  `cli.main(["validate", ...])` / `cli.main(["resolve", ...])` on the mutated file;
- random text (hypothesis);
- big / deep / exponential inputs, each in a subprocess with a timeout (and an address-space
  limit where memory is the risk).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archwright.cli import main
from archwright.compiler.compilation import Compilation

from conftest import REAL, needs_shared

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# helpers


def compile_all(text: str, **kwargs) -> Compilation:
    """Run every phase; any exception is a failure of the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = Compilation(text, **kwargs)
        diagnostics = c.diagnostics
        resolved = c.resolved
    assert isinstance(diagnostics, list)
    has_error = any(d.is_error for d in diagnostics)
    if resolved is not None:
        assert isinstance(resolved.data, dict)
        # a resolved config has no reading error (later phases, AW3xx/AW4xx, may report some)
        reading = [(d.code, d.message) for d in diagnostics if d.is_error and d.code[:3] in ("AW1", "AW2")]
        assert not reading, reading
    else:
        assert has_error, "no result and no error diagnostic"
    lines = text.count("\n") + 2
    for d in diagnostics:
        assert isinstance(d.code, str) and d.code.startswith("AW")
        assert isinstance(d.message, str) and d.message
        if d.span is not None:
            assert 1 <= d.span.line <= d.span.end_line, (d.code, d.span)
            assert d.span.column >= 1 and d.span.end_column >= 1, (d.code, d.span)
            if "overrides" not in kwargs:
                assert d.span.end_line <= lines, (d.code, d.span, lines)
    return c


def run_cli(argv: list[str], capsys) -> int:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1), f"archwright {' '.join(argv)} exited {code}:\n{err[-3000:]}"
    return code


# ---------------------------------------------------------------------------------------------
# mutations of real configs

SPECIAL = list("${}[]=:#;\t\r\x00\ufeff\\\"' .*@\n") + ["${", "$$", "${a.b}", "\u00e9", "\u2028", "\x85",
                                                       "\U0001F600", "\u3000", "\x0c", "\ud800", "  ", "\n  "]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(10)
        i = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [""]
        if op == 0:  # delete a line
            del lines[i]
        elif op == 1:  # duplicate a line
            lines.insert(i, lines[i])
        elif op == 2:  # swap two lines
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in (3, 4):  # insert random characters
            line = lines[i]
            for _ in range(rng.randint(1, 3)):
                at = rng.randint(0, len(line))
                piece = rng.choice(SPECIAL) if rng.random() < 0.8 else chr(rng.randint(1, 0x2FFF))
                line = line[:at] + piece + line[at:]
            lines[i] = line
        elif op == 5:  # truncate the text
            joined = "\n".join(lines)
            lines = joined[:rng.randint(0, len(joined))].split("\n")
        elif op == 6:  # indent a line
            lines[i] = rng.choice(["  ", "    ", "\t", " "]) + lines[i]
        elif op == 7:  # dedent a line
            lines[i] = lines[i].lstrip()
        elif op == 8:  # replace one character
            line = lines[i]
            if line:
                at = rng.randrange(len(line))
                lines[i] = line[:at] + rng.choice(SPECIAL) + line[at + 1:]
        else:  # move a line elsewhere
            line = lines.pop(i)
            lines.insert(rng.randint(0, len(lines)), line)
        if not lines:
            lines = [""]
    return "\n".join(lines)


def corpus_sample(n: int = 40) -> list[Path]:
    files = sorted(REAL.glob("*.cfg"))
    if not files:
        return []
    step = max(1, len(files) // n)
    return files[::step][:n]


SAMPLE = corpus_sample() if REAL.is_dir() else []
MUTATIONS_PER_FILE = 5


@needs_shared
@pytest.mark.parametrize("path", SAMPLE, ids=[p.name[:60] for p in SAMPLE])
def test_mutated_real_configs_never_raise(path, tmp_path, capsys):
    text = path.read_text(encoding="utf-8")
    rng = random.Random(f"{path.name}-archwright")
    formats = [["validate"], ["validate", "--format", "json"], ["validate", "--format", "sarif"],
               ["validate", "--format", "github"], ["validate", "--strict"]]
    for k in range(MUTATIONS_PER_FILE):
        mutated = mutate(text, rng)
        compile_all(mutated)
        compile_all(mutated, interpolate=False)
        compile_all(mutated, overrides={"training.seed": 1, "paths.train": "${paths.dev}"})
        target = tmp_path / f"m{k}.cfg"
        # lone surrogates cannot be UTF-8: they make a file archwright must refuse to read, politely
        target.write_bytes(mutated.encode("utf-8", "surrogatepass"))
        run_cli(formats[k % len(formats)] + [str(target)], capsys)
        run_cli(["resolve", str(target)], capsys)
        run_cli(["resolve", "--format", "ini", str(target)], capsys)
        run_cli(["resolve", "--no-interpolate", str(target), "--training.seed", "3"], capsys)


@needs_shared
def test_unmutated_sample_through_cli(tmp_path, capsys):
    """The untouched files too, the whole sample as one directory run."""
    for path in SAMPLE:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    run_cli(["validate", str(tmp_path)], capsys)
    run_cli(["validate", "--format", "sarif", str(tmp_path)], capsys)


# ---------------------------------------------------------------------------------------------
# random text

SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONFIGISH = st.text(st.sampled_from(list("[]=:#;${}.*@ \t\n\r\"'\\,01ab\x00\ufeff\u00e9\u2028\x0c")), max_size=200)


@settings(max_examples=300, **SETTINGS)
@given(st.text(max_size=300))
def test_random_unicode_text_never_raises(text):
    compile_all(text)


@settings(max_examples=400, **SETTINGS)
@given(CONFIGISH)
def test_random_configish_text_never_raises(text):
    compile_all(text)
    compile_all(text, interpolate=False)


@settings(max_examples=150, **SETTINGS)
@given(CONFIGISH, st.dictionaries(st.text(st.sampled_from(list("ab.*$ {}")), max_size=6),
                                  st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                            st.lists(st.integers(), max_size=2),
                                            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
                                  max_size=3))
def test_random_text_with_overrides_never_raises(text, overrides):
    compile_all("[a]\n[a.b]\n" + text, overrides=overrides)
    compile_all("[a]\n[a.b]\n" + text, overrides=overrides, interpolate=False)


@settings(max_examples=60, **SETTINGS)
@given(CONFIGISH)
def test_random_text_through_cli(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cli") / "random.cfg"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    for argv in (["validate", str(path)], ["resolve", str(path)], ["resolve", "--format", "ini", str(path)]):
        code = main(argv)
        assert code in (0, 1), (argv, text)


# ---------------------------------------------------------------------------------------------
# pathological inputs, each in its own process


def run_isolated(script: str, timeout: float, memory_bytes: int | None = None) -> dict:
    """Run `script` (which prints one JSON line last) in a fresh interpreter; return that JSON."""

    def limit():  # runs in the child
        if memory_bytes is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit if os.name == "posix" else None,
                              cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {timeout} s (hang?)", pytrace=False)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, f"child failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{result.get('name', '')}: child {elapsed:.1f} s wall, {result}")
    return result


_SUMMARY = """
    import json, resource, time, warnings
    from archwright.compiler.compilation import Compilation

    def summary(name, text, **kwargs):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = Compilation(text, **kwargs)
            diagnostics = c.diagnostics
            resolved = c.resolved
        return {"name": name, "chars": len(text), "seconds": round(time.perf_counter() - start, 2),
                "resolved": resolved is not None,
                "errors": sorted({d.code for d in diagnostics if d.is_error}),
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
"""


def test_ten_megabyte_config(tmp_path):
    path = tmp_path / "big.cfg"
    script = _SUMMARY + f"""
    parts, size, i = [], 0, 0
    while size < 10 * 1024 * 1024:
        lines = [f"[section_{{i}}]"] + [f'key_{{j}} = {{{{"value": {{i * 31 + j}}, "name": "item_{{i}}_{{j}}"}}}}'
                                       for j in range(20)]
        if i:
            lines.append(f"ref = ${{{{section_{{i - 1}}.key_0}}}}")
        block = "\\n".join(lines) + "\\n\\n"
        parts.append(block)
        size += len(block)
        i += 1
    text = "".join(parts)
    result = summary("10 MB config", text)
    open({str(path)!r}, "w", encoding="utf-8").write(text)
    from archwright.cli import main
    import io, sys
    sys.stdout = io.StringIO()
    start = time.perf_counter()
    result["cli_validate_exit"] = main(["validate", {str(path)!r}])
    result["cli_seconds"] = round(time.perf_counter() - start, 2)
    sys.stdout = sys.__stdout__
    print(json.dumps(result))
    """
    result = run_isolated(script, timeout=150, memory_bytes=4 * 1024 ** 3)
    assert result["chars"] >= 10 * 1024 * 1024
    assert result["resolved"] or result["errors"]
    assert result["cli_validate_exit"] in (0, 1)


def test_two_thousand_levels_of_sections():
    script = _SUMMARY + """
    names = [".".join(["a"] * i) for i in range(1, 2001)]
    text = "\\n".join(f"[{n}]\\nk = 1" for n in names)
    print(json.dumps(summary("2000-deep sections", text)))
    """
    result = run_isolated(script, timeout=120, memory_bytes=3 * 1024 ** 3)
    assert result["resolved"] or result["errors"]


def test_two_thousand_levels_of_inline_json_with_overrides():
    """Deep inline JSON: the override detour writes it out as 2,000 nested sections."""
    script = _SUMMARY + """
    n = 2000
    text = "[a]\\nx = " + '{"a": ' * n + "1" + "}" * n
    r1 = summary("2000-deep inline JSON", text)
    r2 = summary("2000-deep inline JSON + overrides", text, overrides={"a.y": 1})
    r1["with_overrides"] = r2
    print(json.dumps(r1))
    """
    result = run_isolated(script, timeout=120, memory_bytes=3 * 1024 ** 3)
    assert result["resolved"] or result["errors"]
    assert result["with_overrides"]["resolved"] or result["with_overrides"]["errors"]


def _exponential_script(levels: int, fan_out: int, name: str, base: str = '"ab"', quote: str = '"') -> str:
    return _SUMMARY + f"""
    lines = ["[s]", 'x0 = ' + {base!r}]
    for i in range(1, {levels} + 1):
        lines.append(f'x{{i}} = ' + {quote!r} + f"${{{{s.x{{i - 1}}}}}}" * {fan_out} + {quote!r})
    print(json.dumps(summary({name!r}, "\\n".join(lines))))
    """


@pytest.mark.parametrize("levels,fan_out", [(40, 2), (40, 30), (10, 30)], ids=["40x2", "40x30", "10x30"])
def test_exponential_interpolation_is_bounded(levels, fan_out):
    """x_i references x_{i-1} `fan_out` times. Deeper than 10 levels is confection's depth
    error; within 10 levels the expansion itself explodes (30^9 copies of "ab"), which
    confection would try to build (and hang or run out of memory): archwright must refuse."""
    result = run_isolated(_exponential_script(levels, fan_out, f"{levels} levels x {fan_out}"), timeout=60,
                          memory_bytes=2 * 1024 ** 3)
    assert not result["resolved"]
    assert result["errors"], result
    assert set(result["errors"]) <= {"AW203", "AW207", "AW202"}, result
    assert result["seconds"] < 30


def test_exponential_interpolation_within_limits_resolves():
    """Ten levels of doubling is 2,048 characters: fine for both."""
    result = run_isolated(_exponential_script(10, 2, "10 levels x 2"), timeout=60, memory_bytes=2 * 1024 ** 3)
    assert result["resolved"] and not result["errors"]


def test_exponential_expansion_of_empty_values_is_bounded():
    """Was a bug: the expansion bound (AW207) counted only characters, so
    references to an EMPTY value escaped it (it now counts pieces too): the number of (empty) pieces grows as fan_out^levels
    and archwright works (and allocates) without limit.

        [s]
        x0 =
        x1 = ${s.x0}${s.x0}...   (30 references, no quotes)
        x2 = ${s.x1}${s.x1}...   (30 references to x1)
        ... up to x6

    Measured: 4 levels 3 s, 5 levels 96 s and 406 MB (result: all values ""), 6 levels does not
    finish in 100 s (30x more pieces: ~6 GB of tuple slots). confection would hang here too, but
    archwright must answer, with the (empty) result or an error diagnostic, in bounded time."""
    result = run_isolated(_exponential_script(6, 30, "6 levels x 30 of an empty value", base="", quote=""),
                          timeout=60, memory_bytes=2 * 1024 ** 3)  # answers in ~5 s (AW207)
    assert result["resolved"] or result["errors"]


def test_many_pieces_in_one_value():
    """100,000 `$$` escapes in one value: linear, if slowish (~10 us per piece)."""
    script = _SUMMARY + """
    r = summary("100k $$ pieces", "[a]\\nx = " + "$$" * 100000)
    r["refs"] = summary("20k references", "[a]\\ny = 1\\nx = " + "${a.y}" * 20000)
    r["chain"] = summary("10k-key chain", "[a]\\n" + "".join(f"k{i} = ${{a.k{i - 1}}}\\n" for i in range(1, 10000)) + "k0 = 1")
    print(json.dumps(r))
    """
    result = run_isolated(script, timeout=120, memory_bytes=3 * 1024 ** 3)
    assert result["resolved"]
    assert result["refs"]["resolved"]
    assert result["chain"]["errors"] == ["AW203"]


def test_self_containing_config_with_overrides_answers():
    """Was a bug: with overrides (and interpolation), archwright writes the uninterpolated tree out
    and reads it back, as confection does. If that tree contains itself, the writer
    (serialize.to_str) is meant to stop at 100,000 sections, but each queued path is one level
    longer than the last, so the work and memory are quadratic: 100,000 paths of average
    length 50,000 (~40 GB of tuple slots). In practice it never answers.

    Minimal: Compilation("[a]\\nx = __SECTION__:a", overrides={"a.y": 1}).diagnostics
    (equally: Compilation("[a]\\nx = 1", overrides={"a.x": "__SECTION__:a"})). A section
    placeholder written by the user is honoured by confection's reader, so [a] contains itself
    before the detour. confection loops for ever on this input too; archwright must answer
    (AW213/AW212). Also reachable from the CLI: `archwright resolve f.cfg --a.y 1`."""
    script = _SUMMARY + """
    r = summary("self-containing + overrides", "[a]\\nx = __SECTION__:a", overrides={"a.y": 1})
    print(json.dumps(r))
    """
    result = run_isolated(script, timeout=60, memory_bytes=2 * 1024 ** 3)
    assert not result["resolved"] and result["errors"]


def test_shared_sections_stay_small_through_every_phase_and_the_explorer():
    """30 levels of sections that each reference the one below twice: a few hundred lines, but
    2^30 leaves written out as a tree. Compiling to the layer graph, the summary and the
    explorer's view visit each section once (bounded time and memory)."""
    script = """
    import json, resource
    from archwright.compiler.compilation import Compilation
    from archwright.compiler.graph import summary
    from archwright.ui import views
    lines = ["[s0]", "x = 1"]
    for i in range(1, 31):
        lines += [f"[s{i}]", f"p = ${{s{i - 1}}}", f"q = ${{s{i - 1}}}"]
    lines += ["[model]", '@architectures = "spacy-transformers.TransformerModel.v3"', 'name = "local-dir"',
              "tokenizer_config = ${s30}", "[model.get_spans]", '@span_getters = "spacy-transformers.doc_spans.v1"']
    text = "\\n".join(lines) + "\\n"
    compilation = Compilation(text)
    graph = compilation.graph
    report = summary(graph) if graph is not None else None
    explored = views.explore(text)
    print(json.dumps({"codes": sorted({d.code for d in compilation.diagnostics}), "graph": graph is not None,
                      "params": report["components"]["model"]["params"] if report else None,
                      "explored": explored.problem == "" and explored.graph is not None,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
    """
    result = run_isolated(script, timeout=120, memory_bytes=2 * 1024 ** 3)
    assert result["graph"] and result["explored"], result
    assert result["params"] == "transformer_params"
