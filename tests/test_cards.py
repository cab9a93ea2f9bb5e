"""The spec's architecture cards: one per `### name` heading of the spec (plus the documented legacy
versions), each complete (typed, documented, with an example that checks clean), and a table of
mutations of every example: a value out of its bounds (AW307), a required argument removed
(AW308), a value of the wrong type (AW305), each reported where it belongs."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest

from archwright.compiler.architectures import FAMILIES, SPEC_CARDS
from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import REQUIRED, Arg, Card, factories, training_defaults
from archwright.compiler.types import ANY, parse_type

from conftest import SHARED, needs_shared

SPEC = SHARED / "spec" / "architectures.md"
HEADING = re.compile(r"^###\s+(\S+)", re.MULTILINE)
DOCUMENTED_LEGACY = {"spacy.TextCatEnsemble.v1", "spacy.TextCatCNN.v1", "spacy.TextCatBOW.v1",
                     "spacy.TransitionBasedParser.v1"}
SPEC_FAMILY_ORDER = ["tok2vec", "transformers", "pretrain", "parser", "tagger", "textcat", "spancat",
                     "entity_linker", "layers"]
HEADER = re.compile(r"^\[([^\]]*)\]\s*$")


def card_id(card: Card) -> str:
    return card.name


# -- the set of cards ------------------------------------------------------------------------


@needs_shared
def test_in_spec_cards_are_the_spec_headings_and_documented_legacy_versions():
    headings = set(HEADING.findall(SPEC.read_text(encoding="utf-8")))
    in_spec = {card.name for card in SPEC_CARDS if card.in_spec}
    assert in_spec == headings | DOCUMENTED_LEGACY, (
        f"missing cards: {sorted(headings | DOCUMENTED_LEGACY - in_spec)}; "
        f"not in the spec: {sorted(in_spec - headings - DOCUMENTED_LEGACY)}")


def test_documented_legacy_versions_are_marked_legacy():
    by_name = {card.name: card for card in SPEC_CARDS}
    assert {name for name in DOCUMENTED_LEGACY if by_name[name].legacy} == DOCUMENTED_LEGACY
    assert {card.name for card in SPEC_CARDS if card.in_spec and card.legacy} == DOCUMENTED_LEGACY


def test_families_in_the_spec_order():
    assert [module.FAMILY for module in FAMILIES] == SPEC_FAMILY_ORDER
    for module in FAMILIES:
        assert {card.family for card in module.CARDS} == {module.FAMILY}


def test_card_names_are_unique():
    keys = [(card.registry, card.name) for card in SPEC_CARDS]
    assert len(keys) == len(set(keys))


# -- every card is complete ------------------------------------------------------------------


@pytest.mark.parametrize("card", SPEC_CARDS, ids=card_id)
def test_card_is_complete(card: Card):
    assert card.doc.strip(), "the card needs a doc"
    assert card.example.strip(), "the card needs an example"
    assert parse_type(card.returns) != ANY, f"returns {card.returns!r} does not parse"
    for arg in card.args:
        assert parse_type(arg.annotation) != ANY, f"`{arg.name}` has no usable annotation ({arg.annotation!r})"
        assert arg.doc.strip(), f"`{arg.name}` has no doc"


@pytest.mark.parametrize("card", SPEC_CARDS, ids=card_id)
def test_example_checks_clean(card: Card):
    assert Compilation(card.example).diagnostics == []


@pytest.mark.parametrize("card", SPEC_CARDS, ids=card_id)
def test_example_names_the_card(card: Card):
    Block.of(card, card.example)  # raises if the example has no block for the card


# -- editing an example: the card's block and its argument lines ---------------------------


class Block(NamedTuple):
    """The card's block in an example: its section, the line naming the card, its line range."""

    section: str
    at_line: int  # 0-based index of `@registry = "name"`
    start: int  # 0-based index of the header
    end: int  # exclusive

    @classmethod
    def of(cls, card: Card, text: str) -> "Block":
        lines = text.splitlines()
        at = re.compile(rf'^@{re.escape(card.registry)}\s*=\s*"{re.escape(card.name)}"\s*$')
        start, section = 0, ""
        for i, line in enumerate(lines):
            header = HEADER.match(line)
            if header:
                start, section = i, header.group(1)
            elif at.match(line):
                end = next((j for j in range(i + 1, len(lines)) if HEADER.match(lines[j])), len(lines))
                return cls(section, i, start, end)
        raise AssertionError(f"the example has no `@{card.registry} = \"{card.name}\"` line")

    def arg_line(self, lines: list[str], name: str) -> int | None:
        key = re.compile(rf"^{re.escape(name)}\s*=")
        return next((i for i in range(self.at_line + 1, self.end) if key.match(lines[i])), None)


