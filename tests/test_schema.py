"""Every card's pydantic schema: its fields are the card's arguments, and it agrees with the
checker on the spec's bounds."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError, PydanticKnownError

from archwright.compiler.registry import default_registry
from archwright.compiler.schema import _check_value, value_check
from archwright.compiler.schema import model as schema_of
from archwright.compiler.values import UNKNOWN

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


ARGS = sorted({(a.name, a.annotation, a.gt, a.ge, a.lt, a.le): a for card in CARDS for a in card.args
               if a.kind == "keyword"}.values(), key=lambda a: (a.name, a.annotation))
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 20_000), st.floats(allow_nan=False),
                    st.sampled_from(["", "96", "1.5", "x", "mean", "sum"]), st.just([1]), st.just({"@layers": "x"}),
                    st.just(UNKNOWN))


def _outcome(check, value):
    try:
        return "ok", check(value)
    except PydanticCustomError as e:
        return "error", e.type
    except PydanticKnownError as e:
        return "error", e.type


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(ARGS), _VALUES)
def test_an_arguments_fast_check_is_its_general_check(arg, value) -> None:
    # value_check answers a value plainly of the argument's type without the general rules
    assert _outcome(value_check(arg), value) == _outcome(partial(_check_value, arg), value)
