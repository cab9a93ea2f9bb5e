"""`archwright fill`: add every missing argument and section with its default, as spaCy's
`init fill-config` does, but into the user's own text: comments, order and layout stay.

What is filled (spaCy's `load_model_from_config(auto_fill=True)` then `nlp.config`):
- a training config (one with [nlp], [components] or [training]) gets spaCy's default training
  config underneath it ([paths], [system], [nlp], [corpora], [training], [initialize]; not
  [pretraining]), merged as confection merges: a block that names another registered function
  than the default's keeps only its own keys;
- each component gets its factory's default config (settings and default model) the same way;
- every `@registry` block gets the missing arguments that have a default on its card.

- [training.score_weights] gets each component's default score weights, and all weights are
  normalized to sum to 1 (rounded to 2 places) as spaCy does, so existing weights may change.

Not filled: arguments without a default (validation reports them), blocks whose function
archwright has no card for, the score weights of a component sourced from another pipeline.
Components that the pipeline does not list are kept and filled (spaCy drops them).

New keys go after the last key of their section; new sections after their parent's subtree
(top-level sections in spaCy's section order), each written as confection writes values.
"""

from __future__ import annotations

import copy
import os
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic, has_errors
from .fmt import same, write_atomic
from ..grammar.parser import parse
from ..grammar.syntax import ConfigFile, Entry, Section
from ..compiler import values
from ..compiler.pipeline import is_training_config
from ..compiler.registry import Registry, default_registry, factories, factory_score_weights, registry_keys, training_defaults

# spaCy's CONFIG_SECTION_ORDER
SECTION_ORDER = ("paths", "variables", "system", "nlp", "components", "corpora", "training", "pretraining",
                 "initialize")
# what spaCy's default_config_pretraining.cfg adds to default_config.cfg (filled only on request)
_PRETRAINING_ONLY = (("pretraining",), ("corpora", "pretrain"), ("paths", "raw_text"))


class Filled(NamedTuple):
    """The filled text (None when the input has errors), the paths added, and diagnostics: the
    input's, then what validating the filled config still finds."""

    text: str | None
    added: list[str]
    diagnostics: list[Diagnostic]
    changed: list[str] = []  # score weights that spaCy would normalize

    @property
    def summary(self) -> str:
        n, m = len(self.added), len(self.changed)
        if not n and not m:
            return "nothing to fill: the config is complete"
        parts = [f"{n} setting{'s' * (n != 1)} added"] if n else []
        parts += [f"{m} score weight{'s' * (m != 1)} normalized"] if m else []
        return ", ".join(parts)


# -- what the filled config holds -------------------------------------------------------------


def default_training_config() -> dict:
    """spaCy's default_config.cfg: the training defaults without the pretraining parts."""
    config = copy.deepcopy(training_defaults())
    for path in _PRETRAINING_ONLY:
        node = config
        for part in path[:-1]:
            node = node.get(part, {})
        node.pop(path[-1], None)
    return config


def merge(config: dict, defaults: dict) -> dict:
    """Add what `defaults` has and `config` lacks, in place. A block that names a registered
    function keeps only its own keys when the default names another one (confection's rule)."""
    for key, default in defaults.items():
        if isinstance(default, dict):
            node = config.setdefault(key, {})
            if not isinstance(node, dict):
                continue
            mine, theirs = registry_keys(node), registry_keys(default)
            if mine and (mine[0] not in default or node[mine[0]] != default[mine[0]]):
                continue
            if theirs and theirs[0] in node and node[theirs[0]] != default[theirs[0]]:
                continue
            merge(node, default)
        elif key not in config:
            config[key] = copy.deepcopy(default)
    return config


def fill_blocks(node: dict, registry: Registry, seen: set | None = None) -> None:
    """Every `@registry` block under `node` gets its card's missing defaults, in place."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # a section shared through a reference, or one that contains itself
        return
    seen.add(id(node))
    keys = registry_keys(node)
    if len(keys) == 1 and isinstance(node[keys[0]], str):
        card = registry.get(keys[0][1:], node[keys[0]])
        for arg in card.args if card is not None else ():
            if arg.kind == "keyword" and not arg.required and arg.name not in node:
                node[arg.name] = copy.deepcopy(arg.default)
    for value in node.values():
        if isinstance(value, dict):
            fill_blocks(value, registry, seen)


def filled_data(data: dict, registry: Registry | None = None) -> dict:
    """The config `data` (uninterpolated) with every default added; `data` is not changed."""
    registry = registry or default_registry()
    out = copy.deepcopy(data)
    if is_training_config(out):
        merge(out, default_training_config())
        out.setdefault("pretraining", {})  # spaCy's nlp.config always has the section, if empty
        components = out.get("components")
        for block in components.values() if isinstance(components, dict) else ():
            factory = block.get("factory") if isinstance(block, dict) else None
            if isinstance(factory, str) and "source" not in block and factory in factories():
                merge(block, factories()[factory])
        _fill_score_weights(out)
    fill_blocks(out, registry)
    return out


def _fill_score_weights(config: dict) -> None:
    """[training.score_weights] as spaCy writes it: every component's default weights (in
    pipeline order), the config's own on top, each weight divided by their sum (2 places)."""
    training, nlp, components = config.get("training"), config.get("nlp"), config.get("components")
    if not all(isinstance(x, dict) for x in (training, nlp, components)) or \
            not isinstance(training.get("score_weights", {}), dict):
        return
    names = [n for n in nlp.get("pipeline", []) if isinstance(n, str)] if isinstance(nlp.get("pipeline"), list) else []
    weights: dict[str, Any] = {}
    for name in names:
        block = components.get(name)
        if isinstance(block, dict) and isinstance(block.get("factory"), str):
            weights.update(factory_score_weights(block["factory"]))
    weights.update(training.get("score_weights", {}))
    total = sum(v for v in weights.values() if values.is_number(v) and v)
    training["score_weights"] = {k: round(v / total, 2) if values.is_number(v) and v and total > 0 else v
                                 for k, v in weights.items()}



