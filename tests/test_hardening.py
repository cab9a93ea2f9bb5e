"""Hardening (issue 13): each input that once gave a traceback, a hang, a memory blow-up or a
changed file, with the result it must give now. Inputs that could hang or exhaust memory run
in a child process with a time limit and an address-space limit (`limited`)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "examples" / "pipeline_cnn.cfg"
TRANSFORMER = ROOT / "examples" / "transformer.cfg"
GIB = 1024 ** 3


def limited(argv: list[str], *, seconds: float = 60, memory: int = 2 * GIB, stdin: bytes | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`archwright ARGV` in a child with an address-space limit; a time-out fails the test."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "archwright", *argv], input=stdin, capture_output=True,
                          timeout=seconds, preexec_fn=limit, env=env, cwd=cwd)


def edited(tmp_path: Path, source: Path, old: str, new: str, name: str = "edited.cfg") -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# -- --labels ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["summary"], ["graph", "-o", "OUT.dot"], ["build"]])
@pytest.mark.parametrize("count", ["\u00b2", "\u0663", "9" * 5000, "99999999999"])
def test_a_label_count_that_is_not_a_small_ascii_number_is_refused(command, count, tmp_path, capsys) -> None:
    argv = [w.replace("OUT", str(tmp_path / "g")) for w in command]
    code, out, err = run_cli(capsys, *argv, str(PIPELINE), "--labels", f"tagger={count}")
    assert code == 1, err
    assert "N must be a whole number" in err and "internal error" not in err


@pytest.mark.parametrize("labels", ["tagger=0", "parser=0", "ner.n_actions=0"])
def test_a_label_count_of_zero_is_refused_by_build_not_a_crash(labels, capsys) -> None:
    # found by scripts/fuzz.py (seed 186622300, input 51200): Thinc built a softmax of no width
    # and failed on its first batch, an internal error; summary and graph still take 0 (a what-if)
    zero = labels.split("=")[0].split(".")[0]
    others = [word for name in ("tagger", "parser", "ner") if name != zero for word in ("--labels", f"{name}=3")]
    code, out, err = run_cli(capsys, "build", str(PIPELINE), "--labels", labels, *others)
    assert code == 1, err
    assert "AW505" in err and "= 0" in err and "internal error" not in err
    code, out, err = run_cli(capsys, "summary", str(PIPELINE), "--labels", labels)
    assert code == 0, err


def test_the_build_api_refuses_a_label_count_of_zero() -> None:
    from archwright.compiler.thinc import BuildError, build

    with pytest.raises(BuildError) as raised:
        build(PIPELINE, "tagger", labels={"tagger": {"n_labels": 0}})
    assert [d.code for d in raised.value.diagnostics] == ["AW505"]
    assert raised.value.diagnostics[0].config_path == "components.tagger.model"


# -- [nlp] pipeline that is not a list; one file's bug is that file's result ----------------------

def test_a_pipeline_that_is_not_a_list_does_not_crash(tmp_path, capsys) -> None:
    path = edited(tmp_path, PIPELINE, 'pipeline = ["tok2vec", "tagger", "parser", "ner"]', "pipeline = 5")
    for argv in (["validate", str(path)], ["validate", str(PIPELINE), "--nlp.pipeline", "5"],
                 ["summary", str(path)]):
        code, out, err = run_cli(capsys, *argv)
        assert code in (0, 1), (argv, err)
        assert "internal error" not in err + out


def test_one_files_internal_error_is_its_own_result(tmp_path, capsys, monkeypatch) -> None:
    """validate DIR: a bug on one file is that file's AW114; the others keep their results; exit 2;
    the traceback only with --debug."""
    from archwright.compiler import compilation

    (tmp_path / "a.cfg").write_text("[a]\nx = 1\n", encoding="utf-8")
    (tmp_path / "b.cfg").write_text("[b]\ny = ${nowhere.z}\n", encoding="utf-8")
    (tmp_path / "c.cfg").write_text("[c]\nboom = 1\n", encoding="utf-8")
    real = compilation.Compilation._checked.func

    def faulty(self):
        if self.text and "boom" in self.text:
            raise TypeError("injected fault")
        return real(self)

    monkeypatch.setattr(compilation.Compilation, "_checked", property(faulty))
    code, out, err = run_cli(capsys, "validate", str(tmp_path), "--format", "json")
    assert code == 2
    files = {Path(f["path"]).name: [d["code"] for d in f["diagnostics"]] for f in json.loads(out)["files"]}
    assert files == {"a.cfg": [], "b.cfg": ["AW201"], "c.cfg": ["AW114"]}
    assert "Traceback" not in err
    code, out, err = run_cli(capsys, "validate", str(tmp_path), "--debug")
    assert code == 2 and "Traceback" in err and "injected fault" in err
    assert "c.cfg: error AW114: internal error of archwright: TypeError: injected fault" in out


def test_an_internal_error_of_another_command_is_aw114_without_traceback(capsys, monkeypatch) -> None:
    from archwright.compiler import graph

    def faulty(*args, **kwargs):
        raise KeyError("injected")

    monkeypatch.setattr(graph, "summary", faulty)
    code, out, err = run_cli(capsys, "summary", str(PIPELINE))
    assert code == 2 and "AW114" in err and "Traceback" not in err
    code, out, err = run_cli(capsys, "summary", str(PIPELINE), "--debug")
    assert code == 2 and "AW114" in err and "Traceback" in err


# -- numbers written as strings; v1 names with the bounds of their v2 cards -----------------------

@pytest.mark.parametrize("command", [["validate"], ["summary"], ["graph", "-o", "OUT.svg"], ["build"]])
def test_a_quoted_number_is_aw311_not_a_crash(command, tmp_path, capsys) -> None:
    """confection lets `stride = "96"` through where an int is wanted, but the function then gets
    the string and spaCy fails (`depth = "4"`: TypeError at load; `width = "96"`: at initialize,
    measured with spaCy's own stages): every command reports AW311, none crashes."""
    argv = [w.replace("OUT", str(tmp_path / "g")) for w in command]
    for path in (edited(tmp_path, TRANSFORMER, "stride = 96", 'stride = "96"', "t.cfg"),
                 edited(tmp_path, PIPELINE, "depth = 4", 'depth = "4"', "p.cfg")):
        code, out, err = run_cli(capsys, *argv, str(path))
        assert "internal error" not in err and "AW114" not in err, err
        assert code == 1 and "AW311" in out + err


def test_a_quoted_negative_number_is_a_quoted_number(tmp_path, capsys) -> None:
    path = edited(tmp_path, PIPELINE, "width = 96", 'width = "-96"')
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 1 and "AW311" in out and 'the string "-96"' in out


# a v1 name whose spec sibling (v2) bounds `width`: negative here
V1_NEGATIVE_WIDTH = textwrap.dedent("""\
    @architectures = "spacy.HashEmbedCNN.v1"
    pretrained_vectors = null
    width = -96
    depth = 4
    embed_size = 2000
    window_size = 1
    maxout_pieces = 3
    subword_features = true
    """)


def test_v1_names_have_the_bounds_of_their_v2_cards(tmp_path, capsys) -> None:
    from archwright.compiler.registry import default_registry

    registry = default_registry()
    v1, v2 = registry.get("architectures", "spacy.HashEmbedCNN.v1"), registry.get("architectures", "spacy.HashEmbedCNN.v2")
    assert v1 is not v2 and v1.by_name["width"].gt == v2.by_name["width"].gt == 0
    path = tmp_path / "v1.cfg"
    path.write_text("[model]\n" + V1_NEGATIVE_WIDTH, encoding="utf-8")
    for command in ("validate", "summary", "build"):
        code, out, err = run_cli(capsys, command, str(path))
        assert code == 1 and "AW307" in out + err and "internal error" not in err
        assert "-40,032" not in out


# -- nesting: one limit (MAX_NESTING) in every phase -----------------------------------------------

def _nested(levels: int) -> str:
    return "".join(f"[{'.'.join(f's{j}' for j in range(i + 1))}]\nx = {i}\n" for i in range(levels))


def _chain(links: int) -> str:
    return "".join(f"[c{i}]\n" + (f"prev = ${{c{i - 1}}}\n" if i else "") + "x = 1\n" for i in range(links))


@pytest.mark.parametrize("levels", [899])
def test_deep_nesting_within_the_limit_works_in_every_command(levels, tmp_path) -> None:
    """confection reads 400 levels (and up to 900); fmt, fill and diff --resolved crashed."""
    path = tmp_path / "deep.cfg"
    path.write_text(_nested(levels), encoding="utf-8")
    for argv in (["validate", "deep.cfg"], ["resolve", "deep.cfg"], ["resolve", "--format", "ini", "deep.cfg"],
                 ["fmt", "--check", "deep.cfg"], ["fill", "deep.cfg"], ["diff", "deep.cfg", "deep.cfg"],
                 ["diff", "--resolved", "deep.cfg", "deep.cfg"], ["summary", "deep.cfg"]):
        result = limited(argv, cwd=tmp_path)
        assert result.returncode in (0, 1), (argv, result.stderr.decode()[-2000:])
        assert b"AW114" not in result.stderr and b"Traceback" not in result.stderr


def test_the_api_has_room_for_the_nesting_it_accepts() -> None:
    import archwright

    text = _nested(899)
    assert archwright.fmt(text).count("[") == 899
    assert archwright.diff(text, text, resolved=True) == []
    assert archwright.fill(text).count("\n[") >= 898


def test_a_chain_of_references_deeper_than_the_limit_is_aw214(capsys) -> None:
    """At 1,000 links confection's registry.resolve fails with RecursionError; archwright said
    AW213 "contains itself", which was false."""
    from archwright.compiler.compilation import Compilation
    from archwright.limits import MAX_NESTING

    assert [d.code for d in Compilation(_chain(MAX_NESTING)).diagnostics] == []
    assert [d.code for d in Compilation(_chain(MAX_NESTING + 100)).diagnostics] == ["AW214"]


def test_resolve_refuses_output_that_would_explode_before_building_it(tmp_path) -> None:
    """500 chained sections: quadratic output (each section holds the whole chain before it,
    indented once more per level: hundreds of MB). Refused with AW213 in bounded memory."""
    path = tmp_path / "chain.cfg"
    path.write_text(_chain(600), encoding="utf-8")
    for fmt in ("json", "ini"):
        result = limited(["resolve", "--format", fmt, str(path)], memory=1 * GIB, seconds=60)
        assert result.returncode == 1 and b"AW213" in result.stderr and not result.stdout
    path.write_text(_chain(100), encoding="utf-8")
    result = limited(["resolve", str(path)])
    assert result.returncode == 0 and json.loads(result.stdout)["c99"]["prev"]["prev"]["x"] == 1


def test_diff_resolved_is_not_exponential_on_shared_sections(tmp_path, capsys) -> None:
    """Each section references the next twice: 2^29 paths to the last one in 800 bytes."""
    text = "".join(f"[a{i}]\nx = ${{a{i + 1}}}\ny = ${{a{i + 1}}}\n" for i in range(29)) + "[a29]\nv = 1\n"
    (tmp_path / "old.cfg").write_text(text, encoding="utf-8")
    (tmp_path / "new.cfg").write_text(text.replace("v = 1", "v = 2") + "[extra]\nz = 1\n", encoding="utf-8")
    result = limited(["diff", "--resolved", str(tmp_path / "old.cfg"), str(tmp_path / "old.cfg")], seconds=20)
    assert result.returncode == 0 and b"no differences" in result.stdout
    result = limited(["diff", "--resolved", "--format", "json", str(tmp_path / "old.cfg"),
                      str(tmp_path / "new.cfg")], seconds=60)
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["truncated"] and data["changes"][0]["path"].endswith(".v")


# -- reads bounded by what is read ------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["validate"], ["fmt"], ["resolve"], ["summary"], ["fill"], ["diff", "X"],
                                  ["build", "--vectors", "X", str(PIPELINE)]])
