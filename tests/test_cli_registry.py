"""`archwright list`, `archwright explain`, `--code`, the pre-commit hooks and the bundled examples:
every card is listed and explained, a user's cards come only from an explicit --code file (a
config never causes an import), and every example validates clean (and loads in spaCy)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli

import archwright
from archwright import cli
from archwright.compiler.architectures import FAMILIES, SPEC_CARDS, TITLES
from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ALL_EXAMPLES = sorted(EXAMPLES.rglob("*.cfg"))
PIPELINE_EXAMPLES = sorted(EXAMPLES.glob("*.cfg"))  # whole training configs (architectures/ holds blocks)
NEEDS_PLUGIN = {"transformer.cfg"}  # spacy-transformers is not a dependency
SCRIPT = ROOT / "scripts" / "write_architecture_examples.py"
README = (ROOT / "README.md").read_text(encoding="utf-8")

CUSTOM_CARD = '''
from archwright import Arg, Card, register

register(Card(
    "my_project.Classifier.v1", "architectures",
    (Arg("tok2vec", "Model[List[Doc], List[Floats2d]]", doc="Gives each token a vector."),
     Arg("hidden_width", "int", 128, gt=0, recommended=(32, 512), doc="Width of the hidden layer."),
     Arg("dropout", "float", 0.1, ge=0, lt=1, doc="Dropout rate.")),
    returns="Model[List[Doc], Floats2d]", family="textcat",
    doc="My project's classifier.",
    example='[model]\\n@architectures = "my_project.Classifier.v1"\\nhidden_width = 64\\n'))
'''
USES_CUSTOM = '''[model]
@architectures = "my_project.Classifier.v1"
hidden_width = {width}
dropout = 0.2

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
'''


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    monkeypatch.delenv("SPACY_CONFIG_OVERRIDES", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


run = run_cli


def unique_cards():
    return {(c.registry, c.name): c for c in default_registry().cards()}


# -- list --------------------------------------------------------------------------------------

def test_list_shows_every_card_with_families_in_the_specs_order(capsys):
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    listed = {line.split()[0] for line in lines if line.startswith("  ")}
    assert {name for _, name in unique_cards()} <= listed
    titles = [TITLES[module.FAMILY] for module in FAMILIES]
    assert titles == ["Tok2Vec", "Transformers", "Pretraining", "Parser & NER", "Tagging",
                      "Text classification", "Span classification", "Entity linking", "Layers"]
    positions = [lines.index(title) for title in titles]
    assert positions == sorted(positions)
    assert positions[0] == 0
    # the other registries come after the spec's families
    assert lines.index("@readers") > positions[-1] and lines.index("@batchers") < lines.index("@readers")
    # every card under its family heading, marked as spec / legacy
    heading = ""
    for line in lines:
        if line and not line.startswith("  "):
            heading = line
        elif line.startswith("  spacy.TextCatEnsemble.v1 "):
            assert heading == "Text classification"
            assert "spec" in line and "legacy" in line
        elif line.startswith("  spacy.Tok2Vec.v2 "):
            assert heading == "Tok2Vec" and "spec" in line and "legacy" not in line
        elif line.startswith("  spacy.Corpus.v1"):
            assert heading == "@readers"
        elif line.startswith("  spacy-legacy.Tok2Vec.v1 "):
            assert heading == "@architectures" and line.split(None, 1)[1].startswith("legacy, from spacy-legacy ")
    assert lines[-1].startswith(f"{len(unique_cards())} functions (")


def test_list_json_has_every_card_once_in_order(capsys):
    code, out, err = run(capsys, "list", "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    functions = [(f["registry"], f["name"]) for g in data["groups"] for f in g["functions"]]
    assert len(functions) == len(set(functions))
    assert set(functions) == set(unique_cards())
    families = [g["family"] for g in data["groups"] if g["family"] in TITLES]
    assert families == [module.FAMILY for module in FAMILIES]
    kinds = ["family" if g["family"] else "registry" for g in data["groups"]]
    assert kinds == sorted(kinds)  # all families, then all registries
    spec = [f for g in data["groups"] for f in g["functions"] if f["in_spec"]]
    assert {(f["registry"], f["name"]) for f in spec} == {(c.registry, c.name) for c in SPEC_CARDS if c.in_spec}
    ensemble_v1 = next(f for f in spec if f["name"] == "spacy.TextCatEnsemble.v1")
    assert ensemble_v1["legacy"] and ensemble_v1["aliases"] == ["spacy-legacy.TextCatEnsemble.v1"]
    assert data["summary"]["functions"] == len(functions)


def test_list_one_registry(capsys):
    code, out, _ = run(capsys, "list", "--registry", "@readers", "--format", "json")
    assert code == 0
    names = [f["name"] for g in json.loads(out)["groups"] for f in g["functions"]]
    assert names == default_registry().names("readers")
    code, out, err = run(capsys, "list", "--registry", "layrs")
    assert code == 1 and out == ""
    assert "AW303" in err and "did you mean layers?" in err


# -- explain -----------------------------------------------------------------------------------

def test_explain_shows_arguments_bounds_returns_and_example(capsys):
    card = default_registry().get("architectures", "spacy.HashEmbedCNN.v2")
    code, out, err = run(capsys, "explain", card.name)
    assert (code, err) == (0, "")
    assert out.startswith("spacy.HashEmbedCNN.v2 (@architectures; Tok2Vec; spec card)\n")
    table = out.split("Arguments:\n", 1)[1].split("\n\n", 1)[0]
    rows = {line.split()[0]: line for line in table.splitlines()}
    for arg in card.args:
        assert arg.annotation in rows[arg.name] and arg.doc in rows[arg.name]
    assert re.search(r"^  width\s+int\s+required\s+> 0\s+64 to 300\s+Width of the input", out, re.M)
    assert re.search(r"^  window_size\s+int\s+required\s+>= 0\s+1 to 3\s", out, re.M)
    assert f"Returns: {card.returns}\n" in out
    example = out.split("Example:\n", 1)[1]
    assert example == "".join(f"  {line}\n" if line else "\n" for line in card.example.splitlines())


def test_explain_shows_defaults_and_upper_bounds(capsys):
    code, out, _ = run(capsys, "explain", "spacy.StaticVectors.v2")
    assert code == 0
    assert re.search(r'^  key_attr\s+str\s+"ORTH"\s', out, re.M)
    assert re.search(r"^  dropout\s+Optional\[float\]\s+null\s+>= 0, < 1\s", out, re.M)


def test_explain_json(capsys):
    code, out, _ = run(capsys, "explain", "spacy.TorchBiLSTMEncoder.v1", "--format", "json")
    assert code == 0
    (card,) = json.loads(out)["cards"]
    assert card["registry"] == "architectures" and card["in_spec"] and card["family_title"] == "Tok2Vec"
    dropout = next(a for a in card["args"] if a["name"] == "dropout")
    assert (dropout["ge"], dropout["lt"], dropout["gt"], dropout["le"]) == (0, 1, None, None)
    assert card["example"] == default_registry().get("architectures", card["name"]).example


def test_explain_legacy_alias(capsys):
    code, out, _ = run(capsys, "explain", "spacy-legacy.Tagger.v1")
    assert code == 0
    assert out.startswith("spacy.Tagger.v1 (@architectures; Tagging; spec card)\nalso registered as "
                          "spacy-legacy.Tagger.v1\n")


def test_explain_a_typo_suggests_the_name(capsys):
    code, out, err = run(capsys, "explain", "spacy.HashEmbedCNN.v3")
    assert (code, out) == (1, "")
    assert err == ("<command line>: error AW304: `spacy.HashEmbedCNN.v3` is not a registered function\n"
                   '  hint: did you mean "spacy.HashEmbedCNN.v2" (@architectures)?\n')
    code, _, err = run(capsys, "explain", "spacy.Corpus.v2")
    assert code == 1 and 'did you mean "spacy.Corpus.v1" (@readers)?' in err
    code, _, err = run(capsys, "explain", "spacy.Tok2Vec.v2", "--registry", "layers")
    assert code == 1 and "not a @layers function" in err and '"spacy.Tok2Vec.v2" (@architectures)' in err
    code, _, err = run(capsys, "explain", "nothing.like.this")
    assert code == 1 and "archwright list" in err


def test_explain_a_name_in_several_registries_shows_each(capsys, registry, tmp_path):
    plugin = tmp_path / "twice.py"
    plugin.write_text(textwrap.dedent('''
        from archwright import Arg, Card, register
        for reg in ("architectures", "layers"):
            register(Card("my_project.Both.v1", reg, (Arg("width", "int", 64, gt=0),), "Model[Floats2d, Floats2d]"))
    '''), encoding="utf-8")
    code, out, _ = run(capsys, "explain", "my_project.Both.v1", "--code", str(plugin))
    assert code == 0
    assert out.count("my_project.Both.v1 (@") == 2 and "(@architectures)" in out and "(@layers)" in out
    code, out, _ = run(capsys, "explain", "my_project.Both.v1", "--code", str(plugin), "--registry", "layers",
                       "--format", "json")
    assert code == 0 and [c["registry"] for c in json.loads(out)["cards"]] == ["layers"]


def test_list_and_explain_refuse_overrides(capsys):
    code, out, err = run(capsys, "list", "--training.max_epochs", "3")
    assert code == 1 and out == "" and "only apply to `validate` and `resolve`" in err


# -- --code ------------------------------------------------------------------------------------

def test_public_api_exports_the_registration_tools():
    for name in ("register", "Card", "Arg"):
        assert name in archwright.__all__ and hasattr(archwright, name)


def test_code_registers_a_card_that_configs_can_then_use(capsys, registry, tmp_path):
    plugin = tmp_path / "my_cards.py"
    plugin.write_text(CUSTOM_CARD, encoding="utf-8")
    good = tmp_path / "good.cfg"
    good.write_text(USES_CUSTOM.format(width=64), encoding="utf-8")
    bad = tmp_path / "bad.cfg"
    bad.write_text(USES_CUSTOM.format(width=0), encoding="utf-8")

    code, out, _ = run(capsys, "validate", str(good), "--format", "json")  # no card: only a warning
    assert code == 0
    assert [d["code"] for d in json.loads(out)["files"][0]["diagnostics"]] == ["AW352"]
    assert run(capsys, "validate", str(good), "--strict")[0] == 1

    code, out, err = run(capsys, "validate", "--code", str(plugin), str(good), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["files"][0]["diagnostics"] == []
    code, out, _ = run(capsys, "validate", str(bad), "--code", str(plugin), "--format", "json")
    assert code == 1
    assert [d["code"] for d in json.loads(out)["files"][0]["diagnostics"]] == ["AW307"]

    code, out, _ = run(capsys, "explain", "my_project.Classifier.v1", "--code", str(plugin))
    assert code == 0 and out.startswith("my_project.Classifier.v1 (@architectures; Text classification)\n")
    assert re.search(r"^  hidden_width\s+int\s+128\s+> 0\s+32 to 512\s", out, re.M)
    code, out, _ = run(capsys, "list", "--code", str(plugin))
    section = out.split("Text classification\n", 1)[1].split("\n\n", 1)[0]
    assert "  my_project.Classifier.v1 " in section


@pytest.mark.parametrize("content, problem", [  # card files (they import archwright) are imported
    ('import archwright\nraise RuntimeError("boom")\n', "RuntimeError: boom"),
    ("def broken(:\n", "SyntaxError: "),
    ("import archwright\nimport archwright_no_such_module_xyz\n",
     "ModuleNotFoundError: No module named 'archwright_no_such_module_xyz'"),
    ("from archwright import register\nimport sys\nsys.exit(3)\n", "the file called exit(3)"),
])
def test_code_that_fails_to_import_is_a_clear_error(capsys, registry, tmp_path, content, problem):
    plugin = tmp_path / "plugin.py"
    plugin.write_text(content, encoding="utf-8")
    config = tmp_path / "a.cfg"
    config.write_text("[a]\nb = 1\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", "--code", str(plugin), str(config))
    assert (code, out) == (1, "")
    assert err.startswith(f"archwright: cannot load --code {plugin}: {problem}")
    assert err.count("\n") == 1  # one line, no traceback


def test_code_that_is_missing_or_not_python(capsys, registry, tmp_path):
    code, _, err = run(capsys, "list", "--code", str(tmp_path / "nope.py"))
    assert code == 1 and err == f"archwright: cannot load --code {tmp_path / 'nope.py'}: no such file\n"
    config = tmp_path / "a.cfg"
    config.write_text("[a]\nb = 1\n", encoding="utf-8")
    code, _, err = run(capsys, "explain", "spacy.Tok2Vec.v2", "--code", str(config))
    assert code == 1 and "not a Python file" in err


def test_a_config_never_causes_an_import(tmp_path):
    """A config naming module paths gets AW304/AW352 and imports nothing (checked in a fresh
    interpreter, after a warm-up run through the same code paths)."""
    marker = tmp_path / "imported"
    (tmp_path / "aw_trap_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef build(*args, **kwargs):\n    return None\n", encoding="utf-8")
    trap = tmp_path / "trap.cfg"
    trap.write_text(textwrap.dedent('''
        [model]
        @architectures = "os.system"

        [other]
        @architectures = "aw_trap_module.build"

        [more]
        @layers = "aw_trap_module"
        command = "touch pwned"

        [last]
        @misc = "xml.dom.minidom.parseString"
    '''), encoding="utf-8")
    warm = tmp_path / "warm.cfg"
    warm.write_text('[model]\n@architectures = "somewhere.else"\n\n[x]\n@misc = "spacy.Nothing.v9"\n', encoding="utf-8")
    script = textwrap.dedent(f'''
        import contextlib, io, json, sys
        from archwright.cli import main
        import archwright
        with contextlib.redirect_stdout(io.StringIO()):
            main(["validate", {str(warm)!r}, "--format", "json"])
        archwright.validate(open({str(warm)!r}).read())
        before = set(sys.modules)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["validate", {str(trap)!r}, "--format", "json"])
        codes = [d["code"] for d in json.loads(out.getvalue())["files"][0]["diagnostics"]]
        archwright.validate(open({str(trap)!r}).read())
        print(json.dumps({{"code": code, "codes": codes, "new": sorted(set(sys.modules) - before)}}))
    ''')
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                            cwd=tmp_path, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["new"] == []
    assert not marker.exists() and not (tmp_path / "pwned").exists()
    assert len(report["codes"]) == 4 and set(report["codes"]) <= {"AW304", "AW352"}
    assert report["code"] == 0  # AW352 is a warning: spaCy may know the name from the user's code


# -- pre-commit ---------------------------------------------------------------------------------

def test_pre_commit_hooks():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = [dict(re.findall(r"^\s+(\w+): (.*)$", "  " + block, re.M))
             for block in re.split(r"^- ", text, flags=re.M)[1:]]
    assert [h["id"] for h in hooks] == ["archwright-validate", "archwright-validate-strict", "archwright-fmt"]
    assert [h["entry"] for h in hooks] == ["archwright validate", "archwright validate --strict",
                                           "archwright fmt --check --diff"]
    assert all(h["language"] == "python" and h["files"] == r"\.cfg$" for h in hooks)
    assert "- id: archwright-validate\n" in README and "rev: v0.1.0" in README


# -- the README's list / explain / --code outputs are real --------------------------------------

def _console_blocks() -> list[tuple[list[str], str]]:
    """(argv, expected output) of each README console command of list, explain or --code."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", README, re.S):
        for command, output in re.findall(r"^\$ archwright (.*)\n((?:(?!\$ ).*\n)*)", body, re.M):
            if command.split()[0] in ("list", "explain") or "--code" in command:
                blocks.append((command.split(), output))
    return blocks


