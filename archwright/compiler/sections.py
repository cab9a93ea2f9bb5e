"""[nlp], [training], [pretraining] and [initialize] typed as spaCy 3.8 types them.

spaCy validates these sections with pydantic models (ConfigSchemaNlp, ConfigSchemaTraining,
ConfigSchemaPretrain, ConfigSchemaInit) and [initialize.components.NAME] with a model made from
that component's `initialize` signature. Their annotations are recorded in the registry data
(scripts/update_registry_data.py); here they become pydantic validators again, built on first
use, so a value passes exactly when spaCy's schema lets it pass. A registered function block passes
where spaCy wants a callable (it is one once resolved). A setting spaCy fills from its defaults
may be missing; an unknown one is left to AW410, since spaCy drops it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..diagnostics import Diagnostic, nearest
from .registry import (initialize_settings, registry_keys, section_required, section_schemas,
                       training_default_block)
from .resolve import SpanIndex
from .types import Type, parse_type
from .values import Unknown

# spaCy's own names for what only a registered function gives
_PROMISES = {"Callable", "Optimizer", "Promise", "Lookups", "Batcher", "Logger"}


# Where spaCy reads a setting more leniently than its schema says: [training.score_weights] is
# recomputed at load (combine_score_weights sums and divides them), so true counts as 1.
RELAXED = {"training": {"score_weights": "Dict[StrictStr, Optional[Union[StrictInt, StrictFloat, StrictBool]]]"}}


def _is_promise(value: Any) -> Any:
    if isinstance(value, dict) and registry_keys(value):
        return value
    raise ValueError("must be a registered function block")


# a type as the core schema pydantic itself makes for it (create_model would give the same
# validator, at ~10 ms a model and the import of pydantic's model machinery on every cold run)
_PLAIN = {"str": ("str", False), "int": ("int", False), "float": ("float", False), "bool": ("bool", False),
          "StrictStr": ("str", True), "StrictInt": ("int", True), "StrictFloat": ("float", True),
          "StrictBool": ("bool", True)}


def _schema(t: Type) -> dict:
    """An archwright type as the core schema its value is validated with."""
    name = t.name
    args = [_schema(a) for a in t.args]
    if name in _PLAIN:
        kind, strict = _PLAIN[name]
        return {"type": kind, "strict": True} if strict else {"type": kind}
    if name == "Optional" and args:
        return {"type": "nullable", "schema": args[0]}
    if name == "Union" and args:
        choices = [a for i, a in enumerate(args) if a not in args[:i]]  # as typing's Union folds repeats
        return choices[0] if len(choices) == 1 else {"type": "union", "choices": choices}
    if name == "List":
        return {"type": "list", "items_schema": args[0]} if args else {"type": "list"}
    if name == "Dict" and len(args) == 2:
        return {"type": "dict", "keys_schema": args[0], "values_schema": args[1]}
    if name == "Dict":
        return {"type": "dict"}
    if name in _PROMISES or name.split(".")[-1] in _PROMISES:
        return {"type": "function-after", "function": {"type": "no-info", "function": _is_promise},
                "schema": {"type": "any"}}
    return {"type": "any"}


@lru_cache(maxsize=None)
def _validator(fields: tuple[tuple[str, str], ...]):
    from pydantic_core import SchemaValidator

    # every field may be missing (spaCy fills it); a default is never validated
    return SchemaValidator({"type": "typed-dict", "total": False, "fields": {
        name: {"type": "typed-dict-field", "schema": _schema(parse_type(annotation)), "required": False}
        for name, annotation in fields}})


@lru_cache(maxsize=None)
def _section_fields(section: str) -> tuple[dict[str, str], Any]:
    """A top-level section's settings ({name: annotation}, as spaCy reads them) and their validator."""
    fields = {**section_schemas()[section], **RELAXED.get(section, {})}
    return fields, _validator(tuple(fields.items()))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _known(value: Any, seen: set[int] | None = None) -> bool:
    """No UNKNOWN inside (an earlier error): such a value is not checked again. Safe on the
    self-containing dicts a reference to an enclosing section makes (`pipeline = ${nlp}`)."""
    if type(value) in _SCALARS:
        return True
    if isinstance(value, Unknown):
        return False
    if isinstance(value, (dict, list)):
        seen = set() if seen is None else seen
        if id(value) in seen:
            return True
        seen.add(id(value))
        return all(_known(v, seen) for v in (value.values() if isinstance(value, dict) else value))
    return True


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, dict):
        return "a block without a registered function" if not registry_keys(value) else "a registered function block"
    return repr(value)


