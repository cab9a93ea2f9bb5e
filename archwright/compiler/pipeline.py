"""Whole training configs: [nlp], [components] and their factories, listeners and their
upstream components, [training], [initialize] and [pretraining].

A config is a training config when it has an [nlp], [components] or [training] section; a
config of bare blocks (`[model]` ...) is checked block by block only.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..diagnostics import Diagnostic, Related, Span, nearest
from .architectures.body_checks import SETTING_BOUNDS
from .check import Block, Blueprint, bound_problem, quoted_number_message
from .topology import listeners
from .registry import (Arg, factories, factory_package, factory_settings, find_factory, is_language, languages,
                       training_defaults, typo_of, who_registers)
from .types import accepts, parse_type, quoted_number
from .values import UNKNOWN, descend, is_number
from .resolve import SpanIndex
from .sections import check_sections

TRAINING_SECTIONS = ("nlp", "components", "training")


def is_training_config(top_sections: Iterable[str]) -> bool:
    """Whether a config is a pipeline's (it has [nlp], [components] or [training]), not bare blocks."""
    return any(name in TRAINING_SECTIONS for name in top_sections)
# keys with a schema in spaCy (ConfigSchemaNlp, ConfigSchemaTraining, ...), taken from spaCy's
# default training config; spaCy silently drops unknown keys there, which hides typos
SCHEMA_SECTIONS = ("nlp", "training", "initialize", "pretraining")
COMPONENT_KEYS = {"factory", "source", "component", "replace_listeners"}


# What kind of model an architecture line (a name without its version) builds. A factory drives
# the kind its default model is; a model of another known kind cannot work (a tagger's softmax
# is not a parser's state scorer), while a line not listed here is never guessed at.
MODEL_KINDS = {
    "tagger": ("spacy.Tagger",),
    "transition-based parser": ("spacy.TransitionBasedParser",),
    "text classifier": ("spacy.TextCatEnsemble", "spacy.TextCatBOW", "spacy.TextCatCNN", "spacy.TextCatReduce",
                        "spacy.TextCatParametricAttention", "spacy.TextCatLowData"),
    "span categorizer": ("spacy.SpanCategorizer",),
    "entity linker": ("spacy.EntityLinker",),
    "span finder": ("spacy.SpanFinder",),
    "token-to-vector": ("spacy.HashEmbedCNN", "spacy.Tok2Vec", "spacy.Tok2VecListener",
                        "spacy-transformers.Tok2VecTransformer", "spacy-transformers.TransformerListener"),
    "transformer": ("spacy-transformers.TransformerModel",),
    "multi-task objective": ("spacy.MultiTask",),
}
_KIND_OF_LINE = {line: kind for kind, lines in MODEL_KINDS.items() for line in lines}


def model_kind(name: str) -> str | None:
    """The kind of model a registered architecture builds, or None if archwright does not say."""
    return _KIND_OF_LINE.get(name.rsplit(".v", 1)[0] if ".v" in name else name)


