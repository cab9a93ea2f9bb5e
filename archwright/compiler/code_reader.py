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
from typing import Any, Iterable

from .registry import REQUIRED, UNREAD, Arg, Card, OpenSettings, Registry, add_factory, add_language, factories

# where the registries and Language come from, by qualified name
REGISTRY_OBJECTS = {"spacy.registry", "spacy.util.registry", "thinc.registry", "thinc.api.registry",
                    "thinc.config.registry", "confection.registry"}
LANGUAGE_OBJECTS = {"spacy.Language", "spacy.language.Language"}
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


def read_file(path: str) -> Reading:
    """The registrations of one Python file, read without running it."""
    return read_source(_source(path), path)


def read_source(source: str | bytes, path: str = "<code>",
                entry_points: Iterable[tuple[str, str, str]] = ()) -> Reading:
    """The registrations in `source` (a file's text), read without running it. `entry_points`
    are registrations declared in a package's metadata instead: (registry, name, function),
    with registry "factories" for a pipeline factory."""
    reader = _Reader(_parse(source, path), path)
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
    def __init__(self, tree: ast.Module, path: str) -> None:
        self.tree = tree
        self.path = path
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
        if self.is_registry(head):
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
        return Card(name, registry, tuple(args), returns, doc=(doc or "").split("\n\n")[0].strip(),
                    source=where, open_keywords=self.has_kwargs(definition))

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


def _literal(node: ast.AST | None) -> Any:
    if node is None:
        return _NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