def test_fifos_and_devices_are_refused_not_read(argv, tmp_path) -> None:
    fifo = tmp_path / "pipe.cfg"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero"):
        words = [w.replace("X", target) for w in argv]
        result = limited(words if "build" in words else words + [target], seconds=30, memory=1 * GIB)
        assert result.returncode == 1, result.stderr.decode()[-2000:]
        assert b"not a regular file" in result.stderr + result.stdout


def test_standard_input_is_read_up_to_the_cap(tmp_path) -> None:
    """`cat /dev/zero | archwright resolve -` read until memory ran out."""
    with open("/dev/zero", "rb") as zeros:
        for argv in (["resolve", "-"], ["validate", "-"], ["fmt", "-"], ["fill", "-"]):
            result = subprocess.run([sys.executable, "-m", "archwright", *argv], stdin=zeros, capture_output=True,
                                    timeout=60, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB)),
                                    env={**os.environ, "PYTHONPATH": str(ROOT)})
            assert result.returncode == 1 and b"AW109" in result.stderr + result.stdout, (argv, result.stderr[-500:])


# -- fmt keeps the file as it was: links, owner, mode, line ends; no temporary file left --------------

UNFORMATTED = "[a]\nx  =  1\n\n\n[b]\ny=[1,2]\n"
FORMATTED = "[a]\nx = 1\n\n[b]\ny = [1, 2]\n"


