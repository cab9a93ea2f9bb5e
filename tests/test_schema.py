"""Every card's pydantic schema: its fields are the card's arguments, and it agrees with the
checker on the spec's bounds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archwright.compiler.registry import default_registry
from archwright.compiler.schema import model as schema_of

CARDS = sorted({(c.registry, c.name): c for c in default_registry().cards()}.values(),
               key=lambda c: (c.registry, c.name))
BOUNDED = [(card, arg) for card in CARDS if card.in_spec for arg in card.args
           if any(getattr(arg, k) is not None for k in ("gt", "ge", "lt", "le"))]


@pytest.mark.parametrize("card", CARDS, ids=lambda c: f"{c.registry}:{c.name}")
def test_schema_fields_are_the_arguments(card) -> None:
    schema = schema_of(card)
    assert list(schema.model_fields) == [a.name for a in card.args]
    required = {name for name, field in schema.model_fields.items() if field.is_required()}
    assert required == {a.name for a in card.args if a.required and a.kind == "keyword"}
    assert schema.model_json_schema()["title"]


@pytest.mark.parametrize("card, arg", BOUNDED, ids=lambda x: getattr(x, "name", ""))
def test_schema_bounds_agree_with_the_checker(card, arg) -> None:
    """Each bound the checker enforces (AW307) is in the schema too: a violating value fails."""
    violating = {"gt": lambda v: v, "ge": lambda v: v - 1, "lt": lambda v: v, "le": lambda v: v + 1}
    model = schema_of(card)
    for bound, make in violating.items():
        limit = getattr(arg, bound)
        if limit is None:
            continue
        value = make(limit)
        value = int(value) if "int" in arg.annotation else float(value)
        with pytest.raises(ValidationError):
            model.__pydantic_validator__.validate_assignment(model.model_construct(), arg.name, value)
    assert model.model_fields[arg.name].description == arg.doc