class _PipelineChecker:
    def __init__(self, blueprint: Blueprint, spans: SpanIndex) -> None:
        self.data = blueprint.data
        self.blocks = blueprint.blocks
        self.incomplete = blueprint.incomplete
        self.partial = blueprint.partial
        self.spans = spans
        self.out: list[Diagnostic] = []
        components = self.data.get("components")
        self.components: dict[str, Any] = components if isinstance(components, dict) else {}

    def report(self, code: str, message: str, path: tuple[str, ...], hint: str = "",
               related: tuple[Related, ...] = (), span: Span | None = None) -> None:
        self.out.append(Diagnostic(code, message, span or self.spans.find(path), config_path=".".join(path),
                                   hint=hint, related=related))

    def related(self, message: str, path: tuple[str, ...]) -> tuple[Related, ...]:
        span = self.spans.find(path)
        return (Related(message, span, ".".join(path)),) if span is not None else ()

    # -- [nlp] and the pipeline ---------------------------------------------------------------

    def check(self) -> list[Diagnostic]:
        if not is_training_config(self.data):
            return []
        nlp = self.data.get("nlp")
        if not isinstance(nlp, dict):
            declared = sorted(self.spans.sections.items(), key=lambda item: item[1])
            self.report("AW402", "a training config needs an [nlp] section (spaCy: no [nlp] section found)",
                        declared[0][0] if declared else ("nlp",), hint='add [nlp] with lang = "en" and pipeline = [...]')
        else:
            self.check_nlp(nlp)
        self.check_unknown_keys()
        self.out += check_sections(self.data, self.spans, {
            name: settings.get("factory") for name, settings in self.components.items() if isinstance(settings, dict)},
            self.incomplete, self.partial)
        self.check_components()
        self.check_listeners()
        self.check_component_models()
        self.check_rates()
        self.check_training_lists()
        self.check_corpus_paths()
        self.check_pretraining()
        return self.out

    def check_nlp(self, nlp: dict) -> None:
        lang = nlp.get("lang")
        if isinstance(lang, str):
            if not is_language(lang):
                self.unknown_language(lang)
        elif "nlp" not in self.incomplete and lang is not UNKNOWN:
            self.report("AW403", "[nlp] needs `lang`, the language code (spaCy: E993)", ("nlp",),
                        hint='add lang = "en" (or another language code)')
        pipeline = nlp.get("pipeline", [])
        if not isinstance(pipeline, list):
            return
        for name in pipeline:
            if isinstance(name, str) and name not in self.components:
                near = nearest(name, self.components)
                self.report("AW404", f"the pipeline names `{name}`, but there is no [components.{name}]",
                            ("nlp", "pipeline"), hint=f"did you mean `{near}`?" if near else
                            f"add a [components.{name}] section with its factory")
        disabled = nlp.get("disabled", [])
        for name in self.components:
            if name not in pipeline and not (isinstance(disabled, list) and name in disabled):
                self.report("AW451", f"[components.{name}] is not in [nlp] pipeline, so spaCy never builds it",
                            ("components", name), hint=f'add "{name}" to the pipeline, or remove the section')

    def check_components(self) -> None:
        for name, settings in self.components.items():
            path = ("components", name)
            if not isinstance(settings, dict):
                continue
            factory, source = settings.get("factory"), settings.get("source")
            if factory is None and source is None and ".".join(path) not in self.incomplete:
                self.report("AW406", f"[components.{name}] needs `factory` (or `source` to copy it from a "
                            "trained pipeline)", path, hint='add factory = "..." (e.g. "tagger")')
                continue
            if source is not None:
                if not isinstance(source, str):
                    self.report("AW406", f"`source` of [components.{name}] must be a pipeline name or path",
                                path + ("source",))
                elif source is not UNKNOWN:
                    self.check_source(path, source)
                continue  # a sourced component is named, never loaded or imported
            if not isinstance(factory, str):
                if factory is not UNKNOWN and factory is not None:
                    self.report("AW406", f"`factory` of [components.{name}] must name a factory as a string, not "
                                f"{factory!r} (spaCy: E966)", path + ("factory",), hint='write factory = "tagger" (or another factory)')
                continue
            defaults = find_factory(factory)
            if defaults is None:
                self.unknown_factory(factory, path + ("factory",))
                continue
            self.check_plugin_installed(factory, path + ("factory",))
            annotations = factory_settings(factory)
            for key, value in settings.items():
                if key not in defaults and key not in annotations and key not in COMPONENT_KEYS:
                    near = nearest(key, list(defaults))
                    self.report("AW408", f"the {factory} factory has no setting `{key}`", path + (key,),
                                span=self.spans.keys.get(path + (key,)),
                                hint=f"did you mean `{near}`?" if near else
                                f"its settings are: {', '.join(sorted(defaults)) or 'none'}")
                elif key in annotations and not isinstance(value, dict):  # blocks are checked on their own
                    annotation = parse_type(annotations[key])
                    bound = bound_problem(Arg(key, annotations[key], **SETTING_BOUNDS[key]), value) \
                        if key in SETTING_BOUNDS and is_number(value) else ""
                    if bound:
                        self.report("AW307", f"the setting `{key}` of the {factory} factory {bound}, not {value!r}",
                                    path + (key,), hint="spaCy checks it when it trains")
                    elif quoted_number(annotation, value) is not None:
                        self.report("AW311", quoted_number_message(f"the setting `{key}` of the {factory} factory", value),
                                    path + (key,), hint=f"write {value} without quotes")
                    elif not accepts(annotation, value):
                        self.report("AW305", f"the setting `{key}` of the {factory} factory must be "
                                    f"{annotation}, not {'null' if value is None else repr(value)}", path + (key,),
                                    hint="null is not allowed here" if value is None else
                                    f"give a value of type {annotation}")

    def unknown_language(self, lang: str) -> None:
        """The rule for a name nobody registers (registry.typo_of): a typo is an error."""
        near = typo_of(lang, sorted(languages()))
        if near:  # "srp" for "sr": spaCy finds Serbian, then refuses the code (E958)
            self.report("AW360", f'spaCy 3.8 has no language "{lang}" (spaCy: E958 or E048)', ("nlp", "lang"),
                        hint=f'did you mean "{near}"? spaCy\'s codes are ISO 639-1 where one exists')
        else:
            self.report("AW370", f'"{lang}" is not one of spaCy 3.8\'s languages or any --code file\'s; it must '
                        "be registered with @spacy.registry.languages", ("nlp", "lang"), hint=who_registers(lang))

    def unknown_factory(self, factory: str, where: tuple[str, ...]) -> None:
        """The rule for a name nobody registers (registry.typo_of): a typo is an error."""
        near = typo_of(factory, sorted(factories()))
        if near:
            self.report("AW407", f"there is no factory `{factory}` in spaCy 3.8", where, hint=f'did you mean "{near}"?')
        else:
            self.report("AW452", f"the factory `{factory}` is not one of spaCy 3.8's, the plugins' archwright knows "
                        "or any --code file's; archwright cannot check its settings", where, hint=who_registers(factory))

    def check_plugin_installed(self, factory: str, at: tuple[str, ...]) -> None:
        """A plugin's factory works only where the plugin is installed (read from metadata)."""
        from .environment import is_installed, trains_here

        package = factory_package(factory)
        if package and trains_here() and not is_installed(package):
            self.report("AW424", f"the factory `{factory}` is registered by {package}, which is not installed here "
                        "(spaCy: E002, can't find factory)", at, hint=f"pip install {package}, or use another factory")

    def check_source(self, path: tuple[str, ...], source: str) -> None:
        """spaCy loads `source` as an installed pipeline package, else as a directory."""
        from .environment import installed_pipelines, is_installed, trains_here

        at = path + ("source",)
        if not trains_here():
            self.report("AW422", f'`source = "{source}"`: spaCy is not installed beside archwright, so whether the '
                        "pipeline is installed where you train is not checked", at,
                        hint="validate where spaCy is installed to check it")
        elif any(c in source for c in "/\\") or source.startswith((".", "~")):
            self.report("AW422", f'`source = "{source}"` is a path; archwright does not open it, so whether it '
                        f"holds a trained pipeline with a component `{path[1]}` is not checked", at,
                        hint="spaCy needs the directory when it loads the config")
        elif source not in installed_pipelines():
            installed = is_installed(source)
            self.report("AW423", f'`source = "{source}"` names no installed spaCy pipeline package'
                        + (f"; {source} is installed but is not a spaCy pipeline, and spaCy fails when it loads it"
                           if installed else " (spaCy: E050, can't find model)"), at,
                        hint=f"install the pipeline (python -m spacy download {source}), or give a directory "
                             f'as a path ("./{source}")' if not installed else
                             "name a trained pipeline package or directory")

    def check_component_models(self) -> None:
        """A component's model, and its settings, must fit its factory."""
        for path, block in self.blocks.items():
            if path[:1] != ("components",) or len(path) < 3:
                continue
            settings = self.components.get(path[1])
            factory = settings.get("factory") if isinstance(settings, dict) else None
            if not isinstance(factory, str):  # reported (AW406), or sourced
                continue
            if len(path) == 3 and path[2] == "model":
                self.check_model_kind(path, block, factory)
            state_type = block.args.get("state_type")
            wanted_state = {"parser": "parser", "beam_parser": "parser", "ner": "ner", "beam_ner": "ner"}.get(factory)
            if isinstance(state_type, str) and wanted_state and state_type != wanted_state:
                # spaCy runs it, extracting the other task's (fewer or more) state features
                self.report("AW455", f'state_type = "{state_type}" is meant for the {"ner" if wanted_state == "parser" else "parser"} '
                            f'factories, not {factory}: the model extracts the other task\'s state features',
                            path + ("state_type",), hint=f'set state_type = "{wanted_state}"')
            exclusive = block.args.get("exclusive_classes")
            wanted_exclusive = {"textcat": True, "textcat_multilabel": False}.get(factory)
            if isinstance(exclusive, bool) and wanted_exclusive is not None and exclusive != wanted_exclusive:
                other = "textcat_multilabel" if factory == "textcat" else "textcat"
                self.report("AW454", f"exclusive_classes = {str(exclusive).lower()} does not fit the {factory} "
                            f"factory, which {'predicts one label per text' if wanted_exclusive else 'allows several labels per text'}",
                            path + ("exclusive_classes",),
                            hint=f"set exclusive_classes = {str(wanted_exclusive).lower()}, or use the {other} factory")

    def check_model_kind(self, path: tuple[str, ...], block: Block, factory: str) -> None:
        default = factories().get(factory, {}).get("model")
        wanted = model_kind(default.get("@architectures", "")) if isinstance(default, dict) else None
        given = model_kind(block.card.name)
        if wanted is None or given is None or wanted == given:
            return
        model_at = path + ("@" + block.card.registry,)
        driver = next((name for name, d in factories().items() if isinstance(d.get("model"), dict)
                       and model_kind(d["model"].get("@architectures", "")) == given), None)
        self.report("AW421", f"the {factory} factory needs a {wanted} model, but [{'.'.join(path)}] is "
                    f"{block.card.name}, a {given} model", path[:2] + ("factory",),
                    related=self.related(f"{block.card.name} is named here", model_at),
                    hint=(f'use factory = "{driver}" for this model, or ' if driver else "use ")
                    + f'a {wanted} model such as "{default["@architectures"]}"')

    # -- listeners ---------------------------------------------------------------------------

    def check_listeners(self) -> None:
        for listener in listeners(self.data):
            path, block = listener.path, self.blocks.get(listener.path)
            if block is None or not isinstance(listener.wanted, str):
                continue
            if listener.upstream is None and listener.wanted == "*":
                self.report("AW409", f"{block.card.name} at {'.'.join(path)} listens to a {listener.kind} component, "
                            f"but the pipeline has none", path,
                            hint=f"add a {listener.kind} component before [components.{path[1]}]")
            elif listener.upstream is None:
                found = list(listener.candidates)
                near = nearest(listener.wanted, found) or (found[0] if found else "")
                self.report("AW409", f"`upstream = \"{listener.wanted}\"` names no {listener.kind} component of the "
                            "pipeline", path + ("upstream",), hint=f'did you mean "{near}"?' if near else
                            f"add a {listener.kind} component, or set upstream = \"*\"")
            elif listener.kind == "tok2vec":
                self.check_listener_width(path, block, listener.upstream)

    def check_listener_width(self, path: tuple[str, ...], block: Block, upstream: str) -> None:
        width = block.args.get("width")
        found = output_width(self.blocks, ("components", upstream, "model"))
        if not isinstance(width, int) or found is None:
            return
        upstream_width, width_path = found
        if width != upstream_width:
            self.report("AW411", f"the listener's width is {width}, but [components.{upstream}] gives vectors "
                        f"of width {upstream_width}", path + ("width",),
                        related=self.related(f"the upstream width {upstream_width} is set here", width_path),
                        hint=f"set width = ${{{'.'.join(width_path)}}} so that the two stay equal")

    # -- keys with a schema, training lists, pretraining ---------------------------------------

    def check_unknown_keys(self) -> None:
        defaults = training_defaults()
        for section in SCHEMA_SECTIONS:
            values = self.data.get(section)
            allowed = defaults.get(section, {})
            if not isinstance(values, dict) or not values:
                continue
            for key, value in values.items():
                if key not in allowed:
                    near = nearest(key, allowed)
                    self.report("AW410", f"[{section}] has no setting `{key}`; spaCy silently ignores it",
                                (section, key), span=self.spans.keys.get((section, key)), hint=f"did you mean `{near}`?" if near else
                                f"the settings of [{section}] are: {', '.join(allowed)}")
                    continue

    def check_rates(self) -> None:
        """Dropout rates: spaCy's schema only asks for a float, and runs with any (a negative rate
        drops nothing, 1 or more drops everything)."""
        for section in ("training", "pretraining"):
            values = self.data.get(section)
            rate = values.get("dropout") if isinstance(values, dict) else None
            if is_number(rate) and not 0 <= rate < 1:
                self.report("AW430", f"`dropout` of [{section}] is a rate, at least 0 and less than 1, not {rate!r}: "
                            "spaCy trains with it, but " + ("drops nothing" if rate < 0 else "drops every activation"),
                            (section, "dropout"), hint="a typical value is 0.1")

    def check_training_lists(self) -> None:
        training = self.data.get("training")
        if not isinstance(training, dict):
            return
        for key in ("frozen_components", "annotating_components"):
            names = training.get(key)
            if not isinstance(names, list):
                continue
            for name in names:
                if isinstance(name, str) and name not in self.components:
                    near = nearest(name, self.components)
                    self.report("AW413", f"`{key}` names `{name}`, which is not a component", ("training", key),
                                hint=f"did you mean `{near}`?" if near else "name a component of [components]")

    def check_corpus_paths(self) -> None:
        """The corpora `spacy train` reads need a path; one that is null can be given on the
        command line only through a reference to [paths] (`--paths.train DIR`)."""
        training = self.data.get("training")
        for field in ("train_corpus", "dev_corpus"):
            dot = training.get(field) if isinstance(training, dict) else None
            if not isinstance(dot, str):
                continue
            node = descend(self.data, dot.split("."))
            at = tuple(dot.split(".")) + ("path",)
            raw = self.spans.raw(at)
            if isinstance(node, dict) and "path" in node and node["path"] is None and raw is not None \
                    and not re.search(r"\$\{paths[.:]", raw):
                self.report("AW427", f"[{dot}] is the {field.replace('_', ' ')} and its path is null, which "
                            "`spacy train` cannot be given on the command line (spaCy: E913)", at,
                            hint=f"write path = ${{paths.{'train' if field == 'train_corpus' else 'dev'}}} and pass "
                                 f"--paths.{'train' if field == 'train_corpus' else 'dev'} DIR, or write the path")

    def check_pretraining(self) -> None:
        pretraining = self.data.get("pretraining")
        if not isinstance(pretraining, dict) or not pretraining:
            return
        component = pretraining.get("component")
        if isinstance(component, str) and component not in self.components:
            near = nearest(component, self.components)
            # training ignores [pretraining]; only `spacy pretrain` fails on it
            self.report("AW453", f"[pretraining] component `{component}` is not a component of the pipeline, "
                        "so `spacy pretrain` will fail", ("pretraining", "component"),
                        hint=f"did you mean `{near}`?" if near else "name the tok2vec component to pretrain")