def _fmt(path: Path, capsys, code: str = "") -> int:
    status, _, err = run_cli(capsys, "fmt", str(path))
    assert "AW114" not in err and code in err, err
    return status


def _leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".archwright-")]


def test_fmt_writes_through_a_symlink_to_its_target(tmp_path, capsys) -> None:
    target = tmp_path / "real" / "config.cfg"
    target.parent.mkdir()
    target.write_text(UNFORMATTED, encoding="utf-8")
    link = tmp_path / "link.cfg"
    link.symlink_to(target)
    assert _fmt(link, capsys) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == FORMATTED
    assert not _leftovers(tmp_path) and not _leftovers(target.parent)


def test_fmt_keeps_hard_links(tmp_path, capsys) -> None:
    first = tmp_path / "a.cfg"
    first.write_text(UNFORMATTED, encoding="utf-8")
    second = tmp_path / "b.cfg"
    os.link(first, second)
    assert _fmt(first, capsys) == 0
    assert os.stat(first).st_ino == os.stat(second).st_ino and os.stat(first).st_nlink == 2
    assert second.read_text(encoding="utf-8") == FORMATTED
    assert not _leftovers(tmp_path)


def test_fmt_keeps_the_mode(tmp_path, capsys) -> None:
    path = tmp_path / "a.cfg"
    path.write_text(UNFORMATTED, encoding="utf-8")
    os.chmod(path, 0o640)
    assert _fmt(path, capsys) == 0
    assert os.stat(path).st_mode & 0o7777 == 0o640 and path.read_text(encoding="utf-8") == FORMATTED


def test_fmt_keeps_the_owner_and_group(tmp_path, capsys, monkeypatch) -> None:
    """A file someone else owns: as root its owner is given back to the new file; otherwise (the
    owner cannot be given) it is rewritten in place, which keeps the owner too."""
    path = tmp_path / "a.cfg"
    path.write_text(UNFORMATTED, encoding="utf-8")
    if os.geteuid() == 0:
        os.chown(path, 12345, 23456)
        owner = (12345, 23456)
    else:  # a file archwright believes someone else owns, and cannot chown (as without root)
        monkeypatch.setattr(os, "geteuid", lambda: os.stat(path).st_uid + 1)
        owner = (os.stat(path).st_uid, os.stat(path).st_gid)
    assert _fmt(path, capsys) == 0
    info = os.stat(path)
    assert (info.st_uid, info.st_gid) == owner and path.read_text(encoding="utf-8") == FORMATTED
    assert not _leftovers(tmp_path)


def test_fmt_keeps_crlf_and_refuses_lone_crs(tmp_path, capsys) -> None:
    path = tmp_path / "windows.cfg"
    path.write_bytes(UNFORMATTED.replace("\n", "\r\n").encode())
    assert _fmt(path, capsys) == 0
    assert path.read_bytes() == FORMATTED.replace("\n", "\r\n").encode()
    lone = tmp_path / "mac.cfg"
    original = UNFORMATTED.replace("\n", "\r").encode()
    lone.write_bytes(original)
    assert _fmt(lone, capsys, "AW115") == 1
    assert lone.read_bytes() == original


