"""Cards for a project's own registered functions, read from its Python source with `ast`.

Contract: a file is parsed, never imported, compiled to bytecode or run. What spaCy's `--code`
would register by running it is found by reading the registrations as written:

    @spacy.registry.architectures("my.Model.v1")      @registry.misc.register("my.fn.v1")
    registry.layers.register("my.layer.v1", func=f)    @Language.factory("x", default_config={...})
    @Language.component("y")                           @spacy.registry.languages("custom_en")

spelled through any import or alias (`import spacy as sp`, `from spacy.util import registry`,
`from thinc.api import registry`, `reg = spacy.registry`). Each function becomes a card: its
parameters, annotations as types (`Model[List[Doc], Floats2d]` in the I/O type algebra), literal
defaults, return annotation and docstring. What cannot be read without running the code (a name
built at run time, a default computed by a call) is a `Note`, never a guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from .registry import (REQUIRED, UNREAD, Arg, Card, OpenSettings, Registry, add_factory, add_language,
                       factories, python_functions)

# where the registries and Language come from, by qualified name
REGISTRY_OBJECTS = {"spacy.registry", "spacy.util.registry", "thinc.registry", "thinc.api.registry",
                    "thinc.config.registry", "confection.registry"}
LANGUAGE_OBJECTS = {"spacy.Language", "spacy.language.Language"}
# Thinc registers its combinators through untyped wrappers (chain_no_types): the names code calls
COMBINATORS = {"chain": "chain.v1", "concatenate": "concatenate.v1"}
# confection's registry methods: `registry.get("architectures", name)` registers nothing
REGISTRY_METHODS = {"get", "has", "find", "resolve", "fill", "create", "get_registry_names", "is_promise",
                    "get_constructor", "parse_args", "make_promise_schema", "ensure_populated"}
MAX_SOURCE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Note:
    """Something in the code that could not be read statically."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: note: {self.message}"


@dataclass(frozen=True)
class Param:
    """In a card's template: the value of the function's own parameter `name`."""

    name: str


def concrete(block: dict, registry: Registry) -> dict | None:
    """The registered block a --code card's block stands for, when its function's body is a
    known composition (its template, with the block's arguments and the card's defaults put
    in), or None."""
    keys = [k for k in block if isinstance(k, str) and k.startswith("@")]
    if len(keys) != 1 or not isinstance(block[keys[0]], str):
        return None
    card = registry._lookup(keys[0][1:], block[keys[0]])
    template = card.extra.get("template") if card is not None else None
    if template is None:
        return None
    values = {a.name: a.default for a in card.args if not a.required and a.default is not UNREAD}
    values.update((k, v) for k, v in block.items() if k != keys[0])

    def put(node: Any) -> Any:
        if isinstance(node, Param):
            if node.name not in values:
                raise KeyError(node.name)
            return values[node.name]
        if isinstance(node, dict):
            return {k: put(v) for k, v in node.items()}
        return node

    try:
        return put(template)
    except KeyError:  # a required argument the block lacks (reported by check)
        return None


@dataclass(frozen=True)
class Factory:
    """A pipeline component factory (`@Language.factory` or `@Language.component`)."""

    name: str
    default_config: dict[str, Any]
    settings: dict[str, str]  # setting -> annotation
    required: tuple[str, ...]  # settings with neither a default nor a default_config entry
    score_weights: dict[str, float | None] = field(default_factory=dict)
    source: str = ""


@dataclass
class Reading:
    """What some Python files register."""

    cards: list[Card] = field(default_factory=list)
    factories: dict[str, Factory] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)  # code -> where
    notes: list[Note] = field(default_factory=list)

    def extend(self, other: "Reading") -> None:
        self.cards += other.cards
        self.factories.update(other.factories)
        self.languages.update(other.languages)
        self.notes += other.notes


def register(reading: Reading, registry: Registry, replace: bool = True) -> None:
    """Make what the code registers known to `registry` and to the pipeline checks. With
    `replace` (a --code file, registered last as with `spacy train --code`) its names win over
    those archwright already knows; without, only new names are added."""
    for card in reading.cards:
        if replace or registry._lookup(card.registry, card.name) is None:
            registry.add(card)
    known = factories()
    for factory in reading.factories.values():
        if replace or factory.name not in known:
            add_factory(factory.name, factory.default_config, factory.settings, factory.score_weights)
    for code, where in reading.languages.items():
        add_language(code, where)


class CodeError(Exception):
    """A file that is not readable Python (reported to the user, not a bug)."""


