"""Whole training configs: [nlp], [components] and their factories, listeners and their
upstream components, [training], [initialize] and [pretraining].

A config is a training config when it has an [nlp], [components] or [training] section; a
config of bare blocks (`[model]` ...) is checked block by block only.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic, Related, Span, nearest
from .check import Block, Blueprint
from .registry import factories, factory_settings, registry_keys, training_defaults
from .types import accepts, parse_type
from .values import is_number
from .resolve import SpanIndex

TRAINING_SECTIONS = ("nlp", "components", "training")
# keys with a schema in spaCy (ConfigSchemaNlp, ConfigSchemaTraining, ...), taken from spaCy's
# default training config; spaCy silently drops unknown keys there, which hides typos
SCHEMA_SECTIONS = ("nlp", "training", "initialize", "pretraining")
COMPONENT_KEYS = {"factory", "source", "component", "replace_listeners"}
TOK2VEC_LISTENERS = {"spacy.Tok2VecListener.v1"}
TRANSFORMER_LISTENERS = {"spacy-transformers.TransformerListener.v1", "spacy-curated-transformers.LastTransformerLayerListener.v1",
                         "spacy-curated-transformers.ScalarWeightingListener.v1"}
UPSTREAM_FACTORIES = {"tok2vec": TOK2VEC_LISTENERS, "transformer": TRANSFORMER_LISTENERS,
                      "curated_transformer": TRANSFORMER_LISTENERS}


class _PipelineChecker:
    def __init__(self, blueprint: Blueprint, spans: SpanIndex) -> None:
        self.data = blueprint.data
        self.blocks = blueprint.blocks
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
        if not any(section in self.data for section in TRAINING_SECTIONS):
            return []
        nlp = self.data.get("nlp")
        if not isinstance(nlp, dict):
            first = next(iter(self.data), "")
            self.report("AW402", "a training config needs an [nlp] section (spaCy: no [nlp] section found)",
                        (first,), hint='add [nlp] with lang = "en" and pipeline = [...]')
        else:
            self.check_nlp(nlp)
        self.check_unknown_keys()
        self.check_components()
        self.check_listeners()
        self.check_component_models()
        self.check_rates()
        self.check_training_lists()
        self.check_pretraining()
        return self.out

    def check_nlp(self, nlp: dict) -> None:
        if not isinstance(nlp.get("lang"), str):
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
        for name in self.components:
            if name not in pipeline and name not in nlp.get("disabled", []):
                self.report("AW451", f"[components.{name}] is not in [nlp] pipeline, so spaCy never builds it",
                            ("components", name), hint=f'add "{name}" to the pipeline, or remove the section')

    def check_components(self) -> None:
        known = factories()
        for name, settings in self.components.items():
            path = ("components", name)
            if not isinstance(settings, dict):
                continue
            factory, source = settings.get("factory"), settings.get("source")
            if factory is None and source is None:
                self.report("AW406", f"[components.{name}] needs `factory` (or `source` to copy it from a "
                            "trained pipeline)", path, hint='add factory = "..." (e.g. "tagger")')
                continue
            if source is not None:
                if not isinstance(source, str):
                    self.report("AW406", f"`source` of [components.{name}] must be a pipeline name or path",
                                path + ("source",))
                continue  # a sourced component is named, never loaded or imported
            if not isinstance(factory, str):
                continue
            defaults = known.get(factory)
            if defaults is None:
                near = nearest(factory, known)
                if near:
                    self.report("AW407", f"there is no factory `{factory}` in spaCy 3.8", path + ("factory",),
                                hint=f'did you mean "{near}"?')
                else:
                    self.report("AW452", f"the factory `{factory}` is not one of spaCy 3.8's; it must come "
                                "from your code or a plugin, and archwright cannot check its settings",
                                path + ("factory",), hint="spaCy needs it registered (spacy train --code ...)")
                continue
            annotations = factory_settings(factory)
            for key, value in settings.items():
                if key not in defaults and key not in annotations and key not in COMPONENT_KEYS:
                    near = nearest(key, list(defaults))
                    self.report("AW408", f"the {factory} factory has no setting `{key}`", path + (key,),
                                hint=f"did you mean `{near}`?" if near else
                                f"its settings are: {', '.join(sorted(defaults)) or 'none'}")
                elif key in annotations and not isinstance(value, dict):  # blocks are checked on their own
                    annotation = parse_type(annotations[key])
                    if not accepts(annotation, value):
                        self.report("AW305", f"the setting `{key}` of the {factory} factory must be "
                                    f"{annotation}, not {'null' if value is None else repr(value)}", path + (key,),
                                    hint="null is not allowed here" if value is None else
                                    f"give a value of type {annotation}")

    def check_component_models(self) -> None:
        """Settings of a component's model that must fit its factory."""
        for path, block in self.blocks.items():
            if path[:1] != ("components",) or len(path) < 3:
                continue
            settings = self.components.get(path[1])
            factory = settings.get("factory") if isinstance(settings, dict) else None
            factory = factory if isinstance(factory, str) else None  # `factory = {...}`: not a name
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

    # -- listeners ---------------------------------------------------------------------------

    def check_listeners(self) -> None:
        pipeline = self.data.get("nlp", {}).get("pipeline", []) if isinstance(self.data.get("nlp"), dict) else []
        pipeline = pipeline if isinstance(pipeline, list) else []  # `pipeline = 5` is [nlp]'s typing's to report
        for path, block in self.blocks.items():
            if path[:1] != ("components",) or len(path) < 2:
                continue
            name = block.card.name
            kind = ("tok2vec" if name in TOK2VEC_LISTENERS else "transformer" if name in TRANSFORMER_LISTENERS
                    else None)
            if kind is None:
                continue
            upstreams = self.upstreams(kind, pipeline)
            wanted = block.args.get("upstream", "*")
            if not isinstance(wanted, str):
                continue
            if wanted == "*":
                if not upstreams:
                    self.report("AW409", f"{name} at {'.'.join(path)} listens to a {kind} component, but the "
                                f"pipeline has none", path, hint=f"add a {kind} component before [components.{path[1]}]")
                    continue
                upstream = upstreams[0]
            elif wanted not in upstreams:
                near = nearest(wanted, upstreams) or (upstreams[0] if upstreams else "")
                self.report("AW409", f"`upstream = \"{wanted}\"` names no {kind} component of the pipeline",
                            path + ("upstream",), hint=f'did you mean "{near}"?' if near else
                            f"add a {kind} component, or set upstream = \"*\"")
                continue
            else:
                upstream = wanted
            if kind == "tok2vec":
                self.check_listener_width(path, block, upstream)

    def upstreams(self, kind: str, pipeline: list) -> list[str]:
        names = [n for n in pipeline if isinstance(n, str)] or list(self.components)
        return [n for n in names if isinstance(self.components.get(n), dict)
                and (self.components[n].get("factory") == kind
                     or (kind == "transformer" and self.components[n].get("factory") == "curated_transformer"))]

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
                                (section, key), hint=f"did you mean `{near}`?" if near else
                                f"the settings of [{section}] are: {', '.join(allowed)}")
                    continue
                default = allowed[key]
                if isinstance(default, dict) and registry_keys(default) and not isinstance(value, dict):
                    registry = registry_keys(default)[0]
                    self.report("AW305", f"`{key}` of [{section}] must be a registered function block "
                                f"({registry} = ...), not {'null' if value is None else repr(value)}",
                                (section, key), hint=f'write {key} = {{"{registry}": "{default[registry]}"}} '
                                "(JSON: a colon after each key), or a [" + f"{section}.{key}] section")

    def check_rates(self) -> None:
        """Dropout rates: spaCy's schema only asks for a float, and training then misbehaves."""
        for section in ("training", "pretraining"):
            values = self.data.get(section)
            rate = values.get("dropout") if isinstance(values, dict) else None
            if is_number(rate) and not 0 <= rate < 1:
                self.report("AW307", f"`dropout` of [{section}] is a rate and must be at least 0 and less than "
                            f"1, not {rate!r}", (section, "dropout"), hint="a typical value is 0.1")

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


def check_pipeline(blueprint: Blueprint, spans: SpanIndex) -> list[Diagnostic]:
    return check_embed_encode(blueprint, spans) + _PipelineChecker(blueprint, spans).check()