def test_fmt_of_text_keeps_lone_crs_which_are_part_of_their_line() -> None:
    """confection's from_str reads `x = 1\\ry = 2` as one value: turning the CR into LF would make
    a second key."""
    import archwright
    from confection import Config

    text = "[a]\nx = 1\ry = 2\n"
    assert "\r" in archwright.fmt(text) and "\r" in archwright.fill(text)
    assert archwright.resolve(archwright.fmt(text)) == Config().from_str(text) == {"a": {"x": "1\ry = 2"}}


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL"])
def test_fmt_killed_while_writing_leaves_no_temporary_file(signal_name, tmp_path) -> None:
    import signal
    import time

    path = tmp_path / "a.cfg"
    path.write_text(UNFORMATTED, encoding="utf-8")
    marker = tmp_path / "writing"
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        # as in a terminal, where Ctrl+C reaches Python (a job started in the background of a
        # non-interactive shell, as CI may be, inherits SIGINT ignored)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        real = os.fsync
        def slow(fd):  # the temporary file is written: stop here until killed
            open({str(marker)!r}, "w").close()
            time.sleep(60)
        os.fsync = slow
        from archwright.cli import main
        sys.exit(main(["fmt", {str(path)!r}]))
        """)
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.05)
        assert _leftovers(tmp_path)  # the temporary file exists while it is written
        child.send_signal(getattr(signal, signal_name))
        code = child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert code != 0
    assert path.read_text(encoding="utf-8") == UNFORMATTED
    if signal_name == "SIGKILL":  # nothing runs after it: the temporary file stays, the config is whole
        assert len(_leftovers(tmp_path)) == 1
    else:
        assert not _leftovers(tmp_path)


# -- one budget: parameters and the largest activation, for every architecture ------------------------

def _tok2vec_config(encoder: str) -> str:
    return textwrap.dedent("""\
        [nlp]
        lang = "en"
        pipeline = ["tok2vec"]

        [components]

        [components.tok2vec]
        factory = "tok2vec"

        [components.tok2vec.model]
        """) + encoder


MISH_V1 = _tok2vec_config(textwrap.dedent("""\
    @architectures = "spacy.Tok2Vec.v1"

    [components.tok2vec.model.embed]
    @architectures = "spacy.MultiHashEmbed.v2"
    width = 4000
    attrs = ["NORM"]
    rows = [1000]
    include_static_vectors = false

    [components.tok2vec.model.encode]
    @architectures = "spacy.MishWindowEncoder.v1"
    width = 4000
    window_size = 3
    depth = 3
    """))


def _window(window_size: int) -> str:
    return _tok2vec_config(textwrap.dedent(f"""\
        @architectures = "spacy.HashEmbedCNN.v2"
        pretrained_vectors = null
        width = 1
        depth = 1
        embed_size = 20
        window_size = {window_size}
        maxout_pieces = 1
        subword_features = false
        """))


def test_a_name_that_had_no_expansion_is_held_to_the_budget(tmp_path) -> None:
    """spacy.MishWindowEncoder.v1 skipped the check: 384M parameters allocated against 100M."""
    path = tmp_path / "mish.cfg"
    path.write_text(MISH_V1, encoding="utf-8")
    result = limited(["build", str(path)], memory=2 * GIB)
    assert result.returncode == 1 and b"AW503" in result.stderr, result.stderr[-2000:]
    assert b"mish" in result.stderr and b":10:2:" in result.stderr  # at [components.tok2vec.model]


def test_a_model_without_an_expansion_is_not_built(tmp_path, monkeypatch) -> None:
    """A model archwright cannot size statically would allocate unchecked: refused (AW510)."""
    import archwright
    import dataclasses

    from archwright.compiler.registry import default_registry
    from archwright.compiler.thinc import BuildError

    from archwright.compiler import expr as x

    registry = default_registry()
    root = registry.get("architectures", "spacy.Tok2Vec.v1")
    # an expression with a dim only Thinc would know (None): built, it would be sized by the data alone
    unsized = dataclasses.replace(root, expression=lambda a: x.chain(
        a.sub("embed"), x.node("mish", dims={"nO": None, "nI": x.INFER})))
    monkeypatch.setitem(registry._cards, ("architectures", root.name), unsized)
    with pytest.raises(BuildError) as raised:
        archwright.build(MISH_V1.replace("width = 4000", "width = 8"))
    assert [d.code for d in raised.value.diagnostics] == ["AW510"]
    assert raised.value.diagnostics[0].span.line == 10
    # without an expression there is nothing to build, which building says (before allocating)
    monkeypatch.setitem(registry._cards, ("architectures", root.name), root)
    card = registry.get("architectures", "spacy.MishWindowEncoder.v1")
    monkeypatch.setitem(registry._cards, ("architectures", card.name), dataclasses.replace(card, expression=None))
    with pytest.raises(BuildError) as raised:
        archwright.build(MISH_V1.replace("width = 4000", "width = 8"))
    assert [(d.code, d.config_path) for d in raised.value.diagnostics] == [
        ("AW505", "components.tok2vec.model.encode")]
    assert "no builder for 'spacy.MishWindowEncoder.v1'" in raised.value.diagnostics[0].message


@pytest.mark.parametrize("window_size", [10_000, 4_000_000])
def test_activation_memory_is_in_the_budget(window_size, tmp_path) -> None:
    """A 20,022-parameter model with a 10,000-token window peaked at 3.4 GB; a 4,000,000 window
    asked numpy for 466 TiB. Both are refused before allocating, in a 1 GiB address space."""
    path = tmp_path / "window.cfg"
    path.write_text(_window(window_size), encoding="utf-8")
    result = limited(["build", str(path)], memory=GIB)
    assert result.returncode == 1 and b"AW503" in result.stderr, result.stderr[-2000:]
    assert b"sample forward pass would compute" in result.stderr


def test_the_budget_counts_the_text_of_the_forward_pass(capsys) -> None:
    import archwright
    from archwright.compiler.thinc import BuildError

    config = _window(1_000)
    assert archwright.build(config, max_params=10_000_000)  # a window of 1,000: 2,001 numbers per token
    with pytest.raises(BuildError, match="AW503"):
        archwright.build(config, max_params=10_000_000, forward=["word " * 10_000])


def test_the_explorers_budget_is_the_same_budget() -> None:
    from archwright.ui import run, views

    explored = views.explore(_window(5_000), {}, {}, "window.cfg")  # 200M numbers: over the explorer's 20M
    rows, notes = run.run_models(explored, "a sentence")
    assert rows == [] and any("sample forward pass would compute" in note for note in notes), notes


# -- Graphviz is given graphs it can draw, under a time and a memory limit ----------------------------

def test_a_graph_too_large_for_graphviz_is_refused(tmp_path, capsys) -> None:
    """A depth-10,000 encoder drawn as SVG: Graphviz crashed after ~40 s and so did the CLI."""
    path = edited(tmp_path, PIPELINE, "depth = 4", "depth = 10000")
    for suffix in ("svg", "png"):
        out = tmp_path / f"graph.{suffix}"
        code, _, err = run_cli(capsys, "graph", str(path), "-o", str(out), "--expand")
        assert code == 1 and "AW116" in err and "nodes" in err and not out.exists()
    # drawn collapsed (the default), the encoder is one residual block marked ×10000
    code, _, err = run_cli(capsys, "graph", str(path), "-o", str(tmp_path / "collapsed.svg"))
    assert code == 0 and "×10000" in (tmp_path / "collapsed.svg").read_text()
    code, _, err = run_cli(capsys, "graph", str(path), "-o", str(tmp_path / "graph.dot"), "--expand")
    assert code == 0 and (tmp_path / "graph.dot").stat().st_size > 1_000_000


def test_dot_runs_under_a_time_and_a_memory_limit(monkeypatch) -> None:
    import shutil

    from archwright.present import render

    if shutil.which("dot") is None:  # then nothing runs `dot`: it is refused with a message
        with pytest.raises(render.RenderError, match="not installed"):
            render.draw("digraph { a -> b }", "svg")
        return
    assert render.draw("digraph { a -> b }", "svg").lstrip().startswith(b"<?xml")
    monkeypatch.setattr(render, "DOT_SECONDS", 0.001)
    with pytest.raises(render.TooLargeToDraw, match="within"):
        render.draw("digraph { a -> b }", "svg")
    monkeypatch.setattr(render, "DOT_SECONDS", 60)
    monkeypatch.setattr(render, "DOT_MEMORY", 1024 * 1024)  # too little for `dot` to start
    with pytest.raises(render.RenderError):
        render.draw("digraph { a -> b }", "svg")


# -- only build reads what a config names ---------------------------------------------------------------

AUDIT = textwrap.dedent("""
    import json, sys
    opened = []
    def hook(event, args):
        if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
            opened.append(str(args[0]))
    sys.addaudithook(hook)
    from archwright.cli import main
    report = {}
    for argv in json.loads(sys.argv[1]):
        before = len(opened)
        try:
            main(argv)
        except SystemExit:
            pass
        report[" ".join(argv)] = opened[before:]
    print(json.dumps(report))
    """)


def test_no_command_but_build_opens_a_path_the_config_names(tmp_path) -> None:
    named = tmp_path / "NAMED"  # every path the configs name is under here
    (named / "model").mkdir(parents=True)
    (named / "model" / "config.json").write_text("{}", encoding="utf-8")
    (named / "kb").write_text("not a knowledge base", encoding="utf-8")
    linker = edited(tmp_path, ROOT / "examples" / "entity_linker.cfg", "kb_path = ${paths.kb}",
                    f'kb_path = "{named / "kb"}"', "linker.cfg")
    transformer = edited(tmp_path, TRANSFORMER, 'name = "roberta-base"', f'name = "{named / "model"}"', "trf.cfg")
    text = linker.read_text(encoding="utf-8")
    for key in ("train", "dev", "vectors", "init_tok2vec"):  # [paths] too
        text = text.replace(f"\n{key} = null", f'\n{key} = "{named / key}"', 1)
    linker.write_text(text, encoding="utf-8")
    commands = []
    for config in (str(linker), str(transformer)):
        commands += [["validate", config], ["resolve", config], ["summary", config],
                     ["graph", config, "-o", str(tmp_path / "g.json")], ["fmt", "--check", config],
                     ["diff", config, str(PIPELINE)], ["diff", "--resolved", config, config], ["fill", config],
                     ["build", config]]
    commands += [["list"], ["explain", "spacy.KBFromFile.v1"]]
    result = subprocess.run([sys.executable, "-c", AUDIT, json.dumps(commands)], capture_output=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    report = json.loads(result.stdout.decode().splitlines()[-1])
    reached = {argv: [p for p in paths if "NAMED" in p] for argv, paths in report.items()}
    assert reached.pop(f"build {transformer}"), "the hook must see build open the model directory"
    reached.pop(f"build {linker}")
    assert reached == {argv: [] for argv in reached}


# -- an override with an empty key -------------------------------------------------------------------------

def test_an_override_with_an_empty_key_is_reported_at_its_section(capsys) -> None:
    """`--components. 1`: confection writes ` = 1` into [components] and fails to read it back;
    archwright said "line 21 has no key" about text the user never sees, with no location."""
    code, out, _ = run_cli(capsys, "validate", str(PIPELINE), "--components.", "1")
    assert code == 1
    line = next(line for line in out.splitlines() if "AW103" in line)
    assert line.startswith(f"{PIPELINE}:26:2: error AW103: a line has no key") and "in [components]" in line


def test_json_nesting_is_read_as_confection_reads_it_whatever_the_recursion_room() -> None:
    """archwright raises the recursion limit for its walks; a value's JSON must still decode as
    in confection (991 levels a list, 992 a string), and fmt must not recurse past the limit."""
    import archwright
    from archwright.limits import recursion_room
    from confection import Config

    for levels, expected in ((900, list), (992, str), (3000, str)):
        text = "[a]\nx = " + "[" * levels + "]" * levels + "\n"
        assert type(Config().from_str(text)["a"]["x"]) is expected  # confection, at Python's own limit
        with recursion_room():
            assert type(archwright.resolve(text)["a"]["x"]) is expected
            assert archwright.fmt(text).startswith("[a]")


# -- the explorer shows no traceback for any of them ----------------------------------------------------

def _explorer():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "archwright" / "ui" / "app.py"), default_timeout=120)
    at.run()
    return at


def _shown(at) -> str:
    texts = [e.value for kind in ("error", "warning", "info", "markdown", "caption") for e in getattr(at, kind)]
    return "\n".join(str(t) for t in texts) + "".join(str(e.value) for e in at.exception)


@pytest.mark.parametrize("name, old, new", [
    ("quoted stride", "stride = 96", 'stride = "96"'),
    ("pipeline = 5", 'pipeline = ["transformer", "tagger", "ner"]', "pipeline = 5"),
    ("unknown argument", "@architectures = \"spacy-transformers.TransformerModel.v3\"",
     "@architectures = \"spacy-transformers.TransformerModel.v3\"\nwidth = -1"),
])
def test_the_explorer_shows_no_traceback_for_the_defects(name, old, new, monkeypatch) -> None:
    from archwright.ui import examples

    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    text = TRANSFORMER.read_text(encoding="utf-8")
    assert old in text
    at = _explorer()
    at.sidebar.radio(key="source").set_value("Paste text").run()
    at.sidebar.text_area(key="paste").input(text.replace(old, new, 1)).run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "Traceback" not in shown and "/work/" not in shown and str(ROOT) not in shown


def _v1_negative_width() -> str:
    return _tok2vec_config(V1_NEGATIVE_WIDTH)


# each defect of the issue the explorer can be given (pasted text), as a whole config
EXPLORED = {
    "v1 name with a negative width": _v1_negative_width,
    "name without an expansion, over the budget": lambda: MISH_V1,
    "window of 10,000 tokens": lambda: _window(10_000),
    "window of 4,000,000 tokens": lambda: _window(4_000_000),
    "depth-10,000 encoder": lambda: PIPELINE.read_text(encoding="utf-8").replace("depth = 4", "depth = 10000", 1),
    "nesting 400 deep": lambda: _nested(400),
    "600 chained references": lambda: _chain(600),
    "sections shared at every level": lambda: "".join(f"[a{i}]\nx = ${{a{i + 1}}}\ny = ${{a{i + 1}}}\n"
                                                        for i in range(29)) + "[a29]\nv = 1\n",
    "a section containing itself": lambda: PIPELINE.read_text(encoding="utf-8").replace(
        'pipeline = ["tok2vec", "tagger", "parser", "ner"]', "pipeline = ${nlp}", 1),
    "indented header": lambda: PIPELINE.read_text(encoding="utf-8").replace("[components]", "  [components]", 1),
    "lone carriage returns": lambda: PIPELINE.read_text(encoding="utf-8").replace("\n", "\r"),
}


@pytest.mark.parametrize("name", sorted(EXPLORED))
def test_the_explorer_shows_no_traceback_for_the_other_defects(name, monkeypatch) -> None:
    from archwright.ui import examples

    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    at = _explorer()
    at.sidebar.radio(key="source").set_value("Paste text").run()
    at.sidebar.text_area(key="paste").input(EXPLORED[name]()).run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "Traceback" not in shown and "AW114" not in shown and str(ROOT) not in shown, shown[-2000:]


def test_an_internal_error_in_the_explorer_is_aw114_without_a_traceback(monkeypatch) -> None:
    from archwright.ui import examples, explorer

    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)

    def faulty(*args, **kwargs):
        raise ZeroDivisionError(f"injected in {ROOT}")

    monkeypatch.setattr(explorer, "page", faulty)
    at = _explorer()
    assert not at.exception
    assert any("AW114" in e.value and "ZeroDivisionError" in e.value for e in at.error)
    assert str(ROOT) not in _shown(at)


# -- found by the fuzzer -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ['{"a": 1}', "[1]", "5"])
def test_a_factory_that_is_not_a_name_does_not_crash(value, tmp_path, capsys) -> None:
    path = edited(tmp_path, PIPELINE, 'factory = "tagger"', f"factory = {value}")
    for argv in (["validate", str(path)], ["summary", str(path)], ["fill", str(path)], ["build", str(path)],
                 ["graph", str(path), "-o", str(tmp_path / "g.json")]):
        code, out, err = run_cli(capsys, *argv)
        assert code in (0, 1) and "AW114" not in out + err, (argv, err[-2000:])


@pytest.mark.parametrize("key", ["frozen_components", "annotating_components"])
@pytest.mark.parametrize("value", ["5", "null", '"tagger"'])
def test_training_lists_that_are_not_lists_do_not_crash_the_layer_graph(key, value, tmp_path, capsys) -> None:
    path = edited(tmp_path, PIPELINE, f"{key} = []", f"{key} = {value}")
    for command in ("summary", "graph"):
        argv = [command, str(path)] + (["-o", str(tmp_path / "g.json")] if command == "graph" else [])
        code, out, err = run_cli(capsys, *argv)
        assert code in (0, 1) and "AW114" not in err, err[-2000:]


def test_dims_thinc_cannot_fit_together_are_a_diagnostic_not_a_traceback(tmp_path, capsys) -> None:
    """`nI = 5` where 128 numbers flow in: Thinc refuses to initialize (found by a sweep of bad values)."""
    text = (ROOT / "examples" / "spancat.cfg").read_text(encoding="utf-8")
    path = tmp_path / "spancat.cfg"
    path.write_text("\n".join("nI = 5" if line.startswith("nI =") else line for line in text.split("\n")),
                    encoding="utf-8")
    code, out, err = run_cli(capsys, "build", str(path))
    assert code == 1 and "AW505" in err and "Thinc cannot initialize component 'spancat'" in err


def test_fill_writes_a_new_file_with_the_mode_open_would_give_it(tmp_path, capsys) -> None:
    target = tmp_path / "filled.cfg"
    umask = os.umask(0o022)
    try:
        code, _, err = run_cli(capsys, "fill", str(PIPELINE), "-o", str(target))
    finally:
        os.umask(umask)
    assert code == 0 and os.stat(target).st_mode & 0o777 == 0o644, err


@pytest.mark.parametrize("example", ["spancat.cfg", "textcat_ensemble.cfg", "pipeline_cnn.cfg"])
def test_build_with_an_empty_text_is_refused_not_a_traceback(example, capsys) -> None:
    """Found by the long fuzzer: `build --text ""` crashed in Thinc's layers on a batch without tokens."""
    code, out, err = run_cli(capsys, "build", str(ROOT / "examples" / example), "--text", " ")
    assert code == 1 and "--text has no words" in err and "AW114" not in err


