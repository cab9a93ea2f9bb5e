"""The `archwright` command: exit codes, `resolve` against confection, `validate` in every format."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from archwright.cli import main
from archwright.compiler.compilation import Compilation
from archwright.diagnostics import Diagnostic, Span, render_github
from conftest import run_cli, SKIP_REASON, REAL, needs_shared, oracle_rows, same_ordered, same_value

ENV_VARIABLE = "SPACY_CONFIG_OVERRIDES"
CLEAN = ("[paths]\ntrain = \"corpus/train.spacy\"\n\n[nlp]\nlang = \"en\"\npipeline = []\n\n[components]\n\n"
         "[training]\nmax_epochs = 10\ndropout = 0.1\ntrain_corpus = ${paths.train}\n")
ERROR = "[a]\nb = ${x.y}\n"                 # AW201: undefined reference
WARNING = "[a]\nb = 'x'\n"                   # AW151: single-quoted value (a warning)
BROKEN = "[a\nb = 1\n"                       # AW102


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


run = run_cli


def run_quiet(*argv: str) -> tuple[int, str, str]:
    """main() in-process without capsys (usable in module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def plain(value):
    """confection's Config (a dict subclass) as plain dicts and lists, order kept."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def confection_config(text: str, **kwargs):
    from confection import Config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Config().from_str(text, **kwargs)


def spacy_overrides(words: list[str]) -> dict:
    """The overrides dict spaCy's CLI makes of these words (SPACY_CONFIG_OVERRIDES as now set)."""
    from spacy.cli._util import parse_config_overrides

    return parse_config_overrides(list(words))


def validate_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "validate", "--format", "json", *argv)
    return code, json.loads(out)


def codes(report: dict) -> list[str]:
    return [d["code"] for f in report["files"] for d in f["diagnostics"]]


# ---------------------------------------------------------------------------------------------
# Exit codes


def test_clean_config_exits_0(tmp_path, capsys):
    path = write(tmp_path, "clean.cfg", CLEAN)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert "1 file checked: 0 errors, 0 warnings" in out
    code, report = validate_json(capsys, str(path))
    assert code == 0
    assert report["files"] == [{"path": str(path), "diagnostics": []}]


def test_config_with_an_error_exits_1(tmp_path, capsys):
    path = write(tmp_path, "error.cfg", ERROR)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert "AW201" in out
    code, report = validate_json(capsys, str(path))
    assert code == 1 and codes(report) == ["AW201"]


def test_warnings_only_exit_0_and_1_with_strict(tmp_path, capsys):
    path = write(tmp_path, "warning.cfg", WARNING)
    code, report = validate_json(capsys, str(path))
    assert code == 0
    assert codes(report) == ["AW151"]
    assert report["summary"] == {"files": 1, "errors": 0, "warnings": 1}
    assert run(capsys, "validate", str(path))[0] == 0
    assert run(capsys, "validate", "--strict", str(path))[0] == 1
    assert run(capsys, "validate", str(path), "--strict", "--format", "json")[0] == 1


def test_strict_on_a_clean_config_exits_0(tmp_path, capsys):
    path = write(tmp_path, "clean.cfg", CLEAN)
    assert run(capsys, "validate", "--strict", str(path))[0] == 0


def test_missing_file_exits_1_with_aw108(tmp_path, capsys):
    missing = tmp_path / "nope.cfg"
    code, report = validate_json(capsys, str(missing))
    assert code == 1
    assert codes(report) == ["AW108"]
    diagnostic = report["files"][0]["diagnostics"][0]
    assert diagnostic["severity"] == "error" and diagnostic["line"] is None
    code, out, err = run(capsys, "resolve", str(missing))
    assert code == 1 and out == "" and "AW108" in err


def test_non_utf8_file_exits_1_with_aw108(tmp_path, capsys):
    path = write(tmp_path, "latin1.cfg", '[a]\nb = "caf\xe9"\n'.encode("latin-1"))
    code, report = validate_json(capsys, str(path))
    assert code == 1
    assert codes(report) == ["AW108"]
    code, out, err = run(capsys, "resolve", str(path))
    assert code == 1 and out == "" and "AW108" in err


