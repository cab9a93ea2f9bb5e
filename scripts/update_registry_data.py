"""Refresh archwright/compiler/data/spacy_registry.json from ../shared/corpus/spacy-registry.json.

The data are facts about spaCy 3.8's API (registered names, parameters, annotations, defaults,
factory default configs and score weights, the default training config, the language codes), kept compact: one entry per name, the
first paragraph of its docstring. Run it with spaCy installed (the `parity` extra).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "corpus" / "spacy-registry.json"
TARGET = ROOT / "archwright" / "compiler" / "data" / "spacy_registry.json"


def _annotation(annotation) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _factory_params(factories: dict) -> dict:
    """Each factory's settings with their annotations (needs spaCy installed)."""
    import inspect

    import spacy
    from spacy import registry

    spacy.blank("en")  # building a pipeline registers spaCy's factories
    import spacy.pipeline  # noqa: F401

    params = {}
    for name in factories:
        try:
            function = registry.factories.get(name)
        except Exception:  # a language-specific factory whose language needs extra packages
            continue
        params[name] = {p.name: _annotation(p.annotation) for p in inspect.signature(function).parameters.values()
                        if p.name not in ("nlp", "name") and p.annotation is not inspect.Parameter.empty}
    return params


def _factory_score_weights(factories: dict) -> dict:
    """Each factory's default score weights, from which spaCy fills [training.score_weights]."""
    import spacy
    from spacy.language import Language

    spacy.blank("en")
    weights = {}
    for name in factories:
        try:
            meta = Language.get_factory_meta(name)
        except ValueError:  # a language-specific factory whose language needs extra packages
            continue
        if meta.default_score_weights:
            weights[name] = dict(meta.default_score_weights)
    return weights


def _training_defaults() -> dict:
    """spaCy's default_config.cfg and default_config_pretraining.cfg (needs spaCy installed)."""
    import spacy
    from confection import Config

    folder = Path(spacy.__file__).parent
    defaults = Config().from_disk(folder / "default_config.cfg", interpolate=False)
    pretraining = Config().from_disk(folder / "default_config_pretraining.cfg", interpolate=False)
    merged = dict(defaults)
    for section, values in pretraining.items():
        merged[section] = {**merged.get(section, {}), **values}
    return merged


def _spell(annotation) -> str:
    """A schema field's annotation in the spelling archwright's type parser reads."""
    import collections.abc
    import typing
    from pathlib import Path as PathType

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        base, *marks = args
        if any(getattr(m, "strict", False) for m in marks) and base in (str, int, float, bool):
            return "Strict" + base.__name__.title()
        return _spell(base)
    if origin is typing.Union:
        rest = [a for a in args if a is not type(None)]
        inner = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]
        spelled = _spell(inner) if len(rest) == 1 else "Union[" + ", ".join(_spell(a) for a in rest) + "]"
        return f"Optional[{spelled}]" if len(rest) < len(args) else spelled
    if origin in (list, typing.List):
        return f"List[{_spell(args[0]) if args else 'Any'}]"
    if origin in (dict, typing.Dict):
        return f"Dict[{_spell(args[0])}, {_spell(args[1])}]" if args else "Dict[Any, Any]"
    if origin is collections.abc.Callable or annotation is typing.Callable:
        return "Callable"
    if annotation is typing.Any or isinstance(annotation, (str, typing.ForwardRef)):
        return "Any"
    if annotation is PathType:
        return "Path"
    if isinstance(annotation, type):
        return annotation.__name__
    return "Any"