def test_features_of_an_empty_doc_have_one_column_per_attribute() -> None:
    from archwright.compiler.thinc._layers import extract_features
    from archwright.compiler.doc import Doc

    features = extract_features(["NORM", "PREFIX"]).predict([Doc([]), Doc(["a", "b"])])
    assert [f.shape for f in features] == [(0, 2), (2, 2)]


@pytest.mark.parametrize("options, code", [({"labels": {"tagger": {"n_labels": "x"}}}, "AW507"),
                                           ({"labels": {"tagger": 5}}, "AW507"),
                                           ({"labels": {"tagger": {"n_labels": -5}}}, "AW507"),
                                           ({"vectors": 5}, "AW506")])
def test_build_arguments_of_the_wrong_shape_are_diagnostics(options, code) -> None:
    import archwright
    from archwright.compiler.thinc import BuildError

    with pytest.raises(BuildError) as raised:
        archwright.build(PIPELINE, **options)
    assert [d.code for d in raised.value.diagnostics] == [code]
    with pytest.raises(TypeError, match="labels must be"):
        archwright.compile(PIPELINE, labels={"tagger": 5})


@pytest.mark.parametrize("where", ["file", "override"])
def test_a_setting_that_refers_to_its_own_section_does_not_crash(where, tmp_path, capsys) -> None:
    """Found by the pooled fuzzer: `pipeline = ${nlp}` makes [nlp] contain itself, and the check
    of [nlp]'s settings recursed without end (validate gave AW114)."""
    line = "pipeline = ${nlp}" if where == "file" else 'pipeline = ["tok2vec", "tagger", "parser", "ner"]'
    path = edited(tmp_path, PIPELINE, 'pipeline = ["tok2vec", "tagger", "parser", "ner"]', line)
    extra = ["--nlp.pipeline", "${nlp}"] if where == "override" else []
    code, out, err = run_cli(capsys, "validate", str(path), *extra)
    assert code == 1 and "AW305" in out and "`pipeline` of [nlp] must be a list of strings" in out, out[-2000:]
    for argv in (["summary", str(path)], ["build", str(path)], ["resolve", str(path)], ["fill", str(path)],
                 ["graph", str(path), "-o", str(tmp_path / "g.json")]):
        code, out, err = run_cli(capsys, *argv, *extra)
        assert code in (0, 1) and "AW114" not in out + err, (argv, err[-2000:])


