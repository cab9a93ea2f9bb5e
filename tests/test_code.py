"""A project's own code, read statically: `--code FILE.py`, installed packages' entry points, the
rule for a name nobody registers, and the plugin registry data.

tests/code/functions.py spells every registration the reader knows; spaCy itself imports it in a
differential test, archwright never does (an audit hook proves it).
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from archwright.compiler.code_reader import read_file, read_source
from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import (REQUIRED, UNREAD, OpenSettings, _plugin_data, _versioned, clean_name,
                                         default_registry, edit_distance, typo_of)
from conftest import ROOT, run_cli

CODE = Path(__file__).parent / "code"
FUNCTIONS = CODE / "functions.py"


def _cards():
    reading = read_file(str(FUNCTIONS), default_registry())
    return {(c.registry, c.name): c for c in reading.cards}, reading


# -- the reader ---------------------------------------------------------------------------------

def test_every_spelling_of_a_registration_is_read():
    cards, reading = _cards()
    assert set(cards) == {
        ("architectures", "test.Classifier.v1"),     # @spacy.registry.architectures
        ("misc", "test.aliased_module.v1"),          # import spacy as sp; @sp.registry.misc
        ("readers", "test.util_registry.v1"),        # from spacy.util import registry
        ("layers", "test.thinc_layer.v1"),           # from thinc.api import registry as ...
        ("callbacks", "test.assigned_alias.v1"),     # reg = spacy.registry
        ("architectures", "test.register_call.v1"),  # registry.architectures.register(..., func=)
        ("architectures", "test.curried.v1"),        # registry.architectures("...")(plain)
        ("architectures", "test.ComposedTok2Vec.v1"), ("architectures", "test.ComposedByName.v1"),
        ("architectures", "test.ChainedEncoder.v1"),
    }
    assert set(reading.factories) == {"test_component", "test_doc_function"}
    assert set(reading.languages) == {"test_lang"}
    # a name built at run time is a note, never a guessed card
    assert [n.line for n in reading.notes if "built at run time" in n.message] == [76]


def test_a_card_has_the_signature_types_defaults_and_docstring():
    cards, _ = _cards()
    card = cards[("architectures", "test.Classifier.v1")]
    assert [(a.name, a.annotation, a.default) for a in card.args] == [
        ("tok2vec", "Model[List[Doc], List[Floats2d]]", REQUIRED), ("hidden_width", "int", 64),
        ("dropout", "float", 0.1), ("nO", "Optional[int]", None)]
    assert card.returns == "Model[List[Doc], Floats2d]"
    assert card.returns_type.is_model
    assert card.doc == "A classifier over token vectors."
    assert card.source == f"{FUNCTIONS}:22"
    assert cards[("misc", "test.aliased_module.v1")].open_keywords  # **kwargs
    positional = cards[("callbacks", "test.assigned_alias.v1")].positional
    assert positional is not None and positional.name == "layers"


def test_a_factory_has_its_settings_default_config_and_score_weights():
    _, reading = _cards()
    factory = reading.factories["test_component"]
    assert factory.default_config == {"threshold": 0.5, "model": {"@architectures": "test.Classifier.v1"},
                                      "label": "X"}
    assert factory.settings == {"model": "Model", "threshold": "float", "label": "str"}
    assert factory.score_weights == {"test_f": 1.0, "test_p": 0.0}
    assert reading.factories["test_doc_function"].settings == {}


def test_what_cannot_be_read_is_a_note():
    reading = read_source(textwrap.dedent('''
        import spacy
        from spacy.language import Language
        DEFAULTS = {"a": 1}

        @spacy.registry.misc("x.v1")
        def x(size=len("abc")):
            pass

        @Language.factory("y", default_config=DEFAULTS)
        def y(nlp, name, a: int):
            pass
    '''), default_registry(), "code.py")
    card = reading.cards[0]
    assert card.args[0].default is UNREAD and not card.args[0].required
    assert [n.message for n in reading.notes] == [
        'the default of `size` (len(\'abc\')) is computed at run time',
        "the default_config of the factory `y` is computed at run time; archwright does not know its defaults"]
    assert reading.factories["y"].default_config == {}


def test_the_reader_finds_what_spacy_registers_when_it_runs_the_file(tmp_path, registry):
    """Differential: spaCy imports the file (as `spacy train --code` does) and reports what it
    registered; the static reading must find the same names and signatures."""
    script = textwrap.dedent(f'''
        import inspect, json
        import spacy
        from spacy.language import Language
        from spacy.util import import_file, registry
        import_file("functions", {str(FUNCTIONS)!r})
        out = {{"cards": {{}}, "factories": {{}}, "languages": []}}
        for reg, name in {[list(k) for k in _cards()[0]]!r}:
            function = getattr(registry, reg).get(name)
            params = [[p.name, None if p.default is p.empty else p.default]
                      for p in inspect.signature(function).parameters.values() if p.kind is not p.VAR_KEYWORD]
            out["cards"][reg + " " + name] = params
        from thinc.api import Config
        nlp = spacy.blank("en")
        out["composed"] = {{}}
        for name in ("test.ComposedTok2Vec.v1", "test.ChainedEncoder.v1"):
            model = registry.resolve(Config({{"m": {{"@architectures": name, "width": 64}}}}))["m"]
            model.initialize(X=[nlp("Alice moved to Berlin.")])
            out["composed"][name] = [sum(p.size for node in model.walk() for p in map(node.get_param, node.param_names)),
                                     [node.name for node in model.walk()]]
        for name in ["test_component", "test_doc_function"]:
            meta = Language.get_factory_meta(name)
            out["factories"][name] = [dict(meta.default_config), dict(meta.default_score_weights)]
        out["languages"] = ["test_lang"] if "test_lang" in registry.languages else []
        print(json.dumps(out))
    ''')
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    spacy = json.loads(result.stdout.strip().splitlines()[-1])
    cards, reading = _cards()
    for (registry, name), card in cards.items():
        theirs = spacy["cards"][f"{registry} {name}"]
        ours = [[a.name, None if a.required or a.kind == "positional" else a.default] for a in card.args]
        assert ours == theirs, name
    for name, (default_config, weights) in spacy["factories"].items():
        factory = reading.factories[name]
        assert default_config.items() <= factory.default_config.items()
        assert factory.score_weights == weights
    assert spacy["languages"] == ["test_lang"]
    for name, (params, layers) in spacy["composed"].items():
        _composed_counts_are_spacys(name, params, layers)


def _composed_counts_are_spacys(name: str, params: int, layers: list[str]) -> None:
    """A card whose body is a known composition (spaCy's Tok2Vec of MultiHashEmbed and
    MaxoutWindowEncoder, or Thinc's chain of them, called with the card's own arguments) has
    spaCy's shapes: the static count, archwright's built model and spaCy's model agree."""
    from archwright import compile as compile_config
    from archwright.compiler.thinc import build, sum_params
    from archwright.compiler.code_reader import register
    from archwright.compiler.graph import summary
    from archwright.compiler.registry import default_registry

    register(read_file(str(FUNCTIONS), default_registry()), default_registry())
    config = ('[nlp]\nlang = "en"\npipeline = ["tok2vec"]\n\n[components]\n\n[components.tok2vec]\n'
              f'factory = "tok2vec"\n\n[components.tok2vec.model]\n@architectures = "{name}"\nwidth = 64\n')
    static = summary(compile_config(config).graph)["components"]["tok2vec"]
    built = build(config)["tok2vec"]
    assert static["params"] == sum_params(built) == params, name
    assert static["output_width"] == 64 and static["receptive_field"] in (9, 5)
    assert [node.name for node in built.walk()] == layers