def is_card_file(path: str) -> bool:
    """Whether a --code file is a card file: it imports archwright (to call `archwright.register`),
    and is imported. Any other file is project code, read statically."""
    tree = _parse(_source(path), path)
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        if any(name == "archwright" or name.startswith("archwright.") for name in names):
            return True
    return False


def _source(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as e:
        raise CodeError(e.strerror or str(e)) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise CodeError(f"the file has more than {MAX_SOURCE_BYTES:,} bytes")
    return data


def _parse(source: str | bytes, path: str) -> ast.Module:
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as e:
        raise CodeError(f"SyntaxError: {e.msg}" + (f" (line {e.lineno})" if e.lineno else "")) from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise CodeError(f"{type(e).__name__}: {e}") from None


def read_file(path: str, registry: Registry) -> Reading:
    """The registrations of one Python file, read without running it (`registry` holds the
    functions its code may call)."""
    return read_source(_source(path), registry, path)


def read_source(source: str | bytes, registry: Registry, path: str = "<code>",
                entry_points: Iterable[tuple[str, str, str]] = ()) -> Reading:
    """The registrations in `source` (a file's text), read without running it; `registry` holds
    the functions its code may call. `entry_points` are registrations declared in a package's
    metadata instead: (registry, name, function), with registry "factories" for a pipeline factory."""
    reader = _Reader(_parse(source, path), path, registry)
    try:
        reading = reader.read()
    except RecursionError:  # an absurdly nested expression: nothing is guessed from it
        raise CodeError("the code nests too deeply to be read") from None
    for registry, name, function in entry_points:
        definition = reader.defs.get(function)
        if definition is None:
            reading.notes.append(Note(path, 0, f"the entry point `{name}` names `{function}`, which is not "
                                      "defined in this file"))
        elif registry == "factories":
            if name not in reading.factories:  # the decorator says more (its default_config)
                reading.factories[name] = reader.factory(name, "factory", None, definition, f"{path}:{definition.lineno}")
        elif not any(c.name == name and c.registry == registry for c in reading.cards):
            reading.cards.append(reader.card(name, registry, definition, f"{path}:{definition.lineno}"))
    return reading


class _Reader:
    def __init__(self, tree: ast.Module, path: str, registry: Registry) -> None:
        self.tree = tree
        self.path = path
        self.registry = registry
        self.names: dict[str, str] = {}  # local name -> qualified name, from imports and aliases
        self.defs: dict[str, ast.AST] = {}
        self.decorators: set[int] = set()  # ids of decorator calls, read with their definition
        self.out = Reading()

    def note(self, node: ast.AST, message: str) -> None:
        note = Note(self.path, getattr(node, "lineno", 0), message)
        if note not in self.out.notes:  # a function registered twice is read twice
            self.out.notes.append(note)

    def read(self) -> Reading:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:  # `import spacy.util` binds `spacy`
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in self.tree.body:  # `reg = spacy.registry`, `Lang = Language`
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                qualified = self.qualified(node.value)
                if qualified and (self.is_registry(qualified) or qualified in LANGUAGE_OBJECTS):
                    self.names[node.targets[0].id] = qualified
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs.setdefault(node.name, node)
                self.decorators.update(id(d) for d in node.decorator_list)
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call):
                        self.registration(decorator, node)
            elif isinstance(node, ast.Call) and id(node) not in self.decorators:
                self.call_registration(node)
        return self.out

    # -- names ---------------------------------------------------------------------------------

    def qualified(self, node: ast.AST) -> str:
        """`sp.registry.architectures` -> "spacy.registry.architectures", or "" if not a dotted name."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        head = self.names.get(node.id, node.id)
        return ".".join([head] + parts[::-1])

    @staticmethod
    def is_registry(qualified: str) -> bool:
        return qualified in REGISTRY_OBJECTS

    def target(self, func: ast.AST) -> tuple[str, str] | None:
        """What a call registers into: ("registry", "architectures"), ("factory", ...), or None."""
        qualified = self.qualified(func)
        if not qualified:
            return None
        head, _, last = qualified.rpartition(".")
        if last == "register":  # registry.misc.register("name", func=...)
            head, _, last = head.rpartition(".")
        if self.is_registry(head) and last not in REGISTRY_METHODS:
            return ("registry", last)
        # Language, or a language's own class (`from spacy.lang.en import English`)
        if (head in LANGUAGE_OBJECTS or head.startswith("spacy.lang.")) and last in ("factory", "component"):
            return (last, "")
        return None

    # -- registrations -------------------------------------------------------------------------

    def registration(self, call: ast.Call, definition: ast.AST) -> None:
        target = self.target(call.func)
        if target is not None:
            self.register(target, call, definition)

    def call_registration(self, call: ast.Call) -> None:
        """`registry.misc.register("name", func=f)`, `Language.factory("x", func=f)` and the curried
        `registry.misc("name")(f)`."""
        if isinstance(call.func, ast.Call):
            target = self.target(call.func.func)
            if target is not None and call.args:
                self.register(target, call.func, self.definition(call.args[0]))
            return
        target = self.target(call.func)
        if target is None:
            return
        func = next((k.value for k in call.keywords if k.arg == "func"), None)
        if func is None and len(call.args) > 1:
            func = call.args[1]
        if func is not None:
            self.register(target, call, self.definition(func))

    def definition(self, node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Name):
            return self.defs.get(node.id)
        return None

    def register(self, target: tuple[str, str], call: ast.Call, definition: ast.AST | None) -> None:
        kind, registry = target
        name_node = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name"), None)
        name = _literal(name_node)
        if not isinstance(name, str):
            self.note(call, f"a name registered in {'@' + registry if registry else kind} is built at run "
                      "time and cannot be read without running the code")
            return
        if definition is None:
            self.note(call, f"`{name}` is registered with a function archwright cannot find in this file")
            return
        where = f"{self.path}:{call.lineno}"
        if kind == "registry" and registry == "languages":
            self.out.languages[name] = where
        elif kind == "registry":
            self.out.cards.append(self.card(name, registry, definition, where))
        else:
            self.out.factories[name] = self.factory(name, kind, call, definition, where)

    def card(self, name: str, registry: str, definition: ast.AST, where: str) -> Card:
        args = self.arguments(definition, skip=())
        returns = self.annotation(getattr(definition, "returns", None)) or "Any"
        doc = ast.get_docstring(definition) if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                       ast.ClassDef)) else None
        template = self.template(definition, {a.name for a in args})
        return Card(name, registry, tuple(args), returns, doc=(doc or "").split("\n\n")[0].strip(),
                    source=where, open_keywords=self.has_kwargs(definition),
                    extra={"template": template} if template is not None else {})

    # -- a body that is a known composition --------------------------------------------------

    def template(self, definition: ast.AST, params: set[str]) -> dict | None:
        """The block a function builds when its body only returns a call of a registered
        architecture or layer archwright knows, with literals and the function's own
        parameters as arguments (nested such calls become sub-blocks); else None."""
        if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        body = [n for n in definition.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            return None
        local: dict[str, Any] = {}  # `embed = MultiHashEmbed(...)` before the return
        for statement in body[:-1]:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)):
                return None
            value = self.block_of(statement.value, params, local)
            if value is None:
                return None
            local[statement.targets[0].id] = value
        return self.block_of(body[-1].value, params, local)

    def block_of(self, node: ast.AST, params: set[str], local: dict[str, Any] | None = None) -> dict | None:
        local = local or {}
        if isinstance(node, ast.Name) and node.id in local:
            return local[node.id]
        if not isinstance(node, ast.Call):
            return None
        known = self.known_call(node.func)
        if known is None:
            return None
        card = self.registry._lookup(*known)
        # a target that is itself a template would allow cycles between code files
        if card is None or "template" in card.extra:
            return None
        block: dict[str, Any] = {f"@{known[0]}": known[1]}
        names = [a.name for a in card.args if a.kind == "keyword"]
        if card.positional is not None:  # chain(a, b): the `*` section, as a config writes it
            if node.keywords:
                return None
            parts = [self.block_of(arg, params, local) for arg in node.args]
            if not parts or any(p is None for p in parts):
                return None
            block["*"] = {str(i): part for i, part in enumerate(parts)}
            return block
        if len(node.args) > len(names) or any(k.arg is None for k in node.keywords):
            return None
        pairs = list(zip(names, node.args)) + [(k.arg, k.value) for k in node.keywords]
        for key, value in pairs:
            if isinstance(value, ast.Name) and value.id in local:
                block[key] = local[value.id]
            elif isinstance(value, ast.Name) and value.id in params:
                block[key] = Param(value.id)
            elif isinstance(value, ast.Call):
                sub = self.block_of(value, params, local)
                if sub is None:
                    return None
                block[key] = sub
            else:
                literal = _literal(value)
                if literal is _NOT_LITERAL:
                    return None
                block[key] = literal
        return block

    def known_call(self, func: ast.AST) -> tuple[str, str] | None:
        """(registry, name) of a call: `registry.get("architectures", "spacy.X.v1")`,
        `registry.architectures.get("spacy.X.v1")`, or spaCy's or Thinc's Python function."""
        if isinstance(func, ast.Call):  # registry.get(...)(...)
            qualified = self.qualified(func.func)
            head, _, last = qualified.rpartition(".")
            values = [_literal(a) for a in func.args]
            if last == "get" and self.is_registry(head) and len(values) == 2 and all(isinstance(v, str) for v in values):
                return values[0], values[1]
            registry_head, _, registry_name = head.rpartition(".")
            if last == "get" and self.is_registry(registry_head) and len(values) == 1 and isinstance(values[0], str):
                return registry_name, values[0]
            return None
        qualified = self.qualified(func)
        if not qualified:
            return None
        top, function = qualified.split(".")[0], qualified.rpartition(".")[2]
        registered = (python_functions().get(qualified) or _by_function_name().get((top, function))
                      or (COMBINATORS.get(function) if top == "thinc" else None))
        if registered is None:
            return None
        registry = "layers" if self.registry._lookup("layers", registered) else "architectures"
        return registry, registered

    def factory(self, name: str, kind: str, call: ast.Call | None, definition: ast.AST, where: str) -> Factory:
        keywords = {k.arg: k.value for k in call.keywords if k.arg} if call is not None else {}
        default_config: dict[str, Any] = {}
        if kind == "factory" and "default_config" in keywords:
            value = _literal(keywords["default_config"])
            if isinstance(value, dict):
                default_config = value
            else:
                self.note(keywords["default_config"], f"the default_config of the factory `{name}` is computed at run time; "
                          "archwright does not know its defaults")
        weights: dict[str, Any] = {}
        if "default_score_weights" in keywords:
            value = _literal(keywords["default_score_weights"])
            weights = value if isinstance(value, dict) else {}
        if kind == "component":  # a function of the Doc: no settings
            return Factory(name, {}, {}, (), weights, where)
        args = self.arguments(definition, skip=("nlp", "name"))
        settings = OpenSettings() if self.has_kwargs(definition) else {}
        settings.update((a.name, a.annotation) for a in args)
        required = tuple(a.name for a in args if a.required and a.name not in default_config)
        for arg in args:
            if arg.name not in default_config and not arg.required and arg.default is not UNREAD:
                default_config[arg.name] = arg.default
        return Factory(name, default_config, settings, required, weights, where)

    def arguments(self, definition: ast.AST, skip: Iterable[str]) -> list[Arg]:
        if isinstance(definition, ast.ClassDef):  # a class registered as a factory: its __init__
            init = next((n for n in definition.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            if init is None:
                return []
            definition = init
            skip = ("self", *skip)
        if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        a = definition.args
        positional = a.posonlyargs + a.args
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
        out = []
        for arg, default in pairs:
            if arg.arg in skip:
                continue
            annotation, value = self.annotation(arg.annotation) or "Any", self.default(default, arg.arg)
            if value is None and annotation != "Any" and not annotation.startswith("Optional["):
                annotation = f"Optional[{annotation}]"  # `x: int = None`: None is allowed
            out.append(Arg(arg.arg, annotation, value))
        if a.vararg is not None:
            out.append(Arg(a.vararg.arg, self.annotation(a.vararg.annotation) or "Any", (), kind="positional"))
        return out

    @staticmethod
    def has_kwargs(definition: ast.AST) -> bool:
        return isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) and definition.args.kwarg is not None

    def default(self, node: ast.AST | None, name: str) -> Any:
        if node is None:
            return REQUIRED
        value = _literal(node)
        if value is _NOT_LITERAL:
            self.note(node, f"the default of `{name}` ({ast.unparse(node)}) is computed at run time")
            return UNREAD
        return value

    @staticmethod
    def annotation(node: ast.AST | None) -> str:
        if node is None:
            return ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "Model[...]" as a string
            return node.value
        return ast.unparse(node)


_NOT_LITERAL: Any = object()


@lru_cache(maxsize=1)
def _by_function_name() -> dict[tuple[str, str], str]:
    """(top package, function name) -> registered name, where that pair is unique: code imports
    spaCy's functions from where they are re-exported (`from spacy.ml.models import ...`)."""
    seen: dict[tuple[str, str], set[str]] = {}
    for qualified, registered in python_functions().items():
        seen.setdefault((qualified.split(".")[0], qualified.rpartition(".")[2]), set()).add(registered)
    return {key: next(iter(names)) for key, names in seen.items() if len(names) == 1}


def _literal(node: ast.AST | None) -> Any:
    if node is None:
        return _NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