def test_implied_sections_are_found_in_one_pass_over_the_nesting() -> None:
    """Found profiling the fuzzer's inputs: the sections only implied by a child's header were
    found by splitting every name at every level, cubic in the nesting (validate of 899 nested
    levels took 12 s). Same sections as that definition, on nested, shared and odd names."""
    from archwright.compiler.compilation import _ancestors, incomplete_sections
    from archwright.grammar.parser import parse

    def naive(names: set[str]) -> set[str]:
        return {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}

    samples = [set(), {"a"}, {"a.b.c"}, {"a.b.c", "a.b.d", "a"}, {"x..y", ".a", "a.", "a.b.c.d.e"},
               {".".join(f"s{j}" for j in range(i + 1)) for i in range(50)},
               {f"c.{i}.{j}" for i in range(10) for j in range(10)}]
    for names in samples:
        assert _ancestors(names) == naive(names), names
    tree, _ = parse(_nested(899).replace("[s0.s1.s2]", "[s0.s1.s2.s3.s4.x]", 1))
    assert incomplete_sections(tree) == {"s0.s1.s2"}


def test_the_language_server_refuses_a_rename_without_calling_it_an_internal_error() -> None:
    """Found by the fuzzer's `lsp` inputs: `guarded` turned every exception into "archwright:
    internal error", also the protocol's own answers (a rename to a name already taken). And
    each request has the recursion room `archwright lsp` gives, whoever calls the handler."""
    from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

    from archwright.limits import MAX_NESTING
    from archwright.lsp.server import guarded

    class Editor:
        messages: list[str] = []

        def log(self, message, kind=None) -> None:
            self.messages.append(message)

    def refuse(ls, params):
        raise JsonRpcInvalidParams("[system] already has `seed`; pick another name")

    def fail(ls, params):
        raise KeyError("x")

    def deep(ls, params, level=0):
        return level if level == 3 * MAX_NESTING else deep(ls, params, level + 1)

    editor = Editor()
    with pytest.raises(JsonRpcInvalidParams, match="already has"):
        guarded(refuse)(editor, None)
    assert editor.messages == []
    with pytest.raises(JsonRpcInternalError, match="internal error: KeyError"):
        guarded(fail)(editor, None)
    assert len(editor.messages) == 1
    assert guarded(deep)(editor, None) == 3 * MAX_NESTING