# -- configs that use the code ------------------------------------------------------------------

PIPELINE = '''
[nlp]
lang = "{lang}"
pipeline = ["tok2vec", "classifier", "doc_function"]

[components]

[components.tok2vec]
factory = "tok2vec"

[components.classifier]
factory = "test_component"
threshold = {threshold}

[components.classifier.model]
@architectures = "test.Classifier.v1"
hidden_width = {width}

[components.classifier.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 96

[components.doc_function]
factory = "test_doc_function"
'''


def _pipeline(tmp_path, **values) -> Path:
    config = tmp_path / "pipeline.cfg"
    fields = {"lang": "test_lang", "threshold": 0.5, "width": 64, **values}
    config.write_text(PIPELINE.format(**fields), encoding="utf-8")
    return config


def test_a_config_using_the_code_validates_with_it_and_warns_without(capsys, registry, tmp_path):
    config = _pipeline(tmp_path)
    code, out, _ = run_cli(capsys, "validate", str(config), "--format", "json")
    assert code == 0
    found = sorted(d["code"] for d in json.loads(out)["files"][0]["diagnostics"])
    assert found == ["AW352", "AW370", "AW452", "AW452"]  # the custom names: warnings, nothing guessed
    code, out, err = run_cli(capsys, "validate", "--code", str(FUNCTIONS), str(config), "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["diagnostics"] == []
    assert "functions.py:76: note: a name registered in @misc is built at run time" in err


@pytest.mark.parametrize("values, wanted", [
    ({"width": '"wide"'}, "AW305"),       # an argument of the static card, typed from its annotation
    ({"threshold": '"high"'}, "AW305"),   # a factory setting, typed from its annotation
    ({"lang": "test_lnag"}, "AW360"),     # a typo of the language the code registers
])
def test_the_code_is_checked_like_built_in_cards(capsys, registry, tmp_path, values, wanted):
    config = _pipeline(tmp_path, **values)
    code, out, _ = run_cli(capsys, "validate", "--code", str(FUNCTIONS), str(config), "--format", "json")
    assert code == 1
    assert [d["code"] for d in json.loads(out)["files"][0]["diagnostics"]] == [wanted]


def test_summary_list_and_explain_read_the_code(capsys, registry, tmp_path):
    config = tmp_path / "model.cfg"
    config.write_text('[model]\n@architectures = "test.Classifier.v1"\n\n[model.tok2vec]\n'
                      '@architectures = "spacy.HashEmbedCNN.v2"\npretrained_vectors = null\nwidth = 96\ndepth = 4\n'
                      'embed_size = 2000\nwindow_size = 1\nmaxout_pieces = 3\nsubword_features = true\n', encoding="utf-8")
    code, out, _ = run_cli(capsys, "summary", "--code", str(FUNCTIONS), str(config))
    assert code == 0
    assert out.startswith("model (test.Classifier.v1): unknown parameters, output width unknown, receptive field unknown\n")
    code, out, _ = run_cli(capsys, "explain", "test.Classifier.v1", "--code", str(FUNCTIONS))
    assert code == 0 and out.startswith(f"test.Classifier.v1 (@architectures; from {FUNCTIONS}:22)\n")
    code, out, _ = run_cli(capsys, "explain", "test.ComposedTok2Vec.v1", "--code", str(FUNCTIONS))
    assert code == 0 and "\nBuilds: spacy.Tok2Vec.v2 (read from the function's body" in out
    code, out, _ = run_cli(capsys, "list", "--code", str(FUNCTIONS), "--registry", "layers")
    assert code == 0 and "  test.thinc_layer.v1" in out


def test_fill_adds_the_code_factorys_defaults(capsys, registry, tmp_path):
    config = tmp_path / "fill.cfg"
    config.write_text('[nlp]\nlang = "en"\npipeline = ["c"]\n\n[components]\n\n[components.c]\n'
                      'factory = "test_component"\n', encoding="utf-8")
    code, out, _ = run_cli(capsys, "fill", "--code", str(FUNCTIONS), str(config))
    assert "threshold = 0.5" in out and 'label = "X"' in out and "test_f = " in out


# -- never imported or run ------------------------------------------------------------------------

HOOK = textwrap.dedent('''
    import contextlib, io, json, os, sys
    trap = sys.argv[1]
    events = []

    def hook(event, args):
        if event == "exec" and getattr(args[0], "co_filename", "") == trap:
            events.append("exec")
        elif event == "import" and (args[0] == "trap" or (len(args) > 1 and args[1] == trap)):
            events.append("import " + args[0])
        elif event == "open" and isinstance(args[0], str) and os.path.basename(args[0]).startswith("trap."):
            if not args[0].endswith(("trap.py", "trap.cfg")):  # reading the source is what we do
                events.append("open " + args[0])

    sys.addaudithook(hook)
''')
AUDITED = HOOK + textwrap.dedent('''
    from archwright.cli import main
    codes = []
    for argv in json.loads(sys.argv[2]):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            codes.append(main(argv))
    print(json.dumps({"events": events, "codes": codes, "modules": [m for m, module in list(sys.modules.items())
                                                                      if m == "trap" or getattr(module, "__file__", None) == trap]}))
''')


def _audited(tmp_path: Path, commands: list[list[str]], env: dict | None = None) -> dict:
    result = subprocess.run([sys.executable, "-c", AUDITED, str(tmp_path / "trap.py"), json.dumps(commands)],
                            capture_output=True, text=True, cwd=tmp_path, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})})
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_command_imports_or_runs_a_code_file(tmp_path):
    """An audit hook sees every exec of a code object and every import: none is of the file
    --code names, for every command that takes --code."""
    shutil.copy(CODE / "trap.py", tmp_path / "trap.py")
    config = tmp_path / "trap.cfg"
    config.write_text('[nlp]\nlang = "en"\npipeline = ["t"]\n\n[components]\n\n[components.t]\n'
                      'factory = "trap_component"\n\n[model]\n@architectures = "trap.Model.v1"\n', encoding="utf-8")
    code = ["--code", str(tmp_path / "trap.py")]
    commands = [["validate", *code, str(config)], ["summary", *code, str(config)],
                ["graph", *code, str(config), "-o", str(tmp_path / "g.json")],
                ["build", *code, str(config)], ["fill", *code, str(config)],
                ["list", *code], ["explain", "trap.Model.v1", *code]]
    report = _audited(tmp_path, commands)
    assert report["events"] == [] and report["modules"] == []
    assert not (tmp_path / "trap.ran").exists()
    assert report["codes"][0] == 0 and report["codes"][-2:] == [0, 0]  # validate, list and explain knew the names