def _matches(expected: str, actual: str) -> bool:
    """A "..." line stands for any number of lines that were left out."""
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n"
                      for line in expected.splitlines())
    return re.fullmatch(pattern, actual) is not None


def test_readme_console_blocks_are_what_archwright_prints(capsys, registry, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = _console_blocks()
    assert {argv[0] for argv, _ in blocks} >= {"list", "explain", "validate"}
    for argv, expected in blocks:
        _, out, err = run(capsys, *argv)
        assert _matches(expected, out + err), f"README block for `archwright {' '.join(argv)}` differs"


# -- examples ----------------------------------------------------------------------------------

def _script():
    spec = importlib.util.spec_from_file_location("write_architecture_examples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_architecture_examples_are_what_the_script_writes():
    files = _script().example_files()
    written = {p.name: p.read_text(encoding="utf-8") for p in (EXAMPLES / "architectures").glob("*.cfg")}
    assert sorted(written) == sorted(files), "run scripts/write_architecture_examples.py"
    for name, text in files.items():
        assert written[name] == text, f"examples/architectures/{name} is stale: run the script"
    assert set(files) == {f"{card.name}.cfg" for card in SPEC_CARDS}  # every declared card, the spec's too
    assert {f"{card.name}.cfg" for card in SPEC_CARDS if card.in_spec} < set(files)
    for card in SPEC_CARDS:
        if card.in_spec:
            text = files[f"{card.name}.cfg"]
            assert text.startswith(f"# {card.name} (@{card.registry}, ") and text.endswith(card.example)


def test_examples_validate_with_the_command(capsys):
    code, out, _ = run(capsys, "validate", str(EXAMPLES), "--format", "json")
    data = json.loads(out)
    assert data["summary"]["files"] == len(ALL_EXAMPLES) > 30
    assert code == 0 and data["summary"]["errors"] == 0


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_has_no_errors(path: Path):
    errors = [f"{d.code} {d.span}: {d.message}" for d in Compilation(path).diagnostics if d.is_error]
    assert errors == []


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_has_no_warnings(path: Path):
    warnings = [f"{d.code} {d.span}: {d.message}" for d in Compilation(path).diagnostics if not d.is_error]
    assert warnings == []


def test_every_pipeline_example_says_what_it_does():
    for path in PIPELINE_EXAMPLES:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name} needs a header comment"


@pytest.mark.parametrize("path", [p for p in PIPELINE_EXAMPLES if p.name not in NEEDS_PLUGIN], ids=lambda p: p.name)
def test_spacy_loads_the_pipeline_example(path: Path, tmp_path):
    pytest.importorskip("spacy")
    from spacy.schemas import ConfigSchemaInit, ConfigSchemaPretrain, ConfigSchemaTraining
    from spacy.util import load_config, load_model_from_config, registry

    nlp = load_model_from_config(load_config(path), auto_fill=True, validate=True)
    assert nlp.pipe_names == load_config(path)["nlp"]["pipeline"]
    # the training, initialization and pretraining settings resolve as `spacy train/pretrain` resolve them
    filled = nlp.config.interpolate()
    registry.resolve(filled["training"], schema=ConfigSchemaTraining)
    registry.resolve(filled["initialize"], schema=ConfigSchemaInit)
    if filled.get("pretraining"):
        registry.resolve(filled["pretraining"], schema=ConfigSchemaPretrain)


def test_transformer_example_names_only_known_functions():
    from confection import Config

    config = Config().from_disk(EXAMPLES / "transformer.cfg", interpolate=True)
    data = json.loads((ROOT / "archwright" / "compiler" / "data" / "spacy_registry.json").read_text("utf-8"))
    named: list[tuple[str, str]] = []

    def walk(node):
        if isinstance(node, dict):
            named.extend((k[1:], v) for k, v in node.items() if k.startswith("@"))
            for value in node.values():
                walk(value)

    walk(config)
    assert ("architectures", "spacy-transformers.TransformerModel.v3") in named
    assert named.count(("architectures", "spacy-transformers.TransformerListener.v1")) == 2
    assert named.count(("layers", "reduce_mean.v1")) == 2
    for registry_name, name in named:
        known = data["registries"].get(registry_name, {})
        assert name in known or (registry_name, name) in {(c.registry, c.name) for c in default_registry().cards()}, \
            f"@{registry_name} = {name!r} is unknown"
    for component in config["components"].values():
        assert component["factory"] in data["factories"]