# -- writing it into the user's text ----------------------------------------------------------


class _Insert(NamedTuple):
    after: int  # source line (0: before everything)
    rank: int  # at one line: new keys (0) before new sections (1)
    lines: list[str]


def _line(key: str, value: Any) -> str:
    return f"{key} = {values.dump(value)}"


def _section_block(path: tuple[str, ...], node: dict) -> list[str]:
    """A new section and everything under it, as confection writes it (a `*` level has no header)."""
    out: list[str] = []
    if path[-1] != "*":
        out += ["", f"[{'.'.join(path)}]"]
        out += [_line(k, v) for k, v in node.items() if not isinstance(v, dict)]
    for key, value in node.items():
        if isinstance(value, dict):
            out += _section_block(path + (key,), value)
    return out


class _Writer:
    def __init__(self, tree: ConfigFile, text: str) -> None:
        self.source = text.split("\n")
        self.sections: dict[str, Section] = {}
        for section in tree.sections:
            self.sections.setdefault(section.name, section)
        self.ends = self._ends(tree)
        self.inserts: list[_Insert] = []
        self.replaced: dict[int, tuple[int, list[str]]] = {}  # first line -> (last line, new lines)
        self.added: list[str] = []
        self.changed: list[str] = []

    @staticmethod
    def _ends(tree: ConfigFile) -> dict[str, int]:
        """Each section's last line, leaving out the comments directly above the next header."""
        ends = {}
        sections = tree.sections
        for i, section in enumerate(sections):
            end = max([section.header_span.line] + [e.value.span.end_line for e in section.entries])
            following = sections[i + 1].header_span.line if i + 1 < len(sections) else None
            comments = sorted(c.span.line for c in section.comments)
            attached = following
            while following is not None and comments and comments[-1] == attached - 1:
                attached = comments.pop()
            end = max([end] + comments)
            ends.setdefault(section.name, end)
        return ends

    def subtree_end(self, path: tuple[str, ...]) -> int | None:
        name = ".".join(path)
        lines = [end for n, end in self.ends.items() if n == name or n.startswith(name + ".")]
        return max(lines) if lines else None

    def inline_entry(self, path: tuple[str, ...]) -> Entry | None:
        section = self.sections.get(".".join(path[:-1]))
        if section is None:
            return None
        return next((e for e in section.entries if e.key == path[-1]), None)

    def walk(self, path: tuple[str, ...], target: dict, user: dict) -> None:
        for key, value in target.items():
            child = path + (key,)
            if key in user:
                mine = user[key]
                if isinstance(value, dict) and isinstance(mine, dict):
                    entry = self.inline_entry(child)
                    if entry is not None:
                        self.rewrite(entry, child, value, mine)
                    else:
                        self.walk(child, value, mine)
                elif not same(value, mine):  # a score weight normalized
                    self.change(child, value)
                continue
            self.added.append(".".join(child))
            if isinstance(value, dict):
                self.new_section(child, value)
            else:
                self.new_key(path, key, value)

    def rewrite(self, entry: Entry, path: tuple[str, ...], value: dict, mine: dict) -> None:
        """An inline `{...}` value that gains keys: written again on one line, comments kept."""
        if values.interpret(values.dump(value)) == mine:
            return
        self.added.extend(".".join(path + (k,)) for k in value if k not in mine)
        lines = [c.text for c in entry.value.comments] + [_line(entry.key, value)]
        self.replaced[entry.key_span.line] = (max(entry.key_span.line, entry.value.span.end_line), lines)

    def change(self, path: tuple[str, ...], value: Any) -> None:
        entry = self.inline_entry(path)
        if entry is None:
            return
        self.changed.append(".".join(path))
        lines = [c.text for c in entry.value.comments] + [_line(entry.key, value)]
        self.replaced[entry.key_span.line] = (max(entry.key_span.line, entry.value.span.end_line), lines)

    def new_key(self, section_path: tuple[str, ...], key: str, value: Any) -> None:
        section = self.sections.get(".".join(section_path))
        if section is None:  # (only a `*` level has keys without a header, and it has none)
            return
        last = max([section.header_span.line] + [e.value.span.end_line for e in section.entries])
        self.inserts.append(_Insert(last, 0, [_line(key, value)]))

    def new_section(self, path: tuple[str, ...], node: dict) -> None:
        lines = _section_block(path, node)
        if len(path) > 1:
            after = self.subtree_end(path[:-1])
        else:
            after = self.top_level_anchor(path[0])
        self.inserts.append(_Insert(after if after is not None else len(self.source), 1, lines))

    def top_level_anchor(self, name: str) -> int:
        """After the last written top-level section that spaCy orders before `name`, or before
        the first section."""
        rank = SECTION_ORDER.index(name) if name in SECTION_ORDER else len(SECTION_ORDER)
        before = [n for n in self.sections if "." not in n
                  and (SECTION_ORDER.index(n) if n in SECTION_ORDER else len(SECTION_ORDER)) <= rank]
        if before:
            return self.subtree_end((before[-1],)) or 0
        first = min((s.header_span.line for s in self.sections.values()), default=len(self.source) + 1)
        return first - 1

    def text(self) -> str:
        by_line: dict[int, list[_Insert]] = {}
        for insert in self.inserts:
            by_line.setdefault(insert.after, []).append(insert)
        out: list[str] = []
        skip_until = 0

        def emit(after: int) -> None:
            for insert in sorted(by_line.get(after, []), key=lambda i: i.rank):
                lines = insert.lines
                if lines and lines[0] == "" and (not out or out[-1] == ""):
                    lines = lines[1:]
                out.extend(lines)
            following = self.source[after] if after < len(self.source) else ""
            if by_line.get(after) and following.strip() and out and out[-1] != "" and \
                    any(i.rank == 1 for i in by_line[after]):
                out.append("")  # a header follows directly

        emit(0)
        for number, line in enumerate(self.source, start=1):
            if number <= skip_until:
                continue
            if number in self.replaced:
                skip_until, lines = self.replaced[number]
                out.extend(lines)
                emit(skip_until)
                continue
            out.append(line)
            emit(number)
        return "\n".join(out)