def test_installed_packages_are_read_from_their_files_never_imported(tmp_path):
    """A package installed with catalogue entry points (a dist-info with entry_points.txt and
    RECORD) is read statically when a config names what it registers."""
    shutil.copy(CODE / "trap.py", tmp_path / "trap.py")
    info = tmp_path / "trap_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: trap-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[spacy_architectures]\ntrap.Model.v1 = trap:trap_model\n\n"
                                           "[spacy_factories]\ntrap_component = trap:make_trap\n", encoding="utf-8")
    (info / "RECORD").write_text("trap.py,,\ntrap_plugin-1.0.dist-info/METADATA,,\n", encoding="utf-8")
    good = tmp_path / "good.cfg"
    good.write_text('[nlp]\nlang = "en"\npipeline = ["t"]\n\n[components]\n\n[components.t]\n'
                    'factory = "trap_component"\nsize = 2\n\n[model]\n@architectures = "trap.Model.v1"\nwidth = 4\n',
                    encoding="utf-8")
    bad = tmp_path / "bad.cfg"
    bad.write_text('[model]\n@architectures = "trap.Model.v1"\nwidth = "wide"\n', encoding="utf-8")
    report = _audited(tmp_path, [["validate", str(good), "--strict"], ["validate", str(bad)]],
                      env={"PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"})
    assert report["events"] == [] and report["modules"] == []
    assert not (tmp_path / "trap.ran").exists()
    assert report["codes"] == [0, 1]  # known (no warning at all), and its argument checked


