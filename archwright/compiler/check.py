"""IR-3: every registry reference bound to its card, with its arguments checked.

`check(resolved)` walks the resolved config; each block with an `@registry = "name"` key is a
promise. It is bound to the card of that name, and its arguments are checked: unknown and
missing arguments, types (as spaCy's config system checks them), bounds and enumerations, the
rules between arguments, and the I/O type of every sub-model against what its parent expects.
All problems are reported in one run, each at the narrowest span.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..diagnostics import Diagnostic, Related, Span, nearest
from .cards import violated_bound
from .registry import (LEGACY_PREFIX, clean_name, registry_keys, Arg, Card, Registry, default_registry,
                       factories, read_installed_with, training_default_block, who_registers)
from .resolve import ResolvedConfig
from ..limits import MAX_STACKED
from .types import literal_values, model_io, plugs_into
from .values import UNKNOWN, descend, is_number


def _read_installed(registry: Registry):
    from .installed import read_installed  # loaded on the first name nobody registers

    return read_installed(registry)


read_installed_with(_read_installed)  # the registry sits below the reader of installed packages

MAX_BLOCKS = 100_000  # shared section references can repeat blocks; this bounds the walk


class Block(NamedTuple):
    """A promise bound to its card: `args` are the block's own values (sub-blocks as dicts)."""

    path: tuple[str, ...]
    card: Card
    args: dict[str, Any]


class Blueprint(NamedTuple):
    blocks: dict[tuple[str, ...], Block]
    data: dict[str, Any]
    # sections not read whole (see compilation.incomplete_sections): no key is missing there
    incomplete: frozenset[str] = frozenset()
    partial: bool = False  # resolved after an error: some values are UNKNOWN (ResolvedConfig.partial)


def _join(path: tuple[str, ...]) -> str:
    return ".".join(path)