def test_the_outline_finds_each_sections_end_by_binary_search() -> None:
    """Found by the fuzzer's `lsp` inputs: the outline scanned every header for every section
    (quadratic: seconds for a config of thousands of sections). The same ends as the scan."""
    from archwright.lsp.document import Document

    text = "# top\n" + "".join(f"[s{i}]\n" + "k = 1\n" * (i % 3) + "\n" * (i % 2) for i in range(40))
    document = Document("file:///x.cfg", text)
    ordered = document._ordered
    for i, section in enumerate(ordered):
        expected = ordered[i + 1].header_span.line - 1 if i + 1 < len(ordered) else len(document.lines.lines)
        assert document.section_end(section) == expected
    for line in range(1, len(document.lines.lines) + 2):
        above = [s for s in ordered if s.header_span.line <= line]
        assert document.section_at(line) is (above[-1] if above else None)


def test_descend_stops_where_the_path_leaves_the_dicts() -> None:
    from archwright.compiler.values import descend

    tree = {"a": {"b": {"c": 1}, "l": [1]}}
    assert descend(tree, ("a", "b", "c")) == 1 and descend(tree, ()) is tree
    assert descend(tree, ("a", "l", "x")) is None and descend(tree, ("a", "b", "c", "d")) is None
    assert descend(5, ()) == 5 and descend(5, ("x",)) is None
    assert descend(tree, iter(["a", "zz"] + ["q"] * 100)) is None