def test_directory_of_configs(tmp_path, capsys):
    write(tmp_path, "b_clean.cfg", CLEAN)
    write(tmp_path, "a_error.cfg", ERROR)
    write(tmp_path, "deep/er/warning.cfg", WARNING)
    write(tmp_path, "notes.txt", "[not a config")
    write(tmp_path, "deep/config.cfg.bak", "[not a config")
    code, report = validate_json(capsys, str(tmp_path))
    assert code == 1
    paths = [Path(f["path"]) for f in report["files"]]
    assert sorted(paths) == sorted([tmp_path / "b_clean.cfg", tmp_path / "a_error.cfg",
                                    tmp_path / "deep/er/warning.cfg"])
    assert sorted(codes(report)) == ["AW151", "AW201"]
    assert report["summary"] == {"files": 3, "errors": 1, "warnings": 1}


def test_directory_of_clean_configs_exits_0(tmp_path, capsys):
    write(tmp_path, "one.cfg", CLEAN)
    write(tmp_path, "sub/two.cfg", CLEAN)
    code, report = validate_json(capsys, str(tmp_path))
    assert code == 0
    assert report["summary"] == {"files": 2, "errors": 0, "warnings": 0}


def test_files_and_directories_together(tmp_path, capsys):
    folder = tmp_path / "folder"
    write(folder, "x.cfg", CLEAN)
    single = write(tmp_path, "single.cfg", WARNING)
    code, report = validate_json(capsys, str(single), str(folder))
    assert code == 0
    assert report["summary"] == {"files": 2, "errors": 0, "warnings": 1}


@pytest.mark.parametrize("argv", [
    [],
    ["bogus"],
    ["resolve"],
    ["validate"],
    ["validate", "--format", "xml", "{clean}"],
    ["resolve", "--format", "yaml", "{clean}"],
    ["resolve", "{clean}", "{clean}"],
    ["resolve", "{clean}", "--nodot", "1"],
    ["validate", "{clean}", "--bogus-flag"],
], ids=lambda a: " ".join(a) or "<nothing>")
def test_bad_invocation_exits_1_not_2(argv, tmp_path, capsys):
    clean = write(tmp_path, "clean.cfg", CLEAN)
    code, out, err = run(capsys, *[a.format(clean=clean) for a in argv])
    assert code == 1, err
    assert "internal error" not in err
    assert err  # says what is wrong


def test_bad_override_in_environment_exits_1_with_aw110(tmp_path, capsys, monkeypatch):
    clean = write(tmp_path, "clean.cfg", CLEAN)
    monkeypatch.setenv(ENV_VARIABLE, "--nodot 1")
    code, out, err = run(capsys, "resolve", str(clean))
    assert code == 1 and out == ""
    assert "AW110" in err and "internal error" not in err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("archwright ")


# ---------------------------------------------------------------------------------------------
# resolve against confection


@pytest.fixture(scope="module")
def parsed_corpus():
    """Every corpus config that confection parses: (path, text, interpolated, not interpolated)."""
    pytest.importorskip("confection")
    if not REAL.is_dir():
        pytest.skip(SKIP_REASON)
    rows = []
    for path in sorted(REAL.glob("*.cfg")):
        try:
            text = path.read_text(encoding="utf-8")
            config = confection_config(text)
        except Exception:  # noqa: BLE001 - confection rejects it: not a resolve case
            continue
        rows.append((path, text, config, plain(confection_config(text, interpolate=False))))
    return rows


def _report(mismatches: list[str], total: int) -> str:
    return f"{len(mismatches)} of {total} configs differ: " + "; ".join(mismatches[:10])


@needs_shared
def test_resolve_json_equals_confection_on_the_corpus(parsed_corpus):
    assert len(parsed_corpus) > 400
    mismatches = []
    for path, _, config, _ in parsed_corpus:
        code, out, err = run_quiet("resolve", str(path))
        if code != 0:
            mismatches.append(f"{path.name}: exit {code}: {err[:200]}")
        elif not same_ordered(json.loads(out), plain(config)):
            mismatches.append(f"{path.name}: different result")
    assert not mismatches, _report(mismatches, len(parsed_corpus))


