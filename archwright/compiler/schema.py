"""A card's arguments as pydantic schemas, made on first use for the cards a config names:
`validator(card)`, the pydantic-core validator the checker runs on every block's values (its
errors mapped back to archwright's codes and spans in check.py), `plain_validator(card)`, which
accepts only values that validator accepts, checked in pydantic-core without calling back into
Python where it can (most blocks are clean: they pass it and are done), and `model(card)`, the same
fields as a pydantic model for documentation and JSON Schema export. The validator is built from
a core schema directly: a pydantic model class costs ~10 ms to create, the core validator a
fraction of that, and a cold `archwright validate` creates one per card it meets.

The types are spaCy's config system's, not pydantic's own coercions: each field checks its value
with `types.accepts` (what confection lets through), so `width = "96"`, `true` for an int, or a
list for a string fail or pass exactly as they do in spaCy. Bounds and the depth limit are
pydantic errors of their own kinds; unknown arguments are pydantic's `extra_forbidden`, missing
ones its `missing`; the rules between arguments run as the model's validator.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Callable, Container

from pydantic_core import (PydanticCustomError, PydanticKnownError, SchemaError, SchemaValidator, ValidationError,
                           core_schema)

from ..limits import MAX_STACKED, STACKING
from .cards import UNREAD, Arg, Card, registry_keys, violated_bound
from .types import FUNCTION_RESULTS, OPEN_CONTAINERS, Type, accepts, literal_values, quoted_number
from .values import UNKNOWN, is_number

BOUNDS = {"gt": "greater_than", "ge": "greater_than_equal", "lt": "less_than", "le": "less_than_equal"}  # pydantic's kinds
_JSON_TYPES = {"int": "integer", "StrictInt": "integer", "float": "number", "StrictFloat": "number",
               "bool": "boolean", "StrictBool": "boolean", "str": "string", "StrictStr": "string", "Path": "string",
               "List": "array", "Sequence": "array", "list": "array", "Dict": "object", "dict": "object"}


def _check_value(arg: Arg, value: Any) -> Any:
    """One argument's value as spaCy's config system checks it (a sub-block is its own card's)."""
    if value is UNKNOWN or isinstance(value, dict) and registry_keys(value):
        return value
    t = arg.type
    if quoted_number(t, value) is not None:
        raise PydanticCustomError("quoted_number", "a number written as a string")
    if not accepts(t, value):
        raise PydanticCustomError("config_type", "not {annotation}", {"annotation": arg.annotation})
    if is_number(value):
        if arg.name in STACKING and value > MAX_STACKED:
            raise PydanticCustomError("too_many_layers", "more than {limit} layers", {"limit": MAX_STACKED})
        bound = violated_bound(arg, value)
        if bound is not None:
            raise PydanticKnownError(BOUNDS[bound], {bound: getattr(arg, bound)})
    return value


# pydantic-core's strict schemas that accept a part of what `types.accepts` lets through for
# these annotations (strict int refuses a bool; StrictFloat refuses an int, so it is an instance check)
_PLAIN_SCHEMAS: dict[str, Callable[..., Any]] = {
    "int": lambda **b: core_schema.int_schema(strict=True, **b),
    "StrictInt": lambda **b: core_schema.int_schema(strict=True, **b),
    "float": lambda **b: core_schema.float_schema(strict=True, allow_inf_nan=False, **b),
    "StrictFloat": lambda **b: core_schema.chain_schema([
        core_schema.is_instance_schema(float), core_schema.float_schema(strict=True, allow_inf_nan=False, **b)]),
    "bool": lambda: core_schema.bool_schema(strict=True),
    "StrictBool": lambda: core_schema.bool_schema(strict=True),
    "str": lambda: core_schema.str_schema(strict=True),
    "StrictStr": lambda: core_schema.str_schema(strict=True),
    "Path": lambda: core_schema.str_schema(strict=True),
    "None": core_schema.none_schema,
    "NoneType": core_schema.none_schema,
    "dict": lambda: core_schema.dict_schema(strict=True),
    "list": lambda: core_schema.list_schema(strict=True),
}
_NUMBERS = {"int", "StrictInt", "float", "StrictFloat"}


def _plain_arg_schema(arg: Arg) -> Any:
    """A core schema that accepts only values `_check_value(arg, ...)` accepts, checked without
    Python, or None where that needs Python. A sub-block is never given to it (its own card
    checks it), so a type only a block can be (Model, Callable ...) accepts nothing here."""
    bounds = dict(arg.bounds)
    if arg.name in STACKING:
        bounds["le"] = min(bounds.get("le", MAX_STACKED), MAX_STACKED)
    return _plain_schema(arg.type, bounds)


def _plain_schema(t: Type, bounds: dict[str, float]) -> Any:
    """`types.accepts(t, ...)`, with `bounds` for a number, as a core schema accepting the same
    values or fewer (a member of a union it cannot say is left out); None where it accepts no
    value but a block, or where that needs Python."""
    name = t.name
    if t.is_open or name in OPEN_CONTAINERS:  # any number too, which the bounds need Python for
        return None if bounds else core_schema.any_schema()
    if name in _NUMBERS:
        if name in ("int", "StrictInt"):  # pydantic-core takes only whole bounds for an int
            if not all(float(limit).is_integer() for limit in bounds.values()):
                return None
            bounds = {bound: int(limit) for bound, limit in bounds.items()}
        return _PLAIN_SCHEMAS[name](**bounds)
    if name in _PLAIN_SCHEMAS:
        return _PLAIN_SCHEMAS[name]()
    if name in ("Optional", "Union"):
        members = [m for m in (_plain_schema(a, bounds) for a in t.args) if m is not None]
        if name == "Optional":
            members.append(core_schema.none_schema())
        if not members:
            return None
        return members[0] if len(members) == 1 else core_schema.union_schema(members, mode="left_to_right")
    if name == "Literal":
        values = literal_values(t)  # == would let True through for 1: only strings are literal here
        return core_schema.literal_schema(values) if values and all(type(v) is str for v in values) else None
    if name in ("List", "Sequence", "Set", "FrozenSet"):  # a list is no number: no bounds inside
        items = _plain_schema(t.args[0], {}) if t.args else core_schema.any_schema()
        return None if items is None else core_schema.list_schema(items, strict=True)
    if name in ("Dict", "Mapping"):
        keys, values = ((_plain_schema(a, {}) for a in t.args[:2]) if len(t.args) >= 2 else
                        (core_schema.any_schema(), core_schema.any_schema()))
        return None if keys is None or values is None else core_schema.dict_schema(keys, values, strict=True)
    if name == "Tuple" or name in FUNCTION_RESULTS or name.split(".")[-1] in FUNCTION_RESULTS:
        return None
    if "." in name and name.rsplit(".", 1)[1][:1].isupper() and not name.endswith("Path"):
        return core_schema.dict_schema(strict=True)  # an instance of a class: a block (a dict) makes it
    return None if bounds else core_schema.any_schema()  # a type archwright does not model


def _json_schema(arg: Arg) -> dict[str, Any]:
    t = arg.type
    while t.name == "Optional" and t.args:
        t = t.args[0]
    schema: dict[str, Any] = {}
    if t.name == "Literal":
        schema["enum"] = list(literal_values(t))
    elif t.name in _JSON_TYPES:
        schema["type"] = _JSON_TYPES[t.name]
    names = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    schema.update({names[b]: getattr(arg, b) for b in BOUNDS if getattr(arg, b) is not None})
    if arg.doc:
        schema["description"] = arg.doc
    return schema


_VALIDATORS: dict[int, tuple[Card, SchemaValidator]] = {}
_PLAIN_VALIDATORS: dict[int, tuple[Card, SchemaValidator | None]] = {}
_MODELS: dict[int, tuple[Card, Any]] = {}


def _once(made: dict[int, tuple[Card, Any]], card: Card, make: Callable[[Card], Any]) -> Any:
    """`make(card)`, made once per card (kept with the card, so its id stays its own)."""
    found = made.get(id(card))
    if found is None:
        found = made[id(card)] = (card, make(card))
    return found[1]


def validator(card: Card) -> SchemaValidator:
    """The card's validator, made once."""
    return _once(_VALIDATORS, card, build_validator)


def plain_validator(card: Card) -> SchemaValidator | None:
    """The card's plain validator (`build_validator(card, plain=True)`), made once; None where
    pydantic-core cannot make one of the card's types (a card read from --code)."""
    return _once(_PLAIN_VALIDATORS, card, _plain_or_none)


def _plain_or_none(card: Card) -> SchemaValidator | None:
    try:
        return build_validator(card, plain=True)
    except SchemaError:
        return None


def model(card: Card) -> Any:
    """The card's arguments as a pydantic model class, made once."""
    return _once(_MODELS, card, build_schema)


def build_schema(card: Card):
    """The card's arguments as a pydantic model: documentation and JSON Schema (`model_json_schema`)."""
    from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, create_model, model_validator

    fields: dict[str, Any] = {}
    for arg in card.args:
        if arg.kind == "positional":
            fields[arg.name] = (Any, Field(default_factory=dict, alias="*", description=arg.doc or None))
            continue
        default = ... if arg.required else None if arg.default is UNREAD else arg.default
        annotation = Annotated[Any, AfterValidator(partial(_check_value, arg)), WithJsonSchema(_json_schema(arg))]
        fields[arg.name] = (annotation, Field(default, description=arg.doc or None, validate_default=False))
    model_name = "".join(ch if ch.isalnum() else "_" for ch in card.name)
    extra = "allow" if card.open_keywords else "forbid"
    validators = {"rules": model_validator(mode="before")(lambda values: _check_rules(card, values))} \
        if card.rules else {}
    return create_model(model_name, __config__=ConfigDict(extra=extra, populate_by_name=True,
                                                         arbitrary_types_allowed=True, validate_assignment=False),
                        __validators__=validators, **fields)


def build_validator(card: Card, plain: bool = False) -> SchemaValidator:
    """The validator of a block's values. `plain`: one that accepts only what the other accepts,
    with each argument of a plain type checked by pydantic-core alone; what it refuses the
    other validator says why (or lets through: a value of an earlier error, UNKNOWN)."""
    fields = {}
    for arg in card.args:
        if arg.kind == "positional":
            fields["*"] = core_schema.typed_dict_field(core_schema.any_schema(), required=False)
        else:
            check = _plain_arg_schema(arg) if plain else None
            if check is None:
                check = core_schema.no_info_after_validator_function(partial(_check_value, arg), core_schema.any_schema())
            # plain: the caller has seen that the required arguments are there (sub-blocks are not given)
            fields[arg.name] = core_schema.typed_dict_field(check, required=arg.required and not plain)
    schema = core_schema.typed_dict_schema(fields, extra_behavior="allow" if card.open_keywords else "forbid",
                                           total=False)
    if card.rules:
        schema = core_schema.no_info_after_validator_function(partial(_check_rules, card), schema)
    return SchemaValidator(schema)


def _check_rules(card: Card, values: dict[str, Any]) -> dict[str, Any]:
    plain = {k: v for k, v in values.items() if not (isinstance(v, dict) and registry_keys(v))}
    for rule in card.rules:
        problem = rule.check(plain)
        if problem:
            raise PydanticCustomError("argument_rule", "{problem}", {"problem": problem, "args": rule.args})
    return values


def validation_errors(card: Card, values: dict[str, Any], blocks: Container[str] = ()) -> list[dict[str, Any]]:
    """pydantic's errors for a block's values (`*` for the positional sub-blocks), each with its
    `loc` (the argument) and `type`. `blocks`: the arguments whose values are registered function
    blocks, bound to their cards (the commonest values the plain validator cannot say yes to)."""
    plain_check = plain_validator(card)
    if plain_check is not None and all(name in values for name in card.required_keywords):
        declared = card.by_name  # a block under a name the card lacks is an unknown argument still
        plain = {k: v for k, v in values.items() if k not in blocks or k not in declared} if blocks else values
        try:
            plain_check.validate_python(plain)
            return []
        except ValidationError:
            pass  # the validator says what is wrong, or that it is not (an UNKNOWN value ...)
    try:
        validator(card).validate_python(values)
    except ValidationError as e:
        return e.errors(include_url=False)
    return []