class _Checker:
    def __init__(self, resolved: ResolvedConfig, registry: Registry, incomplete: frozenset[str]) -> None:
        self.data = resolved.data
        self.incomplete = incomplete
        self.spans = resolved.spans
        self.registry = registry
        self.blocks: dict[tuple[str, ...], Block] = {}
        self.diagnostics: list[Diagnostic] = []
        self.visited = 0
        from .schema import validation_errors  # pydantic-core: loaded once a config is checked

        self.validation_errors = validation_errors

    def span(self, path: tuple[str, ...]) -> Span | None:
        return self.spans.find(path)

    def block_span(self, path: tuple[str, ...], at_key: str | None) -> Span | None:
        """Where a block is named: its `@registry` line, or else its header."""
        if at_key is not None:
            span = self.spans.keys.get(path + (at_key,))
            if span is not None:
                value = self.spans.values.get(path + (at_key,))
                return Span(span.line, span.column, value.end_line, value.end_column) if value else span
        return self.span(path)

    def name_span(self, path: tuple[str, ...], at_key: str) -> Span | None:
        """Where a block's registered name is written."""
        return self.spans.values.get(path + (at_key,)) or self.block_span(path, at_key)

    def report(self, code: str, message: str, path: tuple[str, ...], span: Span | None = None,
               hint: str = "", related: tuple[Related, ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(code, message, span if span is not None else self.span(path),
                                           config_path=_join(path), hint=hint, related=related))

    # -- the walk ----------------------------------------------------------------------------

    def walk(self, node: dict, path: tuple[str, ...], on_path: set[int]) -> Card | None:
        """Check a dict and everything below it (`on_path`: the dicts above it); returns its
        card if the dict names a registered function (an `@` key)."""
        self.visited += 1
        if self.visited > MAX_BLOCKS or id(node) in on_path:
            return None
        keys, below = [], []  # its `@` keys (registry_keys), and the dicts below it, in one pass
        for key, value in node.items():
            if isinstance(key, str) and key[:1] == "@":
                keys.append(key)
            if isinstance(value, dict):
                below.append((str(key), value))
        card = self.bind(node, path, keys)
        children: dict[str, Card] = {}  # the sub-blocks that name their function, bound to cards
        if below:
            on_path.add(id(node))
            for key, value in below:
                child = self.walk(value, path + (key,), on_path)
                if child is not None:
                    children[key] = child
            on_path.discard(id(node))
        if card is not None:
            self.check_arguments(node, path, card, children, keys[0] if keys else "@" + card.registry)
        return card if keys else None

    def bind(self, node: dict, path: tuple[str, ...], keys: list[str]) -> Card | None:
        if not keys:
            return self.bind_default(node, path)
        if len(keys) > 1:
            self.report("AW301", f"a block can name only one registered function, this one names "
                        f"{len(keys)}: {', '.join(keys)}", path, self.block_span(path, keys[1]),
                        hint="split it into separate blocks, or remove the extra `@` keys")
            return None
        at_key = keys[0]
        registry, name = at_key[1:], node[at_key]
        if name is UNKNOWN:  # its reference is reported; what the block is stays unknown
            return None
        if not isinstance(name, str):
            self.report("AW302", f"`{at_key}` must name a registered function as a string, not {name!r}",
                        path + (at_key,), self.name_span(path, at_key), hint=f'write {at_key} = "name.v1"')
            return None
        if registry not in self.registry.registries():
            key_span = self.spans.keys.get(path + (at_key,)) or self.name_span(path, at_key)
            near = nearest(registry, sorted(self.registry.registries()), cutoff=0.8)
            if near:
                self.report("AW303", f"there is no registry `{registry}`", path + (at_key,), key_span,
                            hint=f"did you mean @{near}?")
            else:  # a plugin's registry (spacy-llm's @llm_tasks ...): spaCy needs the plugin installed
                self.report("AW351", f"@{registry} is not one of spaCy 3.8's registries; it must come from "
                            "a plugin package, and archwright does not check this block", path + (at_key,),
                            key_span, hint="install the plugin that provides it when you train")
            return None
        card = self.registry.get(registry, name)
        if card is None:
            self.unknown_name(registry, name, path + (at_key,), self.name_span(path, at_key))
            return None
        self.blocks[path] = Block(path, card, {k: v for k, v in node.items() if k != at_key})
        return card

    def bind_default(self, node: dict, path: tuple[str, ...]) -> Card | None:
        """A block written without its `@registry` key where spaCy's defaults have one: spaCy
        merges the default's function in (auto_fill), and checks these arguments against it."""
        default = self.default_node(path) if path and node else None
        if default is None:
            return None
        keys = registry_keys(default)
        card = self.registry.get(keys[0][1:], default[keys[0]])
        if card is None:
            return None
        self.blocks[path] = Block(path, card, dict(node))
        return card

    def unknown_name(self, registry: str, name: str, where: tuple[str, ...], span: Span | None) -> None:
        """The rule for a name nobody registers (registry.typo_of): a typo is an error with its
        did-you-mean; anything else may be the user's own function, a warning."""
        typo = self.registry.typo_of(registry, name)
        other = "" if typo else self.registry.elsewhere(registry, name)
        if typo or other:
            hint = f'did you mean "{typo}"?' if typo else f'it is registered elsewhere: @{other} = "{clean_name(name)}"'
            self.report("AW304", f"`{name}` is not a registered {registry} function", where, span, hint=hint)
        else:
            self.report("AW352", f"`{name}` is not registered in @{registry} by spaCy 3.8, the plugins "
                        "archwright knows or any --code file; archwright cannot check its arguments",
                        where, span, hint=who_registers(name))

    # -- arguments ---------------------------------------------------------------------------

    def check_arguments(self, node: dict, path: tuple[str, ...], card: Card, children: dict[str, Card],
                        at_key: str) -> None:
        """The block's values validated by the card's pydantic model (schema.py), its errors
        reported with archwright's codes at their keys; then what pydantic cannot say: the
        I/O type of each sub-model (`children`: the cards of those that name their function),
        and values outside the recommended range (warnings). `at_key` is absent from the block
        when the default's function is merged in."""
        values = self.blocks[path].args  # the block's own values (copied before they are changed)
        if "*" in values and card.positional is None:
            self.report("AW306", f"{card.name} takes no positional arguments (the `*` entries)",
                        path + ("*",), hint="remove the `*` sections")
            values = {k: v for k, v in values.items() if k != "*"}
        absent = [name for name in card.required_keywords if name not in values]
        if absent:  # what spaCy's auto-fill puts in is there when spaCy validates
            filled = self.factory_default(path, card)
            values = {**values, **{name: filled[name] for name in absent if name in filled}}
        errors: dict[str, dict] = {}
        missing, rules = [], []
        for error in self.validation_errors(card, values, children):
            key = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "missing":
                missing.append(key)
            elif error["type"] == "argument_rule":
                rules.append(error["ctx"])
            else:
                errors.setdefault(key, error)
        declared = card.by_name
        if errors:
            for key, value in node.items():
                key = str(key)
                if key in errors:
                    self.argument_error(card, declared.get(key), key, value, path + (key,), errors[key])
        for key, child in children.items():
            arg = declared.get(key)
            if arg is not None and key not in errors:
                self.check_plug(card, arg, child, path + (key,))
        for arg in card.recommended_args:
            value = node.get(arg.name)
            if is_number(value) and arg.name not in errors and arg.name not in children \
                    and _join(path + (arg.name,)) not in self.incomplete:
                self.check_recommended(card, arg, value, path + (arg.name,))
        if missing and _join(path) not in self.incomplete:
            for name in missing:
                arg = declared[name]
                self.report("AW308", f"{card.name} needs the argument `{name}` ({arg.annotation})",
                            path, self.block_span(path, at_key),
                            hint=f"add `{name} = ...` to [{_join(path)}]" + (f": {arg.doc}" if arg.doc else ""))
        for rule in rules:
            names = rule["args"]
            related = tuple(Related(f"`{a}` is set here", self.span(path + (a,)), _join(path + (a,)))
                            for a in names[1:] if self.span(path + (a,)) is not None)
            self.report("AW309", rule["problem"], path + (names[0],), related=related, hint="make the arguments agree")

    def argument_error(self, card: Card, arg: Arg | None, key: str, value: Any, where: tuple[str, ...],
                       error: dict) -> None:
        """One pydantic error of a block's argument, as archwright reports it."""
        kind = error["type"]
        if kind == "extra_forbidden" or arg is None:
            declared = card.by_name
            near = nearest(key, declared)
            self.report("AW306", f"{card.name} has no argument `{key}`", where,
                        self.spans.keys.get(where) or self.span(where),
                        hint=f"did you mean `{near}`?" if near else f"its arguments are: {', '.join(declared) or 'none'}")
        elif _join(where) in self.incomplete:  # an implied section is reported already
            return
        elif kind == "quoted_number":
            self.report("AW311", quoted_number_message(f"`{arg.name}` of {card.name}", value), where,
                        hint=f"write {value} without quotes")
        elif kind == "config_type":
            self.report("AW305", type_message(card, arg, value), where, hint=type_hint(arg, value))
        elif kind == "too_many_layers":
            self.report("AW310", f"`{arg.name}` = {value:,} would stack {value:,} layers in {card.name}; "
                        f"archwright lays out at most {MAX_STACKED:,}", where, hint="use a depth of a few layers")
        else:  # a bound (greater_than, less_than_equal, ...)
            self.report("AW307", f"`{arg.name}` of {card.name} {bound_problem(arg, value)}, not {value!r}", where,
                        hint=arg.doc or "change the value")

    def check_recommended(self, card: Card, arg: Arg, value: Any, where: tuple[str, ...]) -> None:
        if arg.recommended and not (arg.recommended[0] <= value <= arg.recommended[1]):
            low, high = arg.recommended
            self.report("AW350", f"`{arg.name}` = {value!r} is outside the range the spec recommends "
                        f"for {card.name} ({low:g} to {high:g})", where, hint=arg.doc)

    def default_node(self, path: tuple[str, ...]) -> Any:
        """The block spaCy's defaults hold at `path` (what `auto_fill` merges), or None: from the
        component factory's default config under [components.NAME], from spaCy's default
        training config elsewhere."""
        if len(path) >= 3 and path[0] == "components":
            component = self.data.get("components", {}).get(path[1])
            factory = component.get("factory") if isinstance(component, dict) else None
            if not isinstance(factory, str) or "source" in component:
                return None
            node = descend(factories().get(factory, {}), path[2:])
            return node if isinstance(node, dict) and registry_keys(node) else None
        if path[:1] == ("pretraining",):  # spaCy fills nothing there (Language.from_config sets it aside)
            return None
        return training_default_block(path)  # [training], [corpora], [nlp], [initialize]

    def factory_default(self, path: tuple[str, ...], card: Card) -> dict[str, Any]:
        """What spaCy fills in here from the defaults (when the block names the same function
        as the default does), as `auto_fill` does at load."""
        node = self.default_node(path)
        if isinstance(node, dict) and node.get("@" + card.registry) in (card.name, *_legacy_names(card.name)):
            return node
        return {}

    def check_plug(self, card: Card, arg: Arg, child: Card, where: tuple[str, ...]) -> None:
        if plugs_into(arg.type, child.returns_type):
            return
        parent_span = self.block_span(where[:-1], "@" + card.registry)
        related = (Related(f"{card.name} is named here", parent_span, _join(where[:-1])),) if parent_span else ()
        self.report("AW401", f"`{arg.name}` of {card.name} expects {arg.type}, but {child.name} "
                    f"gives {child.returns_type}", where, related=related,
                    hint=f"use an architecture that gives {arg.annotation} here")


def type_message(card: Card, arg: Arg, value: Any) -> str:
    t = arg.type
    allowed = literal_values(t)
    if allowed:
        return f"`{arg.name}` of {card.name} must be one of {', '.join(map(repr, allowed))}, not {value!r}"
    if model_io(t) is not None or t.name in ("Callable", "Optional") and value is not None \
            and not isinstance(value, (int, float, str, bool, list)):
        return f"`{arg.name}` of {card.name} must be a block (`@...`) giving {arg.annotation}, not {value!r}"
    return f"`{arg.name}` of {card.name} must be {arg.annotation}, not {_shown(value)}"


def type_hint(arg: Arg, value: Any) -> str:
    name = arg.type.name
    return ("null is not allowed here" if value is None else
            "write a whole number" if name == "int" else "write a number" if name == "float" else
            "write true or false" if name == "bool" else f"give a value of type {arg.annotation}")


def quoted_number_message(what: str, value: str) -> str:
    return (f'{what} is the string "{value}", not the number {value}: confection lets it through, and the '
            "function gets the string (most then fail: spaCy's own stages fail on depth, width or hidden_size "
            "written so)")


def _legacy_names(name: str) -> tuple[str, ...]:
    spacy, legacy = LEGACY_PREFIX
    if name.startswith(legacy):
        return (spacy + name[len(legacy):],)
    return ()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value) if not isinstance(value, str) else f'the string "{value}"'


def bound_problem(arg: Arg, value: float) -> str:
    bound = violated_bound(arg, value)
    if bound is None:
        return ""
    limit = getattr(arg, bound)
    if bound == "gt":
        return "must be positive" if limit == 0 else f"must be greater than {limit:g}"
    return {"ge": f"must be at least {limit:g}", "lt": f"must be less than {limit:g}",
            "le": f"must be at most {limit:g}"}[bound]


def check(resolved: ResolvedConfig, registry: Registry | None = None,
          incomplete: frozenset[str] = frozenset()) -> tuple[Blueprint, list[Diagnostic]]:
    """IR-2 -> IR-3: bind promises to cards and check their arguments (pipeline.py checks the
    whole pipeline on the result). `incomplete` names the sections the parse could not read
    whole, where no key is reported missing."""
    checker = _Checker(resolved, registry or default_registry(), incomplete)
    checker.walk(resolved.data, (), set())
    return Blueprint(checker.blocks, resolved.data, incomplete, resolved.partial), checker.diagnostics