@needs_shared
def test_resolve_no_interpolate_equals_confection_on_the_corpus(parsed_corpus):
    mismatches = []
    for path, _, _, raw in parsed_corpus:
        code, out, err = run_quiet("resolve", "--no-interpolate", str(path))
        if code != 0:
            mismatches.append(f"{path.name}: exit {code}: {err[:200]}")
        elif not same_ordered(json.loads(out), raw):
            mismatches.append(f"{path.name}: different result")
    assert not mismatches, _report(mismatches, len(parsed_corpus))


@needs_shared
def test_resolve_ini_reparses_to_the_same_config(parsed_corpus):
    """The INI output reads back in confection to confection's own result. Key order: the same as
    confection's own to_str round trip (writing puts a section's values before its subsections)."""
    mismatches = []
    for path, _, config, _ in parsed_corpus:
        code, out, err = run_quiet("resolve", "--format", "ini", str(path))
        if code != 0:
            mismatches.append(f"{path.name}: exit {code}: {err[:200]}")
            continue
        try:
            back = plain(confection_config(out))
        except Exception as e:  # noqa: BLE001
            mismatches.append(f"{path.name}: confection cannot read the output: {e!r}"[:300])
            continue
        if not same_value(back, plain(config)):
            mismatches.append(f"{path.name}: different values")
            continue
        try:
            round_trip = plain(confection_config(config.to_str()))
        except Exception:  # noqa: BLE001 - confection cannot write it: no order to compare with
            continue
        if not same_ordered(back, round_trip):
            mismatches.append(f"{path.name}: key order differs from confection's round trip")
    assert not mismatches, _report(mismatches, len(parsed_corpus))


def test_resolve_ini_no_interpolate_reparses(tmp_path, capsys):
    path = write(tmp_path, "clean.cfg", CLEAN)
    code, out, err = run(capsys, "resolve", "--format", "ini", "--no-interpolate", str(path))
    assert code == 0, err
    assert "${paths.train}" in out
    assert same_ordered(plain(confection_config(out, interpolate=False)),
                        plain(confection_config(CLEAN, interpolate=False)))


def test_resolve_no_interpolate_keeps_references(tmp_path, capsys):
    path = write(tmp_path, "clean.cfg", CLEAN)
    code, out, _ = run(capsys, "resolve", "--no-interpolate", str(path))
    assert code == 0
    assert json.loads(out)["training"]["train_corpus"] == "${paths.train}"
    code, out, _ = run(capsys, "resolve", str(path))
    assert json.loads(out)["training"]["train_corpus"] == "corpus/train.spacy"


OVERRIDE_CONFIGS = [
    "init-config__en_10pipes_accuracy_cpu.cfg",
    "init-config__en_10pipes_efficiency_cpu.cfg",
    "projects__benchmarks_healthsea_spancat_configs_ner_config_tok2vec.cfg",
]
OVERRIDE_WORDS = [
    ["--training.max_epochs", "3"],
    ["--training.max_epochs=3", "--training.dropout", "0.25"],
    ["--training.max-epochs=4"],
    ["--paths.train", "corpus/train.spacy", "--paths.dev", "corpus/dev.spacy"],
    ["--nlp.batch_size", "64", "--training.seed=7"],
    ["--paths.vectors", "null"],
    ["--training.optimizer.learn_rate", "0.001"],
    ["--training.frozen_components", "[]"],
    ["--training.max_steps", "1e3"],
    ["--training.newkey", "5"],
]


@needs_shared
@pytest.mark.parametrize("name", OVERRIDE_CONFIGS)
@pytest.mark.parametrize("words", OVERRIDE_WORDS, ids=" ".join)
def test_resolve_with_overrides_equals_confection(name, words, capsys):
    pytest.importorskip("spacy")
    path = REAL / name
    text = path.read_text(encoding="utf-8")
    expected = plain(confection_config(text, overrides=spacy_overrides(words)))
    code, out, err = run(capsys, "resolve", str(path), *words)
    assert code == 0, err
    assert same_ordered(json.loads(out), expected)


@needs_shared
def test_resolve_with_overrides_words_before_the_path(capsys):
    pytest.importorskip("spacy")
    path = REAL / OVERRIDE_CONFIGS[0]
    words = ["--training.max_epochs", "3"]
    expected = plain(confection_config(path.read_text(encoding="utf-8"), overrides=spacy_overrides(words)))
    code, out, err = run(capsys, "resolve", *words, str(path))
    assert code == 0, err
    assert same_ordered(json.loads(out), expected)


