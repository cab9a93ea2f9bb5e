"""The pipeline's topology, computed once from the resolved config: the components in pipeline
order (each one's factory and model block, as spaCy's auto-fill completes it), which are frozen
or annotating, and which component each listener listens to. The checker, the layer graph, the
expander and the builder all read it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .registry import factories, registry_keys

# listener architectures, and the factory of the component each listens to
LISTENER_KINDS = {
    "spacy.Tok2VecListener.v1": "tok2vec",
    "spacy-transformers.TransformerListener.v1": "transformer",
    "spacy-curated-transformers.LastTransformerLayerListener.v1": "transformer",
    "spacy-curated-transformers.ScalarWeightingListener.v1": "transformer",
    "spacy-curated-transformers.TransformerLayersListener.v1": "transformer",
}
MAX_WALK = 100_000  # blocks visited looking for listeners (shared sections repeat them)


class Component(NamedTuple):
    name: str
    factory: str
    settings: dict[str, Any]
    model: dict[str, Any] | None  # the model block, filled from the factory's default as spaCy does

    @property
    def sourced(self) -> bool:
        """From a trained pipeline archwright never loads: its factory is there."""
        return "factory" not in self.settings and isinstance(self.settings.get("source"), str)


class Listener(NamedTuple):
    component: str  # the component whose model holds the listener
    path: tuple[str, ...]  # the listener block's config path
    kind: str  # "tok2vec" or "transformer": the factory it listens to
    wanted: Any  # its `upstream` setting: a name or "*"
    upstream: str | None  # the component it listens to, None when there is none
    candidates: tuple[str, ...]  # the components of that kind it could listen to


class Topology(NamedTuple):
    components: dict[str, Component]
    listeners: tuple[Listener, ...]
    frozen: tuple[str, ...] = ()
    annotating: tuple[str, ...] = ()

    def listener_at(self, path: tuple[str, ...]) -> Listener | None:
        return next((listener for listener in self.listeners if listener.path == path), None)

    def upstreams_of(self, name: str) -> set[str]:
        """The components `name` needs to run: those its listeners listen to."""
        return {listener.upstream for listener in self.listeners
                if listener.component == name and listener.upstream is not None}


def candidates(components: dict[str, Component], kind: str) -> tuple[str, ...]:
    """The components a listener of `kind` may listen to; a sourced component counts (its
    factory is in the trained pipeline it comes from)."""
    return tuple(name for name, c in components.items()
                 if c.factory == kind or kind == "transformer" and c.factory == "curated_transformer" or c.sourced)


def resolve_upstream(wanted: Any, found: tuple[str, ...]) -> str | None:
    """The component `upstream = wanted` names: the first one of its kind for "*"."""
    if wanted == "*":
        return found[0] if found else None
    return wanted if isinstance(wanted, str) and wanted in found else None


def topology(data: dict[str, Any]) -> Topology:
    components = _components(data, fill=True)
    training = data.get("training") if isinstance(data.get("training"), dict) else {}
    frozen, annotating = (tuple(n for n in training.get(key) if isinstance(n, str))
                          if isinstance(training.get(key), list) else () for key in
                          ("frozen_components", "annotating_components"))
    return Topology(components, _listeners(components), frozen, annotating)


def listeners(data: dict[str, Any]) -> tuple[Listener, ...]:
    """The topology's listeners alone (what the checks need): no model is filled in for them."""
    return _listeners(_components(data, fill=False))


def _components(data: dict[str, Any], fill: bool) -> dict[str, Component]:
    """The components in pipeline order; `fill`: each one's model filled from its factory's
    default (else its model is the block as written, or None)."""
    settings = data.get("components") if isinstance(data.get("components"), dict) else {}
    nlp = data.get("nlp") if isinstance(data.get("nlp"), dict) else {}
    pipeline = nlp.get("pipeline") if isinstance(nlp.get("pipeline"), list) else []
    order = [n for n in pipeline if isinstance(n, str) and n in settings] or list(settings)
    components: dict[str, Component] = {}
    for name in order:
        own = settings[name]
        if not isinstance(own, dict):  # `tagger = [1]` in [components]: reported by the checker
            continue
        factory = own.get("factory", "") if isinstance(own.get("factory", ""), str) else ""
        if fill:
            default = factories().get(factory, {}).get("model")
            model = own.get("model", default)
            model = filled(model, default) if isinstance(model, dict) else None
        else:
            model = own.get("model") if isinstance(own.get("model"), dict) else None
        components[name] = Component(name, factory, own, model)
    return components


def _listeners(components: dict[str, Component]) -> tuple[Listener, ...]:
    listeners = []
    for name, component in components.items():
        for path, block in _blocks(component.settings.get("model"), ("components", name, "model")):
            kind = LISTENER_KINDS.get(block[registry_keys(block)[0]])
            if kind is None:
                continue
            wanted = block.get("upstream", "*")
            found = candidates(components, kind)
            listeners.append(Listener(name, path, kind, wanted, resolve_upstream(wanted, found), found))
    return tuple(listeners)


def _blocks(root: Any, path: tuple[str, ...]):
    """(path, block) of every block with an `@` key below `root`, each dict once."""
    stack, seen = [(root, path)], set()
    while stack and len(seen) < MAX_WALK:
        node, where = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        keys = registry_keys(node)
        if keys and isinstance(node[keys[0]], str):
            yield where, node
        stack.extend((value, where + (str(key),)) for key, value in reversed(node.items()) if isinstance(value, dict))


def filled(block: dict, default: Any) -> dict:
    """`block` with what spaCy's auto-fill takes from a default config: the default's missing
    keys, when both name the same registered function (recursively for sub-blocks)."""
    if not isinstance(default, dict):
        return block
    keys = registry_keys(block)
    if keys and default.get(keys[0]) != block[keys[0]]:
        return block
    merged = dict(block)
    for key, value in default.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], dict):
            merged[key] = filled(merged[key], value)
    return merged