def test_a_hover_on_a_reference_to_an_exponential_value_is_cut_before_it_is_written(tmp_path) -> None:
    """Found by the fuzzer's `lsp` inputs: sections shared at every level (2^24 paths in 650
    bytes) were written out whole as JSON, then cut to the hover's 600 characters: a MemoryError.
    In a child with a 2 GiB address space."""
    text = "".join(f"[a{i}]\nx = ${{a{i + 1}}}\ny = ${{a{i + 1}}}\n" for i in range(24)) + "[a24]\nv = 1\n"
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({2 * GIB}, {2 * GIB}))
        from lsprotocol import types
        from archwright.lsp import hover
        from archwright.lsp.document import Document
        document = Document("file:///shared.cfg", {text!r}, encoding="utf-32")
        answer = hover.hover(document, types.Position(1, 6))
        print(len(answer.contents.value))
        print(answer.contents.value)
        """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    size, shown = result.stdout.split("\n", 1)
    assert int(size) < 1000 and "[a1]" in shown and "\"x\": {" in shown and "…\n```" in shown


def test_a_resolved_path_through_references_is_located_without_joining_all_its_prefixes() -> None:
    """Found by the final long run (seed 1962518020, input 14735: api.diff of a 400-link chain
    and a mutation of it, killed at 20 s of CPU): each change's line was found by joining every
    prefix of its resolved path (`c399.prev.prev...`, 400 parts), cubic in all. Only prefixes as
    deep as the deepest section name can be written; the spans found are the full index's."""
    from archwright.compiler.resolve import resolve
    from archwright.grammar.parser import parse

    for text in (_chain(120), _nested(60), PIPELINE.read_text(encoding="utf-8")):
        resolved, _ = resolve(parse(text)[0])
        spans = resolved.spans
        paths, stack = [], [((), resolved.data)]
        while stack and len(paths) < 20_000:
            where, node = stack.pop()
            paths.append(where)
            if isinstance(node, dict):
                stack.extend((where + (str(k),), v) for k, v in node.items())
        paths += [("nope",), ("c3", "prev", "nope", "x"), ()]
        assert len(paths) > 100
        def in_index(path):  # the longest prefix with a value or section span, from the whole index
            for end in range(len(path), 0, -1):
                span = spans.values.get(path[:end]) or spans.sections.get(path[:end])
                if span is not None:
                    return span
            return None

        for path in paths:
            assert spans.find(path) == in_index(path), path
    # and the work is bounded by the deepest section name, not by the path (found again by the
    # fuzzer after the two speed-ups of find met: seed 801453874, input 21986, 26 s of CPU)
    spans = resolve(parse(_chain(400))[0])[0].spans
    looked: list = []

    class Counting(dict):
        def get(self, key, default=None):
            looked.append(key)
            return super().get(key, default)

    spans._sections = Counting(spans._sections)
    assert spans.find(("c399",) + ("prev",) * 399 + ("x",)) is not None
    assert len(looked) <= 3, len(looked)