_WANTED = {"StrictStr": "a string", "str": "a string", "StrictInt": "a whole number", "int": "a whole number",
           "StrictFloat": "a number", "float": "a number", "StrictBool": "true or false", "bool": "true or false",
           "Path": "a path (a string)"}


def _describe(t: Type, plural: bool = False) -> str:
    names = {n for n in (a.name for a in t.args)} if t.name == "Union" else {t.name}
    if names and names <= {"StrictInt", "StrictFloat", "int", "float"} and len(names) > 1:
        return "numbers" if plural else "a number"
    if t.name in _WANTED:
        text = _WANTED[t.name]
        return (text[2:] + "s" if text.startswith("a ") else text) if plural else text
    if t.name == "Optional" and t.args:
        return f"{_describe(t.args[0], plural)} or null"
    if t.name == "Union":
        return " or ".join(dict.fromkeys(_describe(a, plural) for a in t.args))
    if t.name == "List":
        return f"a list of {_describe(t.args[0], True) if t.args else 'values'}"
    if t.name == "Dict":
        return f"a table of {_describe(t.args[1], True)}" if len(t.args) == 2 else "a table"
    if t.name in _PROMISES or t.name.split(".")[-1] in _PROMISES:
        return "registered function blocks" if plural else "a registered function block"
    return str(t)


def _inner(t: Type, loc: tuple) -> tuple[Type, tuple[str, ...]]:
    """The type and the config path below the field that a pydantic error location names."""
    path: list[str] = []
    for part in loc:
        while t.name == "Optional" and t.args:
            t = t.args[0]
        if t.name == "Dict" and len(t.args) == 2 and isinstance(part, str):
            t, path = t.args[1], path + [part]
        elif t.name == "List" and t.args and isinstance(part, int):
            t = t.args[0]
        else:
            break
    return t, tuple(path)


def _validate(fields: dict[str, str], validator: Any, values: dict[str, Any], path: tuple[str, ...],
              spans: SpanIndex, where: str, incomplete: frozenset[str], partial: bool) -> list[Diagnostic]:
    """The settings `values` at `path` against `fields` ({name: annotation}) and their
    `validator` (`_validator`'s); `partial`: some values may be UNKNOWN."""
    from pydantic_core import ValidationError

    checked = {}
    for k, v in values.items():
        if k not in fields:
            continue
        if isinstance(v, dict):
            # a registered function block is resolved before spaCy validates: its card checks it;
            # a block whose @key spaCy's default config fills in (auto_fill merges it) is one too
            keys = registry_keys(v)
            if not keys:
                default = _default_block_at(path + (k,))
                if default:
                    v, keys = {**default, **v}, list(default)
            wanted = parse_type(fields[k]).name
            if keys and wanted not in _PROMISES and wanted != "Dict":  # a table (score weights) is never a block
                continue
        if (not partial or _known(v)) and not (incomplete and ".".join(path + (k,)) in incomplete):
            checked[k] = v
    if not checked:
        return []
    try:
        validator.validate_python(checked)
        return []
    except ValidationError as e:
        errors = e.errors(include_url=False)
    out, seen = [], set()
    for error in errors:
        key = str(error["loc"][0])
        if key in seen:
            continue
        seen.add(key)
        field_type = parse_type(fields[key])
        t, below = _inner(field_type, error["loc"][1:])
        at = path + (key,) + below
        value = error.get("input", checked[key]) if below else checked[key]
        name = ".".join((key,) + below)
        wanted = _describe(t) if not below else f"{_describe(t)} ({key} is {_describe(field_type)})"
        out.append(Diagnostic(
            "AW305", f"`{name}` of {where} must be {wanted if not below else wanted}, not {_shown(value)}",
            spans.find(at), config_path=".".join(at), hint=_default_block(at) or _fix(t)))
    return out