def output_width(blocks: dict[tuple[str, ...], Block], path: tuple[str, ...]) -> tuple[int, tuple[str, ...]] | None:
    """The width of the token vectors a tok2vec block gives, and the config path that sets it."""
    block = blocks.get(path)
    if block is None:
        return None
    name = block.card.name
    if name in ("spacy.Tok2Vec.v2", "spacy.Tok2Vec.v1"):
        return output_width(blocks, path + ("encode",))
    for key in ("width", "nO", "hidden_width"):
        value = block.args.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value, path + (key,)
    return None


def check_embed_encode(blueprint: Blueprint, spans: SpanIndex) -> list[Diagnostic]:
    """A Tok2Vec's embedding width must equal its encoder's width (residual connections)."""
    out = []
    for block in blueprint.blocks.values():
        if block.card.name not in ("spacy.Tok2Vec.v2", "spacy.Tok2Vec.v1"):
            continue
        embed = output_width(blueprint.blocks, block.path + ("embed",))
        encode = blueprint.blocks.get(block.path + ("encode",))
        if embed is None or encode is None:
            continue
        width = encode.args.get("width")
        if isinstance(width, int) and width != embed[0]:
            where = block.path + ("encode", "width")
            related_span = spans.find(embed[1])
            related = (Related(f"the embedding width {embed[0]} is set here", related_span, ".".join(embed[1])),) \
                if related_span else ()
            out.append(Diagnostic(
                "AW412", f"the encoder's width is {width}, but the embedding gives vectors of width {embed[0]}",
                spans.find(where), config_path=".".join(where), related=related,
                hint=f"set width = ${{{'.'.join(embed[1])}}} in the encoder"))
    return out


