"""The type algebra of the spec: annotations such as `Model[List[Doc], List[Floats2d]]`,
`Optional[int]` or `Literal['parser', 'ner']`, parsed from text, checked against config values
as spaCy's config system checks them, and matched against each other where sub-models plug in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from .values import UNKNOWN

_PREFIXES = re.compile(r"\b(?:typing|thinc\.types|thinc\.model|thinc\.api|spacy\.tokens\.doc|spacy\.tokens\.span|"
                       r"spacy\.tokens|spacy\.vocab|spacy\.language|spacy\.kb|pathlib|collections\.abc|"
                       r"thinc\.backends\.ops|spacy_transformers\.data_classes)\.")
_TOKEN = re.compile(r"\s*(?:(?P<name>[~\w.]+|'[^']*'|\"[^\"]*\"|-?\d+)|(?P<punct>[\[\],]))")
ANY_NAMES = {"Any", "object"}


class Type(NamedTuple):
    """A parsed annotation: a name and its arguments (`Model[List[Doc], Floats2d]`)."""

    name: str
    args: tuple["Type", ...] = ()

    def __str__(self) -> str:
        if self.name == "[]":
            return "[" + ", ".join(map(str, self.args)) + "]"
        return self.name + (f"[{', '.join(map(str, self.args))}]" if self.args else "")

    @property
    def is_model(self) -> bool:
        return self.name == "Model"

    @property
    def is_open(self) -> bool:
        """Any, a type variable (~InT), or a name archwright does not model: accepts anything."""
        return self.name in ANY_NAMES or self.name.startswith("~")


ANY = Type("Any")


@lru_cache(maxsize=2048)
def parse_type(text: str | None) -> Type:
    """Parse an annotation as the spec or Python's `repr` writes it; unparseable text is Any."""
    if not text:
        return ANY
    text = _PREFIXES.sub("", text).replace("NoneType", "None").replace("ForwardRef(", "(")
    tokens = [m.group("name") or m.group("punct") for m in _TOKEN.finditer(text) if m.group().strip()]
    try:
        parsed, rest = _parse(tokens, 0)
    except (IndexError, ValueError):
        return ANY
    return parsed if rest == len(tokens) else ANY


def _parse(tokens: list[str], at: int) -> tuple[Type, int]:
    if tokens[at] == "[":  # an argument list such as Callable[[Doc], Doc]
        args, at = _arguments(tokens, at + 1)
        return Type("[]", args), at
    name = tokens[at]
    at += 1
    if at < len(tokens) and tokens[at] == "[":
        args, at = _arguments(tokens, at + 1)
        return Type(name, args), at
    return Type(name), at


def _arguments(tokens: list[str], at: int) -> tuple[tuple[Type, ...], int]:
    args = []
    while tokens[at] != "]":
        arg, at = _parse(tokens, at)
        args.append(arg)
        if tokens[at] == ",":
            at += 1
    return tuple(args), at + 1


# ---------------------------------------------------------------------------------------------
# Values against annotations, as confection 1.3.4's checker accepts them (spec §12.2): no
# conversion, `int` also takes strings of digits, constraints are not enforced here.

_SIMPLE = {
    # confection's check lets "128" pass for an int, but the function then gets the string, not a
    # number, and fails (or computes with text): so a number in quotes is not a number here
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "StrictStr": lambda v: isinstance(v, str),
    "StrictInt": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "StrictFloat": lambda v: isinstance(v, float),
    "StrictBool": lambda v: isinstance(v, bool),
    "Path": lambda v: isinstance(v, str),
    "None": lambda v: v is None,
    "NoneType": lambda v: v is None,
    "dict": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "bytes": lambda v: False,
}
# Things a config can only produce through a registered function (a promise).
FUNCTION_RESULTS = {"Model", "Callable", "Optimizer", "Ops", "Vocab", "Language", "KnowledgeBase", "Doc",
                    "Span", "Ragged", "Padded", "Floats2d", "Ints2d", "Module", "HFObjects", "PyTorchGradScaler",
                    "Candidate", "Example", "Corpus", "Type", "IO", "device", "torch.device", "Suggester",
                    "Generator"}  # a schedule: only a registered function gives one
# confection lets anything through for these (a list is an Iterable)
OPEN_CONTAINERS = {"Iterable", "Iterator"}