@needs_shared
@pytest.mark.parametrize("words", [
    ["--paths.train", '"corpus/train.spacy"'],
    ["--nlp.lang", '"de"'],
    ["--nlp.pipeline", '["tok2vec","ner"]'],
], ids=" ".join)
def test_resolve_with_json_quoted_string_override_equals_confection(words, capsys):
    """A value typed with JSON quotes (`--paths.train '"x"'`), as spaCy documents it."""
    pytest.importorskip("spacy")
    path = REAL / OVERRIDE_CONFIGS[0]
    expected = plain(confection_config(path.read_text(encoding="utf-8"), overrides=spacy_overrides(words)))
    code, out, err = run(capsys, "resolve", str(path), *words)
    assert code == 0, err[:600]
    assert same_ordered(json.loads(out), expected)


@needs_shared
def test_resolve_environment_overrides_win(capsys, monkeypatch):
    pytest.importorskip("spacy")
    path = REAL / OVERRIDE_CONFIGS[0]
    monkeypatch.setenv(ENV_VARIABLE, "--training.max_epochs 9 --training.seed=11")
    words = ["--training.max_epochs", "3"]
    overrides = spacy_overrides(words)
    assert overrides["training.max_epochs"] == 9
    expected = plain(confection_config(path.read_text(encoding="utf-8"), overrides=overrides))
    code, out, err = run(capsys, "resolve", str(path), *words)
    assert code == 0, err
    got = json.loads(out)
    assert got["training"]["max_epochs"] == 9 and got["training"]["seed"] == 11
    assert same_ordered(got, expected)


@needs_shared
def test_resolve_override_of_a_missing_section_fails_like_confection(capsys):
    path = REAL / OVERRIDE_CONFIGS[0]
    with pytest.raises(Exception):
        confection_config(path.read_text(encoding="utf-8"), overrides={"nosuch.key": 1})
    code, out, err = run(capsys, "resolve", str(path), "--nosuch.key", "1")
    assert code == 1 and out == ""
    assert re.search(r"\bAW\d{3}\b", err) and "internal error" not in err


def test_resolve_broken_config_on_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(BROKEN))
    code, out, err = run(capsys, "resolve", "-")
    assert code == 1
    assert out == ""
    assert "<stdin>" in err and "AW102" in err
    assert "internal error" not in err


def test_resolve_clean_config_on_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLEAN))
    code, out, err = run(capsys, "resolve", "-", "--training.max_epochs", "2")
    assert code == 0, err
    expected = plain(confection_config(CLEAN, overrides={"training.max_epochs": 2}))
    assert same_ordered(json.loads(out), expected)


def test_resolve_config_with_error_prints_nothing_on_stdout(tmp_path, capsys):
    path = write(tmp_path, "error.cfg", ERROR)
    code, out, err = run(capsys, "resolve", str(path))
    assert code == 1 and out == "" and "AW201" in err


# ---------------------------------------------------------------------------------------------
# validate over the corpus, in all four formats


@pytest.fixture(scope="module")
def corpus_outputs():
    if not REAL.is_dir():
        pytest.skip(SKIP_REASON)
    return {fmt: run_quiet("validate", "--format", fmt, str(REAL)) for fmt in ("json", "github", "sarif", "human")}


@needs_shared
def test_validate_corpus_exits_1_in_every_format(corpus_outputs):
    for fmt, (code, out, err) in corpus_outputs.items():
        assert code == 1, f"{fmt}: exit {code}: {err[:300]}"
        assert "internal error" not in err


@needs_shared
def test_validate_corpus_json_summary(corpus_outputs):
    report = json.loads(corpus_outputs["json"][1])
    cfgs = sorted(REAL.rglob("*.cfg"))
    assert report["summary"]["files"] == len(report["files"]) == len(cfgs)
    assert sorted(Path(f["path"]) for f in report["files"]) == cfgs
    severities = Counter(d["severity"] for f in report["files"] for d in f["diagnostics"])
    assert report["summary"]["errors"] == severities["error"] > 0
    assert report["summary"]["warnings"] == severities["warning"]