# Language.from_config takes these sections out of the config before it fills and interpolates
# the rest, and puts them back after: the rest cannot reference into them
SET_ASIDE_AT_LOAD = ("components", "pretraining")


# a reference that may point into either section (what the text must hold for there to be one)
_MAY_POINT_INTO_SET_ASIDE = re.compile(r"\$(?:\{[^}]*|<[^>]*)(?:%s)" % "|".join(SET_ASIDE_AT_LOAD))


def references_set_aside(tree, text: str | None = None) -> list[Diagnostic]:
    """References that spaCy's loader cannot follow: from another section into [components] or
    [pretraining] (spaCy: Bad value substitution ... not a valid option name). `text`: the
    config's text, searched first (most configs have no reference into either section)."""
    from ..grammar.syntax import Reference

    if text is not None and not _MAY_POINT_INTO_SET_ASIDE.search(text):
        return []
    if not is_training_config(s.name.split(".")[0] for s in tree.sections):
        return []
    out = []
    for section in tree.sections:
        top = section.name.split(".")[0]
        for entry in section.entries:
            raw = entry.raw
            # no reference into either section in it (and its pieces are made only when asked)
            if "$" not in raw or "components" not in raw and "pretraining" not in raw:
                continue
            for piece in entry.value.pieces:
                target = piece.path.replace(":", ".").split(".")[0] if type(piece) is Reference else None
                if target in SET_ASIDE_AT_LOAD and target != top:
                    out.append(Diagnostic(
                        "AW426", f"`{piece.text}` in [{section.name}] points into [{target}], which spaCy's "
                        f"loader sets aside while it reads [{top}]: `spacy train` fails (Bad value "
                        "substitution ... not a valid option name)", piece.span,
                        config_path=f"{section.name}.{entry.key}",
                        hint=f"write the value here, or keep it in a section both can reference (such as [paths] "
                             f"or [system]) and reference that from [{target}] too"))
    return out


def check_pipeline(blueprint: Blueprint, spans: SpanIndex) -> list[Diagnostic]:
    return check_embed_encode(blueprint, spans) + _PipelineChecker(blueprint, spans).check()