def accepts(t: Type, value: Any) -> bool:
    """Whether spaCy's config system lets `value` (not a promise) through for annotation `t`."""
    name = t.name
    if t.is_open or name in OPEN_CONTAINERS or value is UNKNOWN:
        return True
    check = _SIMPLE.get(name)
    if check is not None:
        return check(value)
    if name == "Optional":
        return value is None or any(accepts(a, value) for a in t.args)
    if name == "Union":
        return any(accepts(a, value) for a in t.args)
    if name == "Literal":
        return any(value == _literal(a.name) and type(value) is type(_literal(a.name)) for a in t.args)
    if name == "Tuple":  # a config has lists, never tuples
        return False
    if name in ("List", "Sequence", "Set", "FrozenSet"):
        if not isinstance(value, list):
            return False
        element = t.args[0] if t.args else ANY
        return all(accepts(element, v) for v in value)
    if name in ("Dict", "Mapping"):
        if not isinstance(value, dict):
            return False
        key, val = (t.args + (ANY, ANY))[:2]
        return all(accepts(key, k) and accepts(val, v) for k, v in value.items())
    if name in FUNCTION_RESULTS or name.split(".")[-1] in FUNCTION_RESULTS:
        return False
    if "." in name and name.rsplit(".", 1)[1][:1].isupper() and not name.endswith("Path"):
        # an instance of a class (spacy...TransitionSystem): no JSON value is one; a block makes it
        return isinstance(value, dict)
    return True  # a type archwright does not model: leave it to spaCy


def quoted_number(t: Type, value: Any) -> int | float | None:
    """The number a string such as "128" spells, where `t` wants an int or a float; else None."""
    while t.name == "Optional" and t.args:
        t = t.args[0]
    if not isinstance(value, str) or t.name not in ("int", "float"):
        return None
    try:
        return int(value) if t.name == "int" else float(value)
    except ValueError:  # not a number, or too many digits
        return None


def _literal(text: str) -> Any:
    if text[:1] in "'\"":
        return text[1:-1]
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        return text


def literal_values(t: Type) -> list[Any]:
    return [_literal(a.name) for a in t.args] if t.name == "Literal" else []


# ---------------------------------------------------------------------------------------------
# Where a sub-model plugs in: Model[In, Out] against Model[In, Out]


def model_io(t: Type) -> tuple[Type, Type] | None:
    """(input, output) of a Model type, through Optional/Union wrappers; None if not a model."""
    if t.name == "Model":
        args = t.args + (ANY, ANY)
        return args[0], args[1]
    if t.name in ("Optional", "Union"):
        for arg in t.args:
            io = model_io(arg)
            if io is not None:
                return io
    return None


def same_data(expected: Type, actual: Type) -> bool:
    """Whether data of type `actual` fits where `expected` is wanted (open types fit anything)."""
    if expected.is_open or actual.is_open:
        return True
    if _alias(expected.name) != _alias(actual.name):
        return False
    if not expected.args or not actual.args:
        return True
    return len(expected.args) == len(actual.args) and all(
        same_data(e, a) for e, a in zip(expected.args, actual.args))


def _alias(name: str) -> str:
    return {"Docs": "Doc", "list": "List", "Sequence": "List", "tuple": "Tuple"}.get(name, name)


@lru_cache(maxsize=4096)  # a pure function of two annotations; a check asks it of every sub-block
def plugs_into(expected: Type, actual: Type) -> bool:
    """Whether a function returning `actual` may be given where `expected` is annotated."""
    if expected.is_open or actual.is_open:
        return True
    if expected.name in ("Optional", "Union"):
        return any(plugs_into(e, actual) for e in expected.args if e.name != "None")
    expected_io, actual_io = model_io(expected), model_io(actual)
    if expected_io is None or actual_io is None:
        # one side is not a model: only a model against a non-model callable is a clear mismatch
        return not (expected_io is not None and actual.name not in ("Model",) and not actual.is_open
                    and actual.name in FUNCTION_RESULTS and actual.name != "Callable")
    if _list_for_array(expected_io, actual_io):
        return True
    return same_data(expected_io[0], actual_io[0]) and same_data(expected_io[1], actual_io[1])


def _list_for_array(expected_io: tuple[Type, Type], actual_io: tuple[Type, Type]) -> bool:
    """A List[Floats2d] -> List[Floats2d] encoder where a Floats2d -> Floats2d one is annotated:
    spaCy's window encoders are `with_array(...)` models, which pass a bare array straight
    through, and spacy-legacy's Tok2Vec.v1 (`encode: Model[Floats2d, Floats2d]`) trains with
    MaxoutWindowEncoder.v2 (real configs do this)."""
    array, listed = Type("Floats2d"), Type("List", (Type("Floats2d"),))
    return expected_io == (array, array) and actual_io == (listed, listed)
