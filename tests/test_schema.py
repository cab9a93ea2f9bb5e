"""Every card's pydantic schema: its fields are the card's arguments, and it agrees with the
checker on the spec's bounds."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError, PydanticKnownError, SchemaValidator
from pydantic_core import ValidationError as PydanticValidationError

from archwright.compiler.cards import Arg, Card
from archwright.compiler.registry import default_registry, registry_keys
from archwright.compiler.schema import _check_value, _plain_arg_schema, plain_validator, validation_errors, validator
from archwright.compiler.types import literal_values
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


def _outcome(check, value):
    try:
        return "ok", check(value)
    except PydanticCustomError as e:
        return "error", e.type
    except PydanticKnownError as e:
        return "error", e.type


_LITERALS = sorted({str(v) for a in ARGS for v in literal_values(a.type)})
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 20_000), st.integers(), st.floats(),
              st.sampled_from(["", "96", "1.5", "x", *_LITERALS])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["a", "@layers", "nO"]), inner, max_size=2)),
    max_leaves=6)


@settings(max_examples=5000, deadline=None)
@given(st.sampled_from(ARGS), st.one_of(_JSON, st.just(UNKNOWN)))
def test_an_arguments_plain_schema_accepts_only_what_its_check_accepts(arg, value) -> None:
    """The plain validator answers most blocks alone: whatever it lets through, the checker's
    own rules let through too (it may refuse more; the validator then says why, or that it is fine)."""
    schema = _plain_arg_schema(arg)
    if schema is None:
        return
    try:
        SchemaValidator(schema).validate_python(value)
    except PydanticValidationError:
        return
    assert _outcome(partial(_check_value, arg), value)[0] == "ok"


BLOCK_CARDS = [card for card in CARDS if card.args]


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(BLOCK_CARDS), st.data())
def test_a_blocks_errors_are_the_validators_with_the_plain_one_first(card, data) -> None:
    names = [a.name for a in card.args if a.kind == "keyword"] + ["unknown_argument"]
    values = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(_JSON, st.just(UNKNOWN)), max_size=6))
    blocks = {k for k, v in values.items() if isinstance(v, dict) and registry_keys(v)}
    try:
        validator(card).validate_python(values)
        expected = []
    except PydanticValidationError as e:
        expected = e.errors(include_url=False)
    assert validation_errors(card, values, blocks) == expected


def test_every_card_has_a_plain_validator() -> None:
    assert all(plain_validator(card) is not None for card in CARDS)


def test_an_int_with_a_bound_that_is_not_whole_is_checked_by_its_rules() -> None:
    """pydantic-core takes only whole bounds for an int: such an argument (a card read from
    --code could have one) is left to the checker's own rules, and the block still validates."""
    arg = Arg("size", "int", le=1.5)
    assert _plain_arg_schema(arg) is None
    card = Card("my.Layer.v1", "architectures", (arg, Arg("scale", "Union[int, float]", le=1.5)), "Model[Any, Any]")
    assert validation_errors(card, {"size": 1, "scale": 1}) == []
    assert [e["type"] for e in validation_errors(card, {"size": 2, "scale": 2})] == ["less_than_equal"] * 2


def test_a_card_without_a_plain_validator_is_validated_the_long_way(monkeypatch) -> None:
    from archwright.compiler import schema

    monkeypatch.setattr(schema, "_plain_arg_schema", lambda arg: {"type": "no such schema"})
    card = Card("my.Other.v1", "architectures", (Arg("width", "int", gt=0),), "Model[Any, Any]")
    assert plain_validator(card) is None
    assert validation_errors(card, {"width": 3}) == []
    assert [e["type"] for e in validation_errors(card, {"width": 0})] == ["greater_than"]