def set_value(card: Card, text: str, name: str, value: str) -> tuple[str, int]:
    """The example with `name = value` in the card's block (replaced, or added after the `@` line),
    and the 1-based line of that value."""
    lines = text.splitlines()
    block = Block.of(card, text)
    at = block.arg_line(lines, name)
    if at is None:
        at = block.at_line + 1
        lines.insert(at, f"{name} = {value}")
    else:
        lines[at] = f"{name} = {value}"
    return "\n".join(lines) + "\n", at + 1


def remove_arg(card: Card, text: str, name: str) -> str | None:
    """The example without argument `name` of the card's block (its line, or its sub-section with
    everything below it), or None if the example does not give it."""
    lines = text.splitlines()
    block = Block.of(card, text)
    at = block.arg_line(lines, name)
    if at is not None:
        return "\n".join(lines[:at] + lines[at + 1:]) + "\n"
    sub = f"{block.section}.{name}"
    kept, dropping, found = [], False, False
    for line in lines:
        header = HEADER.match(line)
        if header:
            dropping = header.group(1) == sub or header.group(1).startswith(sub + ".")
            found = found or dropping
        if not dropping:
            kept.append(line)
    return "\n".join(kept) + "\n" if found else None


def filled_by_spacy(card: Card, section: str, name: str) -> bool:
    """Whether spaCy's auto-fill supplies `name` at this place (from the factory's default config
    under [components.X], else from the default training config), as for the same function.
    [pretraining] is never filled: Language.from_config sets it aside (checked with spaCy's own
    stages: `maxout_pieces` left out of [pretraining.objective] fails at initialize)."""
    path = section.split(".")
    if path[0] == "pretraining":
        return False
    if len(path) >= 3 and path[0] == "components":
        node: Any = factories().get(_component_factory(card.example, path[1]), {})
        path = path[2:]
    else:
        node = training_defaults()
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return isinstance(node, dict) and node.get("@" + card.registry) == card.name and name in node


def _component_factory(text: str, component: str) -> str | None:
    match = re.search(rf'^\[components\.{re.escape(component)}\]\s*\n(?:[^\[].*\n)*?factory\s*=\s*"([^"]+)"',
                      text, re.MULTILINE)
    return match.group(1) if match else None


# -- the mutation table ----------------------------------------------------------------------


class Case(NamedTuple):
    card: Card
    arg: Arg
    kind: str  # "bound", "missing", "filled" (missing, but spaCy fills it in) or "type"
    value: str = ""  # the value written, for "bound" and "type"

    @property
    def id(self) -> str:
        shown = {"bound": f"={self.value}", "missing": " removed", "filled": " removed (spaCy fills it)",
                 "type": f"={self.value}"}[self.kind]
        return f"{self.card.name}:{self.arg.name}{shown}"


def _bound_values(arg: Arg) -> list[str]:
    values = []
    if arg.gt is not None:
        values.append(arg.gt)
    if arg.ge is not None:
        values.append(arg.ge - 1)
    if arg.lt is not None:
        values.append(arg.lt)
    if arg.le is not None:
        values.append(arg.le + 1)
    return [f"{v:g}" for v in values]