def _same_unordered(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_unordered(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_unordered(x, y) for x, y in zip(a, b))
    return same(a, b)


def fill_text(text: str, registry: Registry | None = None) -> Filled:
    """The config text with every default added (see the module docstring)."""
    from ..compiler.compilation import Compilation
    from ..compiler.resolve import resolve

    text = text.replace("\r\n", "\n")  # a lone CR is part of its line, as in confection's from_str
    tree, diagnostics = parse(text)
    if tree is None or has_errors(diagnostics):
        return Filled(None, [], diagnostics)
    indented = {s.header_span.line: s.header_span.column for s in tree.sections if s.header_span.column > 1}
    if indented:  # a header read as one despite its indent would continue a value written above it
        lines = text.split("\n")
        text = "\n".join(line[indented[number] - 1:] if number in indented else line
                          for number, line in enumerate(lines, 1))
        tree, diagnostics = parse(text)
        if tree is None or has_errors(diagnostics):
            return Filled(None, [], diagnostics)
    resolved, found = resolve(tree, interpolate=False)
    diagnostics = diagnostics + found
    if resolved is None or has_errors(found):
        return Filled(None, [], diagnostics)
    target = filled_data(resolved.data, registry)
    writer = _Writer(tree, text)
    writer.walk((), target, resolved.data)
    new = writer.text()
    new_tree, new_diagnostics = parse(new)
    check = resolve(new_tree, interpolate=False) if new_tree is not None and not has_errors(new_diagnostics) else None
    if check is None or check[0] is None or not _same_unordered(check[0].data, target):
        return Filled(None, [], diagnostics + [Diagnostic(
            "AW111", "archwright could not write the filled config without changing what the original "
                     "settings mean, so it wrote nothing",
            hint="this is a bug in archwright: please report it with the config")])
    later = [d for d in Compilation(new).diagnostics if d.is_error]
    return Filled(new, writer.added, [d for d in diagnostics if not d.is_error] + later, writer.changed)


class FileFilled(NamedTuple):
    path: str
    original: str | None
    filled: str | None
    added: list[str]
    diagnostics: list[Diagnostic]
    changed: list[str] = []

    @property
    def summary(self) -> str:
        return Filled(self.filled, self.added, self.diagnostics, self.changed).summary


def fill_file(path: str, text: str | None = None, problems: list[Diagnostic] | None = None,
              output: str | None = None) -> FileFilled:
    """Fill a config file (or `text` read from standard input when `path` is "-"); with
    `output`, write the result there atomically (it may be the input file)."""
    from ..compiler.compilation import read_config_file

    if path == "-":
        path = "<stdin>"
        if text is None:
            return FileFilled(path, None, None, [], problems or [])
    else:
        text, problems = read_config_file(path)
        if text is None:
            return FileFilled(path, None, None, [], problems)
    result = fill_text(text)
    diagnostics = (problems or []) + result.diagnostics
    if result.text is not None and output is not None:
        problem = write_atomic(os.fspath(output), result.text)
        if problem is not None:
            return FileFilled(path, text, None, result.added, diagnostics + [problem], result.changed)
    return FileFilled(path, text, result.text, result.added, diagnostics, result.changed)