def _default_block_at(path: tuple[str, ...]) -> dict:
    """The `@registry` key spaCy's default config has at `path` (what auto_fill merges in), or {}."""
    block = training_default_block(path)
    return {k: block[k] for k in registry_keys(block)} if block else {}


def _default_block(path: tuple[str, ...]) -> str:
    """For a setting spaCy's default config fills with a block: that block, spelled out."""
    default = _default_block_at(path)
    if not default:
        return ""
    (at, name), key = next(iter(default.items())), path[-1]
    return (f'write {key} = {{"{at}": "{name}"}} (JSON: a colon after each key), '
            f"or a [{'.'.join(path)}] section")


def _fix(t: Type) -> str:
    core = t.args[0] if t.name == "Optional" and t.args else t
    if core.name in ("StrictFloat", "float"):
        return "write a number, such as 0.1"
    if core.name in ("StrictInt", "int"):
        return "write a whole number without quotes"
    if core.name in ("StrictStr", "str", "Path"):
        return 'write a string in double quotes, such as "name"'
    if core.name == "List":
        return 'write a JSON list, such as ["a", "b"]'
    if core.name in _PROMISES:
        return "name a registered function (a [section] with @registry = \"name\"), or null where allowed"
    return f"give {_describe(t)}"


def check_sections(data: dict[str, Any], spans: SpanIndex, component_factories: dict[str, str],
                   incomplete: frozenset[str] = frozenset(), partial: bool = True) -> list[Diagnostic]:
    """Every setting of the top-level sections against spaCy's schemas; `component_factories`
    maps each component to its factory, for [initialize.components.NAME]; a section in
    `incomplete` (only implied, or not read whole) is not checked; `partial`: the config was
    resolved after an error, so values may be UNKNOWN (they are not checked again)."""
    out: list[Diagnostic] = []
    for section in section_schemas():
        fields, validator = _section_fields(section)
        values = data.get(section)
        if section == "pretraining" and isinstance(values, dict) and values and "pretraining" not in incomplete:
            # spaCy fills no default for [pretraining]: once it has settings, it needs them all
            missing = [key for key in section_required()["pretraining"] if key not in values]
            if missing:
                out.append(Diagnostic(
                    "AW425", f"[pretraining] needs {', '.join(f'`{k}`' for k in missing)}: spaCy fills no defaults "
                    "there (Field required)", spans.find(("pretraining",)), config_path="pretraining",
                    hint="run `spacy init fill-config --pretraining`, or `archwright fill`, to add every setting"))
        if isinstance(values, dict):
            out += _validate(fields, validator, values, (section,), spans, f"[{section}]", incomplete, partial)
    initialize = data.get("initialize")
    components = initialize.get("components") if isinstance(initialize, dict) else None
    if isinstance(components, dict):
        settings = initialize_settings()
        for name, given in components.items():
            factory = component_factories.get(name)
            allowed = settings.get(factory) if isinstance(factory, str) else None
            if allowed is None or not isinstance(given, dict):
                continue  # not a component of this pipeline, or a factory whose settings are not known
            path = ("initialize", "components", name)
            for key in given:
                if key not in allowed:
                    near = nearest(key, list(allowed))
                    out.append(Diagnostic(
                        "AW420", f"the {factory} component `{name}` has no initialize setting `{key}` (spaCy: "
                        "Extra inputs are not permitted)", spans.keys.get(path + (key,)) or spans.find(path + (key,)), config_path=".".join(path + (key,)),
                        hint=f"did you mean `{near}`?" if near else
                        f"its settings are: {', '.join(allowed) or 'none'}"))
            out += _validate(allowed, _validator(tuple(allowed.items())), given, path, spans, f"[{'.'.join(path)}]",
                             incomplete, partial)
    return out