def _scalar(arg: Arg) -> bool:
    """Whether `"oops"` is of the wrong type: an int, float, bool or Literal (or Optional one)."""
    t = parse_type(arg.annotation)
    if t.name == "Optional" and len(t.args) == 1:
        t = t.args[0]
    return t.name in ("int", "float", "bool", "Literal")


def _cases() -> list[Case]:
    cases = []
    for card in SPEC_CARDS:
        for arg in card.args:
            cases += [Case(card, arg, "bound", value) for value in _bound_values(arg)]
            removed = remove_arg(card, card.example, arg.name) if arg.default is REQUIRED else None
            if removed is not None and arg.kind == "keyword":
                filled = filled_by_spacy(card, Block.of(card, removed).section, arg.name)
                cases.append(Case(card, arg, "filled" if filled else "missing"))
            if _scalar(arg):
                cases.append(Case(card, arg, "type", '"oops"'))
    return cases


CASES = _cases()


def test_the_table_covers_every_kind_of_case():
    assert {case.kind for case in CASES} >= {"bound", "missing", "type"}
    assert len({case.id for case in CASES}) == len(CASES)


def _shown(diagnostics) -> list[tuple[str, int | None]]:
    return [(d.code, d.span.line if d.span else None) for d in diagnostics]


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "bound"], ids=lambda c: c.id)
def test_out_of_bounds_value_is_aw307_at_its_line(case: Case):
    text, line = set_value(case.card, case.card.example, case.arg.name, case.value)
    assert _shown(Compilation(text).diagnostics) == [("AW307", line)], text


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "type"], ids=lambda c: c.id)
def test_wrong_type_is_aw305_at_its_line(case: Case):
    text, line = set_value(case.card, case.card.example, case.arg.name, case.value)
    assert _shown(Compilation(text).diagnostics) == [("AW305", line)], text


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "missing"], ids=lambda c: c.id)
def test_missing_required_argument_is_aw308_at_the_block(case: Case):
    text = remove_arg(case.card, case.card.example, case.arg.name)
    diagnostics = Compilation(text).diagnostics
    assert _shown(diagnostics) == [("AW308", Block.of(case.card, text).at_line + 1)], text
    assert f"`{case.arg.name}`" in diagnostics[0].message


def test_no_spec_example_leaves_out_an_argument_spacy_fills():
    """The spec's examples are bare blocks, which no default config fills: every required
    argument left out is AW308 (above). [pretraining] is not filled either (filled_by_spacy)."""
    assert [c for c in CASES if c.kind == "filled"] == []


@pytest.mark.parametrize("factory, section, removed", [
    ("tok2vec", "components.tok2vec.model", "depth"),  # the tok2vec factory's default HashEmbedCNN.v2
    ("tagger", "components.tagger.model", "tok2vec"),  # a whole sub-block: auto-fill merges it in
])
def test_required_argument_spacy_fills_in_may_be_left_out(factory, section, removed):
    """Where the factory's default config names the same function, auto-fill supplies the
    argument: leaving it out is no error, but it is where the default names another function."""
    from archwright.compiler.registry import factories

    default = factories()[factory]["model"]
    lines = [f"[{section}]", f'@architectures = "{default["@architectures"]}"']
    lines += [f"{k} = {_json(v)}" for k, v in default.items() if not k.startswith("@") and k != removed
              and not isinstance(v, dict)]
    blocks = {k: v for k, v in default.items() if isinstance(v, dict) and k != removed}
    for key, block in blocks.items():
        lines += ["", f"[{section}.{key}]"] + [f"{k} = {_json(v)}" for k, v in block.items()]
    name = section.split(".")[1]
    text = (f'[nlp]\nlang = "en"\npipeline = ["{name}"]\n\n[components]\n\n[components.{name}]\n'
            f'factory = "{factory}"\n\n' + "\n".join(lines) + "\n")
    assert removed in default and [d for d in Compilation(text).diagnostics if d.is_error] == [], text


def _json(value) -> str:
    import json

    return json.dumps(value)
