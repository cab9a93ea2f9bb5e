"""How the spec's cards are declared: spaCy's own signature (names, defaults) from the bundled
registry data, with the spec's types, bounds, documentation and example on top."""

from __future__ import annotations

from typing import Any, Callable

from ..cards import LEGACY_PREFIX, REQUIRED, Arg, Card, Rule, _data

POSITIVE = {"gt": 0}


def spec_card(name: str, *, family: str, returns: str, doc: str, example: str,
              args: dict[str, dict[str, Any]] | None = None, registry: str = "architectures",
              legacy: bool = False, rules: tuple[Rule, ...] = (), in_spec: bool = True,
              expression: Callable[[Any], Any] | None = None) -> Card:
    """A card for `name`: each argument as spaCy 3.8 declares it, updated with `args[name]`
    (annotation as the spec writes it, gt/ge/lt/le bounds, recommended range, doc)."""
    functions = _data()["registries"][registry]
    function = functions.get(name) or functions.get(LEGACY_PREFIX[1] + name[len(LEGACY_PREFIX[0]):])
    if function is None:
        raise KeyError(f"{registry}:{name} is not registered in spaCy 3.8")
    updates = dict(args or {})
    declared = []
    for p in function["params"]:
        kind = "positional" if p.get("kind") == "VAR_POSITIONAL" else "keyword"
        default = p["default"] if "default" in p else (() if kind == "positional" else REQUIRED)
        fields = {"annotation": p.get("annotation") or "Any", "default": default, "kind": kind}
        fields.update(updates.pop(p["name"], {}))
        declared.append(Arg(p["name"], **fields))
    if updates:
        raise KeyError(f"{name} has no argument {sorted(updates)}")
    return Card(name, registry, tuple(declared), returns, family=family, doc=doc, example=example.strip() + "\n",
                in_spec=in_spec, legacy=legacy, rules=rules, expression=expression)


def variant(card: Card, name: str, expression: Callable[[Any], Any] | None = None, doc: str = "",
            example: str = "", args: dict[str, dict[str, Any]] | None = None) -> Card:
    """Another version of `card`'s architecture (spaCy's signature for `name`, the argument
    bounds and docs they share), its example the same block under the new name."""
    updates = {a.name: {k: getattr(a, k) for k in ("annotation", "doc", "gt", "ge", "lt", "le", "recommended")}
               for a in card.args}
    functions = _data()["registries"][card.registry]
    function = functions.get(name) or functions.get(LEGACY_PREFIX[1] + name[len(LEGACY_PREFIX[0]):])
    own = {p["name"] for p in function["params"]} if function else set()
    updates = {**updates, **(args or {})}
    return spec_card(name, family=card.family, returns=card.returns, doc=doc or card.doc,
                     example=example or card.example.replace(card.name, name), registry=card.registry,
                     args={k: v for k, v in updates.items() if k in own}, rules=card.rules, in_spec=False,
                     legacy=name not in functions, expression=expression or card.expression)


def same_length(first: str, second: str) -> Rule:
    def check(values: dict[str, Any]) -> str | None:
        a, b = values.get(first), values.get(second)
        if isinstance(a, list) and isinstance(b, list) and len(a) != len(b):
            return f"`{first}` has {len(a)} entries but `{second}` has {len(b)}: they must pair up"
        return None
    return Rule((first, second), check)


def hash_embed_cnn(section: str, depth: int = 4) -> str:
    """The standard HashEmbedCNN.v2 block that many examples use as their tok2vec."""
    return (f"[{section}]\n@architectures = \"spacy.HashEmbedCNN.v2\"\npretrained_vectors = null\nwidth = 96\n"
            f"depth = {depth}\nembed_size = 2000\nwindow_size = 1\nmaxout_pieces = 3\nsubword_features = true\n")