def _section_schemas() -> dict:
    """spaCy's pydantic schemas of the top-level sections: field -> annotation, and which the
    default config fills (all of them: spaCy fills missing settings before validating)."""
    from spacy import schemas

    out = {}
    for section, model in (("nlp", schemas.ConfigSchemaNlp), ("training", schemas.ConfigSchemaTraining),
                           ("pretraining", schemas.ConfigSchemaPretrain), ("initialize", schemas.ConfigSchemaInit)):
        out[section] = {}
        for name, field in model.model_fields.items():
            spelled = _spell(field.annotation)
            # pydantic keeps a field's own Strict marker in its metadata, not in its annotation
            if spelled in ("str", "int", "float", "bool") and any(getattr(m, "strict", False) for m in field.metadata):
                spelled = "Strict" + spelled.title()
            out[section][name] = spelled
    return out


def _section_required() -> dict:
    """The fields of those schemas that have no default (spaCy's fill supplies them, except in
    [pretraining], which it does not fill)."""
    from spacy import schemas

    return {section: [name for name, field in model.model_fields.items() if field.is_required()]
            for section, model in (("nlp", schemas.ConfigSchemaNlp), ("training", schemas.ConfigSchemaTraining),
                                   ("pretraining", schemas.ConfigSchemaPretrain), ("initialize", schemas.ConfigSchemaInit))}


def _initialize_settings(factories: dict) -> dict:
    """Each factory's component `initialize` settings (what [initialize.components.NAME] may
    set), and the tokenizer's: {"factories": {name: {setting: annotation}}, "tokenizer": {...}}."""
    import inspect

    import spacy

    def settings(method) -> dict:
        return {p.name: _spell(p.annotation) if p.annotation is not inspect.Parameter.empty else "Any"
                for p in inspect.signature(method).parameters.values()
                if p.name not in ("self", "get_examples", "nlp") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}

    out: dict = {"factories": {}}
    for name in factories:
        nlp = spacy.blank("en")
        try:
            component = nlp.add_pipe(name)
        except Exception:  # needs settings, another language or a plugin
            continue
        method = getattr(component, "initialize", None)
        if method is not None:
            out["factories"][name] = settings(method)
    tokenizer = spacy.blank("en").tokenizer
    out["tokenizer"] = settings(tokenizer.initialize) if hasattr(tokenizer, "initialize") else None
    return out
def _languages() -> list[str]:
    """The language codes spaCy can load (`spacy.util.get_lang_class`: a package spacy.lang.CODE)."""
    import spacy

    folder = Path(spacy.__file__).parent / "lang"
    return sorted(p.parent.name for p in folder.glob("*/__init__.py"))


def _python_names() -> dict[str, str]:
    """The Python function behind each registered architecture and layer ("module.function" ->
    registered name, the highest version where one function has several), so that a project's
    code that calls `MaxoutWindowEncoder(...)` can be read as the registered block it builds."""
    import spacy
    from spacy import registry

    spacy.blank("en")
    out: dict[str, str] = {}
    for name in ("architectures", "layers"):
        for registered, function in sorted(getattr(registry, name).get_all().items()):
            key = f"{getattr(function, '__module__', '')}.{getattr(function, '__name__', '')}"
            if key.split(".")[0] in ("spacy", "thinc") and (key not in out or out[key] < registered):
                out[key] = registered
    return dict(sorted(out.items()))


def main() -> int:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    registries = {}
    for registry, functions in sorted(data["registries"].items()):
        registries[registry] = {
            name: {
                "params": [{k: p[k] for k in ("name", "annotation", "default", "kind") if k in p}
                           for p in f.get("params", [])],
                "returns": f.get("returns"),
                "doc": (f.get("doc") or "").strip().split("\n\n")[0],
            }
            for name, f in sorted(functions.items())
        }
    factories = {name: f["default_config"] for name, f in sorted(data["factories"].items())}
    out = {"spacy_version": data["spacy_version"], "registries": registries, "factories": factories,
           "factory_params": _factory_params(factories), "factory_score_weights": _factory_score_weights(factories),
           "training_defaults": _training_defaults(), "section_schemas": _section_schemas(),
           "section_required": _section_required(),
           "initialize_settings": _initialize_settings(factories), "languages": _languages(),
           "python_names": _python_names()}
    TARGET.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
