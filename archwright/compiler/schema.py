"""A card's arguments as a pydantic model (`Card.schema`), built on first use for the cards a
config names: the checker validates every block's values with it and maps pydantic's errors back
to archwright's codes and spans (check.py).

The types are spaCy's config system's, not pydantic's own coercions: each field checks its value
with `types.accepts` (what confection lets through), so `width = "96"`, `true` for an int, or a
list for a string fail or pass exactly as they do in spaCy. Bounds and the depth limit are
pydantic errors of their own kinds; unknown arguments are pydantic's `extra_forbidden`, missing
ones its `missing`; the rules between arguments run as the model's validator.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, create_model, model_validator
from pydantic_core import PydanticCustomError, PydanticKnownError

from ..limits import MAX_STACKED, STACKING
from .registry import UNREAD, Arg, Card, registry_keys
from .types import accepts, literal_values, quoted_number
from .values import UNKNOWN, is_number

BOUNDS = (("gt", "greater_than"), ("ge", "greater_than_equal"), ("lt", "less_than"), ("le", "less_than_equal"))
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
        for bound, kind in BOUNDS:
            limit = getattr(arg, bound)
            if limit is not None and not {"gt": value > limit, "ge": value >= limit, "lt": value < limit,
                                          "le": value <= limit}[bound]:
                raise PydanticKnownError(kind, {bound: limit})
    return value


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
    schema.update({names[b]: getattr(arg, b) for b, _ in BOUNDS if getattr(arg, b) is not None})
    if arg.doc:
        schema["description"] = arg.doc
    return schema


def _rules(card: Card):
    def check(model: BaseModel) -> BaseModel:
        values = {k: v for k, v in model.__dict__.items() if not (isinstance(v, dict) and registry_keys(v))}
        for rule in card.rules:
            problem = rule.check(values)
            if problem:
                raise PydanticCustomError("argument_rule", "{problem}", {"problem": problem, "args": rule.args})
        return model
    return model_validator(mode="after")(check)


def build_schema(card: Card) -> type[BaseModel]:
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
    validators = {"rules": _rules(card)} if card.rules else {}
    return create_model(model_name, __config__=ConfigDict(extra=extra, populate_by_name=True,
                                                         arbitrary_types_allowed=True, validate_assignment=False),
                        __validators__=validators, **fields)


def validation_errors(card: Card, values: dict[str, Any]) -> list[dict[str, Any]]:
    """pydantic's errors for a block's values (`*` for the positional sub-blocks), each with its
    `loc` (the argument) and `type`."""
    from pydantic import ValidationError

    try:
        card.schema.model_validate(values)
    except ValidationError as e:
        return e.errors(include_url=False, include_input=True)
    return []