# -- the rule for a name nobody registers ---------------------------------------------------------

@pytest.mark.parametrize("name, typo", [
    ("spacy.Tok2Vek.v2", "spacy.Tok2Vec.v2"),        # 1 edit
    ("spacy.Tok2Vec.v9", "spacy.Tok2Vec.v2"),        # the same name, another version
    ('"spacy.Tok2Vec.v2",', "spacy.Tok2Vec.v2"),     # pasted quotes and comma
    ("spacy.MultiEmbed.v1", ""),                     # 5 edits from MultiHashEmbed: someone's own
    ("my_project.Tok2Vec.v2", ""),
])
def test_a_typo_is_within_two_edits_or_another_version(name, typo):
    known = ["spacy.Tok2Vec.v1", "spacy.Tok2Vec.v2", "spacy.MultiHashEmbed.v2"]
    assert typo_of(name, known) == typo


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@settings(max_examples=2000, deadline=None)
@given(st.text("ab.v1", max_size=10), st.text("ab.v1", max_size=10), st.integers(0, 3))
def test_the_banded_edit_distance_is_the_distance_up_to_its_limit(a, b, limit):
    distance = _levenshtein(a, b)
    assert edit_distance(a, b, limit) == (distance if distance <= limit else limit + 1)


@settings(max_examples=2000, deadline=None)
@given(st.text("ab.v1x", max_size=9), st.lists(st.text("ab.v1x", max_size=9), max_size=8))
def test_a_typo_is_the_first_nearest_name_within_its_edits(name, known):
    """typo_of looks at a name only if it holds a piece of the typo unchanged (a filter that
    keeps every name within the limit): its answer is the one found with the whole distance."""
    if clean_name(name) in known or _versioned(clean_name(name))[1]:
        return  # the other rules
    limit = 1 if len(clean_name(name)) < 6 else 2
    within = [(_levenshtein(clean_name(name), k), i) for i, k in enumerate(known)]
    best = min((d, i) for d, i in within if d <= limit) if any(d <= limit for d, _ in within) else None
    assert typo_of(name, known) == (known[best[1]] if best else "")


@pytest.mark.parametrize("factory, code", [
    ("taggr", "AW407"), ("semicolon_sentencizer", "AW452"), ("torch_ner", "AW452"), ("transfer-ent.v1", "AW452")])
def test_an_unknown_factory_is_an_error_only_when_it_is_a_typo(factory, code):
    config = f'[nlp]\nlang = "en"\npipeline = ["c"]\n\n[components]\n\n[components.c]\nfactory = "{factory}"\n'
    assert [d.code for d in Compilation(config).diagnostics] == [code]