@needs_shared
def test_validate_corpus_errors_exactly_where_confection_fails(corpus_outputs):
    """Cross-check with the oracle: a file has an error of the reading, syntax or resolution phases
    (AW1xx, AW2xx) iff confection cannot parse it, except where the only problem is a reference
    to a value of spaCy's default config (`${paths.vectors}` without it in [paths]): validate
    fills spaCy's defaults before interpolating, as `spacy train` does, and confection alone
    (Compilation(spacy_defaults=False), `archwright resolve`) fails on those files too."""
    rows = oracle_rows()
    if not rows:
        pytest.skip(SKIP_REASON)
    report = json.loads(corpus_outputs["json"][1])
    has_error = {Path(f["path"]).name: any(d["severity"] == "error" and d["code"] < "AW300"
                                           for d in f["diagnostics"])
                 for f in report["files"]}
    filled = []
    for row in rows:
        if row["parse"]["status"] != "ok" and not has_error[row["file"]]:
            alone = Compilation(REAL / row["file"], spacy_defaults=False).resolution_diagnostics
            if any(d.is_error for d in alone):
                filled.append(row["file"])
    wrong = [(row["file"], row["parse"]["status"]) for row in rows
             if has_error[row["file"]] != (row["parse"]["status"] != "ok") and row["file"] not in filled]
    assert not wrong, wrong[:10]
    assert len(filled) < 40, filled  # the fill explains a few files, not the corpus


GITHUB_LINE = re.compile(
    r"^::(?P<severity>error|warning) file=(?P<file>[^,:]*)"
    r"(?:,line=(?P<line>\d+),col=(?P<col>\d+),endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+))?"
    r",title=(?P<title>[^,:]*)::(?P<message>.*)$")


def unescape_github(text: str, property_value: bool = False) -> str:
    if property_value:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _json_diagnostics(report: dict) -> list[tuple[str, dict]]:
    return [(f["path"], d) for f in report["files"] for d in f["diagnostics"]]


@needs_shared
def test_validate_corpus_every_diagnostic_in_every_format(corpus_outputs):
    diagnostics = _json_diagnostics(json.loads(corpus_outputs["json"][1]))
    assert diagnostics

    # GitHub: one line per diagnostic, same order, same place
    lines = corpus_outputs["github"][1].rstrip("\n").split("\n")
    assert len(lines) == len(diagnostics)
    for line, (path, d) in zip(lines, diagnostics):
        match = GITHUB_LINE.match(line)
        assert match, line
        assert match["severity"] == d["severity"]
        assert unescape_github(match["file"], True) == path
        assert unescape_github(match["title"], True).split(" ", 1)[0] == d["code"]
        assert unescape_github(match["message"]).startswith(d["message"])
        assert match["line"] is not None  # every corpus diagnostic has a place
        assert (int(match["line"]), int(match["col"]), int(match["end_line"]), int(match["end_col"])) == (
            d["line"], d["column"], d["end_line"], d["end_column"])

    # SARIF: one result per diagnostic, same order
    results = json.loads(corpus_outputs["sarif"][1])["runs"][0]["results"]
    assert len(results) == len(diagnostics)
    for result, (path, d) in zip(results, diagnostics):
        assert result["ruleId"] == d["code"]
        assert result["level"] == d["severity"]
        assert result["message"]["text"].startswith(d["message"])
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith(Path(path).name)
        assert (location["region"]["startLine"], location["region"]["startColumn"]) == (d["line"], d["column"])

    # human: every diagnostic's head line, each code as often as in JSON
    human = corpus_outputs["human"][1]
    heads = re.findall(r"^\S.*?: (error|warning) (AW\d{3}): ", human, flags=re.MULTILINE)
    assert Counter(code for _, code in heads) == Counter(d["code"] for _, d in diagnostics)
    summary = json.loads(corpus_outputs["json"][1])["summary"]
    assert (f"{summary['files']} files checked: {summary['errors']} errors, "
            f"{summary['warnings']} warnings") in human


