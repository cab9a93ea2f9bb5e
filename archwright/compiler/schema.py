"""A card's arguments as a pydantic model: the documented, exportable form of its schema
(`Card.schema`, `Card.schema.model_json_schema()`).

Validating a config does not go through pydantic (importing it would double the start-up time
of `archwright validate`): the checker reads the same `Arg` declarations directly, and a test
keeps the two in agreement.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from .registry import UNREAD, Card
from .types import Type, literal_values, parse_type

_SCALARS = {"int": int, "float": float, "bool": bool, "str": str, "StrictInt": int, "StrictFloat": float,
            "StrictStr": str, "StrictBool": bool, "Path": str, "dict": dict, "list": list}


def python_type(t: Type) -> Any:
    """The Python annotation pydantic validates with; sub-models and callables become Any (they
    are blocks of their own, checked against their own cards)."""
    if t.name in _SCALARS:
        return _SCALARS[t.name]
    if t.name in ("None", "NoneType"):
        return type(None)
    if t.name == "Optional" and t.args:
        return Optional[python_type(t.args[0])]
    if t.name == "Union" and t.args:
        return Union[tuple(python_type(a) for a in t.args)]
    if t.name == "Literal":
        return Literal[tuple(literal_values(t))]
    if t.name in ("List", "Sequence") and t.args:
        return List[python_type(t.args[0])]
    if t.name in ("Dict", "Mapping") and len(t.args) == 2:
        return Dict[python_type(t.args[0]), python_type(t.args[1])]
    return Any


def build_schema(card: Card) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for arg in card.args:
        if arg.kind == "positional":
            fields[arg.name] = (List[Any], Field(default_factory=list, alias="*", description=arg.doc))
            continue
        bounds = {k: getattr(arg, k) for k in ("gt", "ge", "lt", "le") if getattr(arg, k) is not None}
        default = ... if arg.required else None if arg.default is UNREAD else arg.default
        fields[arg.name] = (python_type(parse_type(arg.annotation)),
                            Field(default, description=arg.doc or None, **bounds))
    model_name = "".join(ch if ch.isalnum() else "_" for ch in card.name)
    return create_model(model_name, __config__=ConfigDict(extra="forbid", populate_by_name=True,
                                                         arbitrary_types_allowed=True), **fields)
