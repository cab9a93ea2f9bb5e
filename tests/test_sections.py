"""The top-level sections' validators are the ones pydantic makes for the same annotations.

sections.py writes each annotation's core schema itself (a pydantic model costs ~10 ms to create
and the import of pydantic's model machinery on every cold run). These tests build the pydantic
model the straightforward way, with `create_model`, and check that both give the same errors
(kind and location) for every annotation spaCy's schemas use, on generated values.
"""

from __future__ import annotations

from typing import Annotated, Any, Dict, List, Optional, Union

import pydantic
import pytest
from hypothesis import given, settings, strategies as st

from archwright.compiler.registry import initialize_settings, section_schemas
from archwright.compiler.sections import RELAXED, _PROMISES, _is_promise, _validator
from archwright.compiler.types import Type, parse_type


def _annotations() -> list[str]:
    found = {a for fields in section_schemas().values() for a in fields.values()}
    found |= {a for fields in initialize_settings().values() for a in fields.values()}
    found |= {a for fields in RELAXED.values() for a in fields.values()}
    return sorted(found)


ANNOTATIONS = _annotations()


def _python(t: Type) -> Any:
    """The annotation as Python typing, the way spaCy's schemas write it."""
    args = tuple(_python(a) for a in t.args)
    simple = {"StrictStr": pydantic.StrictStr, "StrictInt": pydantic.StrictInt, "StrictFloat": pydantic.StrictFloat,
              "StrictBool": pydantic.StrictBool, "str": str, "int": int, "float": float, "bool": bool, "Any": Any}
    if t.name in simple:
        return simple[t.name]
    if t.name == "Optional":
        return Optional[args[0]]
    if t.name == "Union":
        return Union[args]
    if t.name == "List":
        return List[args[0] if args else Any]
    if t.name == "Dict":
        return Dict[args] if len(args) == 2 else dict
    if t.name in _PROMISES:
        return Annotated[Any, pydantic.AfterValidator(_is_promise)]
    raise AssertionError(f"an annotation this test does not know: {t}")


def _errors(validate, value) -> list[tuple[str, tuple]]:
    try:
        validate(value)
    except pydantic.ValidationError as e:
        return sorted((error["type"], tuple(map(str, error["loc"]))) for error in e.errors())
    return []


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                    st.text(max_size=5), st.sampled_from(["96", "1.5", "true", "", "null"]))
blocks = st.fixed_dictionaries({"@optimizers": st.just("Adam.v1")})
values = st.recursive(scalars | blocks, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=3) | st.sampled_from(["1", "a"]), inner, max_size=3),
                      max_leaves=8)


def test_every_annotation_spacy_uses_is_one_this_test_knows():
    assert len(ANNOTATIONS) > 15
    for annotation in ANNOTATIONS:
        _python(parse_type(annotation))


@pytest.mark.parametrize("annotation", ANNOTATIONS)
@settings(max_examples=60, deadline=None)
@given(value=values)
def test_the_validator_gives_pydantics_errors(annotation, value):
    model = pydantic.create_model("Section", setting=(_python(parse_type(annotation)), None))
    ours = _validator((("setting", annotation),))
    assert _errors(ours.validate_python, {"setting": value}) == _errors(lambda v: model(**v), {"setting": value})


def test_a_missing_setting_is_no_error():
    fields = tuple((f"s{i}", a) for i, a in enumerate(ANNOTATIONS))
    assert _errors(_validator(fields).validate_python, {}) == []