def check_sarif(sarif: dict, require_regions: bool = True) -> None:
    """SARIF 2.1.0 structure, checked by hand."""
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif.get("$schema", "") and "2.1.0" in sarif["$schema"]
    assert isinstance(sarif["runs"], list) and len(sarif["runs"]) == 1
    run_ = sarif["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "archwright"
    assert isinstance(driver.get("version", ""), str)
    rules = driver["rules"]
    rule_ids = [rule["id"] for rule in rules]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in rules:
        assert re.fullmatch(r"AW\d{3}", rule["id"])
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note", "none"}
    results = run_["results"]
    assert {r["ruleId"] for r in results} == set(rule_ids)
    for result in results:
        assert result["ruleId"] in rule_ids
        if "ruleIndex" in result:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note", "none"}
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        assert result["locations"], result
        for location in result["locations"]:
            physical = location["physicalLocation"]
            assert isinstance(physical["artifactLocation"]["uri"], str) and physical["artifactLocation"]["uri"]
            if require_regions or "region" in physical:
                region = physical["region"]
                assert region["startLine"] >= 1 and region["startColumn"] >= 1
                assert region.get("endLine", region["startLine"]) >= region["startLine"]
                if region.get("endLine", region["startLine"]) == region["startLine"]:
                    assert region.get("endColumn", region["startColumn"]) >= region["startColumn"]
        for related in result.get("relatedLocations", []):
            assert related["physicalLocation"]["artifactLocation"]["uri"]
            assert related["physicalLocation"]["region"]["startLine"] >= 1


@needs_shared
def test_validate_corpus_sarif_structure(corpus_outputs):
    check_sarif(json.loads(corpus_outputs["sarif"][1]))


def test_sarif_structure_with_every_kind_of_diagnostic(tmp_path, capsys):
    write(tmp_path, "error.cfg", ERROR)
    write(tmp_path, "warning.cfg", WARNING)
    write(tmp_path, "broken.cfg", BROKEN)
    write(tmp_path, "clean.cfg", CLEAN)
    write(tmp_path, "dup.cfg", "[a]\nb = 1\n[a]\nc = 2\n")  # AW104, with a related location
    code, out, _ = run(capsys, "validate", "--format", "sarif", str(tmp_path))
    assert code == 1
    sarif = json.loads(out)
    check_sarif(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"AW201", "AW151", "AW102", "AW104"}


def test_sarif_for_a_file_that_cannot_be_read(tmp_path, capsys):
    """AW108 has no place in the file: SARIF allows a result without a region (§3.29.4)."""
    code, out, _ = run(capsys, "validate", "--format", "sarif", str(tmp_path / "missing.cfg"))
    assert code == 1
    sarif = json.loads(out)
    check_sarif(sarif, require_regions=False)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["AW108"]


def test_sarif_clean_run_has_no_results(tmp_path, capsys):
    path = write(tmp_path, "clean.cfg", CLEAN)
    code, out, _ = run(capsys, "validate", "--format", "sarif", str(path))
    assert code == 0
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"] == [] and sarif["runs"][0]["tool"]["driver"]["rules"] == []


_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")


@pytest.mark.parametrize("name", ["my config.cfg", "100%.cfg"])
def test_sarif_artifact_uri_is_a_valid_uri_reference(name, tmp_path, capsys, monkeypatch):
    """SARIF §3.10.2: artifactLocation.uri is a URI reference, so spaces and '%' are percent-encoded."""
    write(tmp_path, name, ERROR)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", "--format", "sarif", name)
    assert code == 1
    uri = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert _URI_REFERENCE.fullmatch(uri), f"not a URI reference: {uri!r}"


# ---------------------------------------------------------------------------------------------
# JSON contract


def test_json_contract_keys(tmp_path, capsys):
    write(tmp_path, "error.cfg", ERROR)
    write(tmp_path, "warning.cfg", WARNING)
    write(tmp_path, "clean.cfg", CLEAN)
    missing = tmp_path / "missing.cfg"
    code, out, _ = run(capsys, "validate", "--format", "json", str(tmp_path), str(missing))
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"files", "summary"}
    assert set(report["summary"]) == {"files", "errors", "warnings"}
    assert report["summary"] == {"files": 4, "errors": 2, "warnings": 1}
    required = {"code", "severity", "message", "line", "column", "end_line", "end_column", "config_path", "hint"}
    seen = set()
    for entry in report["files"]:
        assert set(entry) == {"path", "diagnostics"}
        assert isinstance(entry["path"], str)
        for d in entry["diagnostics"]:
            assert required <= set(d), set(d)
            seen.add(d["code"])
            assert re.fullmatch(r"AW\d{3}", d["code"])
            assert d["severity"] in {"error", "warning"}
            assert isinstance(d["message"], str) and d["message"]
            assert isinstance(d["config_path"], str) and isinstance(d["hint"], str)
            place = [d["line"], d["column"], d["end_line"], d["end_column"]]
            assert all(v is None for v in place) or all(isinstance(v, int) and v >= 1 for v in place)
    assert seen == {"AW201", "AW151", "AW108"}
    by_code = {d["code"]: d for _, d in _json_diagnostics(report)}
    assert by_code["AW201"]["config_path"] == "a.b"
    assert (by_code["AW201"]["line"], by_code["AW201"]["column"]) == (2, 5)
    assert by_code["AW108"]["line"] is None