# -- plugins ------------------------------------------------------------------------------------

def test_plugin_data_is_pinned_and_matches_the_installed_plugins():
    """The data names the versions the script pins; where a plugin is installed at that version,
    its registered names and parameters are the data's (spacy-transformers, spacy-legacy here)."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_plugin_data", ROOT / "scripts" / "update_plugin_data.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    data = _plugin_data()
    assert data["packages"] == {package: version for package, (version, _) in script.PLUGINS.items()}
    from spacy import registry

    checked = 0
    for package, version in data["packages"].items():
        try:
            if importlib.metadata.version(package) != version:
                continue
        except importlib.metadata.PackageNotFoundError:
            continue
        importlib.import_module(script.PLUGINS[package][1])  # its own registries (@annotation_setters)
        for reg, functions in data["registries"].items():
            for name, function in functions.items():
                if function["package"] != package:
                    continue
                params = inspect.signature(getattr(registry, reg).get(name)).parameters
                assert [p["name"] for p in function["params"]] == [
                    p for p in params if params[p].kind is not params[p].VAR_KEYWORD], name
                checked += 1
    assert checked >= 25


def test_plugin_factories_and_names_are_known():
    config = ('[nlp]\nlang = "en"\npipeline = ["llm", "span_finder"]\n\n[components]\n\n[components.llm]\n'
              'factory = "llm"\n\n[components.llm.task]\n@llm_tasks = "spacy.NER.v3"\nlabels = ["PERSON"]\n\n'
              '[components.span_finder]\nfactory = "experimental_span_finder"\n')
    # known from the plugins' data, so nothing is guessed; spaCy needs the plugins installed (they
    # are not in the test environment): exactly that is reported, for each
    found = [(d.code, d.config_path) for d in Compilation(config).diagnostics]
    assert found == [("AW424", "components.llm.factory"), ("AW424", "components.span_finder.factory")]
    assert isinstance(OpenSettings(), dict) and "anything" in OpenSettings()


def test_the_explorer_reads_the_code_of_archwright_ui(registry, monkeypatch):
    """`archwright ui --code FILE.py` passes the files in the environment; the app reads them
    statically, and a pasted config that uses them has no warning."""
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    from archwright.ui import examples

    monkeypatch.delenv(examples.CONFIG_VARIABLE, raising=False)
    monkeypatch.setenv(examples.CODE_VARIABLE, str(FUNCTIONS))
    at = AppTest.from_file(str(ROOT / "archwright" / "ui" / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert any("functions.py:76: note" in c.value for c in at.sidebar.caption)
    at.sidebar.radio(key="source").set_value("Paste text").run()
    at.sidebar.text_area(key="paste").input('[model]\n@architectures = "test.thinc_layer.v1"\nnO = 4\n').run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning if "AW352" in w.value] == []
    assert registry.get("layers", "test.thinc_layer.v1") is not None


LSP_AUDITED = HOOK + textwrap.dedent('''
    config = sys.argv[2]
    from archwright.lsp.server import ArchwrightServer, Settings, publish

    import types as pytypes

    # no client here: no messages to show, and no open documents to re-check
    ArchwrightServer.workspace = property(lambda self: pytypes.SimpleNamespace(text_documents={}))
    ls = ArchwrightServer()
    ls.show = ls.log = lambda *a, **k: None
    ls.apply_settings(Settings({"archwright": {"code": [trap]}}))
    from archwright.lsp.document import Document

    document = Document("file://" + config, open(config).read(), 1, "utf-16", ls.overrides)
    codes = [d.code for d in document.compilation.diagnostics]
    print(json.dumps({"events": events, "codes": codes,
                      "modules": [m for m, module in list(sys.modules.items())
                                  if m == "trap" or getattr(module, "__file__", None) == trap]}))
''')


def test_the_language_server_never_imports_or_runs_a_code_file(tmp_path):
    """`archwright.code` in the editor's settings is read as --code is: statically."""
    pytest.importorskip("pygls")
    shutil.copy(CODE / "trap.py", tmp_path / "trap.py")
    config = tmp_path / "trap.cfg"
    config.write_text('[model]\n@architectures = "trap.Model.v1"\nwidth = 4\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", LSP_AUDITED, str(tmp_path / "trap.py"), str(config)],
                            capture_output=True, text=True, cwd=tmp_path, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["events"] == [] and report["modules"] == []
    assert not (tmp_path / "trap.ran").exists()
    assert report["codes"] == []  # the server knew trap.Model.v1 from reading the file