# ---------------------------------------------------------------------------------------------
# GitHub format


def test_github_format_line_per_diagnostic(tmp_path, capsys):
    error = write(tmp_path, "error.cfg", ERROR)
    code, out, _ = run(capsys, "validate", "--format", "github", str(error))
    assert code == 1
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"::error file={error},line=2,col=5,endLine=2,endColumn=11,title=AW201 ")
    warning = write(tmp_path, "warning.cfg", WARNING)
    code, out, _ = run(capsys, "validate", "--format", "github", str(warning))
    assert code == 0 and out.startswith("::warning file=")


def test_github_escapes_properties_and_message(tmp_path, capsys, monkeypatch):
    """'%' in the message; ':' ',' '%' in the file name; the hint's newline."""
    name = "we,ird:100%.cfg"
    write(tmp_path, name, "[a]\nb = ${x%y.z}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", "--format", "github", name)
    assert code == 1
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 1
    match = GITHUB_LINE.match(lines[0])
    assert match, lines[0]
    assert match["file"] == "we%2Cird%3A100%25.cfg"
    assert unescape_github(match["file"], True) == name
    message = match["message"]
    assert "\n" not in message and "\r" not in message
    assert re.fullmatch(r"(?:[^%]|%(?:25|0A|0D))*", message), message
    assert "${x%y.z}" in unescape_github(message)
    title = unescape_github(match["title"], True)
    assert title.startswith("AW201 ")


def test_github_escapes_carriage_returns_and_newlines():
    diagnostic = Diagnostic("AW201", "50% done\r\nnext: a,b", span=Span(3, 2, 3, 9), config_path="a.b",
                            hint="h:i,n%t\nx")
    text = render_github([("dir:x/a,b%.cfg", "", [diagnostic])])
    assert "\n" not in text and "\r" not in text
    match = GITHUB_LINE.match(text)
    assert match, text
    assert unescape_github(match["file"], True) == "dir:x/a,b%.cfg"
    assert (match["line"], match["col"], match["end_line"], match["end_col"]) == ("3", "2", "3", "9")
    message = unescape_github(match["message"])
    assert message.startswith("50% done\r\nnext: a,b")
    assert "h:i,n%t\nx" in message
    assert re.fullmatch(r"(?:[^%]|%(?:25|0A|0D))*", match["message"])


# ---------------------------------------------------------------------------------------------
# Running the command for real, once each


def _console_script() -> list[str]:
    here = Path(sys.executable).parent
    found = shutil.which("archwright", path=str(here)) or shutil.which("archwright")
    return [found] if found else [sys.executable, "-m", "archwright"]


def _subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VARIABLE, "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    return env


def test_python_dash_m(tmp_path):
    path = write(tmp_path, "clean.cfg", CLEAN)
    done = subprocess.run([sys.executable, "-m", "archwright", "resolve", str(path), "--training.max_epochs", "2"],
                          capture_output=True, text=True, timeout=60, env=_subprocess_env())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["training"]["max_epochs"] == 2


def test_console_script(tmp_path):
    error = write(tmp_path, "error.cfg", ERROR)
    done = subprocess.run([*_console_script(), "validate", "--format", "json", str(error)],
                          capture_output=True, text=True, timeout=60, env=_subprocess_env())
    assert done.returncode == 1, done.stderr
    assert codes(json.loads(done.stdout)) == ["AW201"]
