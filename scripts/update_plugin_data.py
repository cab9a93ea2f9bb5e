"""Write archwright/compiler/data/plugin_registry.json: what the spaCy plugins register.

For each package of PLUGINS at its pinned version: the registered names of every registry
(parameters, annotations, defaults, return annotation, first paragraph of the docstring) and
the pipeline factories (settings, default configs, default score weights), attributed to the
package whose module defines the function. The packages are only needed here, never at run time:

    pip install --no-deps --target /tmp/plugins spacy-experimental==0.6.4 spacy-llm==0.7.4 \\
        spacy-curated-transformers==0.3.1 curated-transformers==0.1.1 curated-tokenizers==0.0.9
    python scripts/update_plugin_data.py /tmp/plugins

(spacy-transformers and spacy-legacy come with the `parity` extra; spaCy itself must be installed.)
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "archwright" / "compiler" / "data" / "plugin_registry.json"
# package -> (pinned version, top-level module)
PLUGINS = {
    "spacy-transformers": ("1.4.0", "spacy_transformers"),
    "spacy-curated-transformers": ("0.3.1", "spacy_curated_transformers"),
    "spacy-experimental": ("0.6.4", "spacy_experimental"),
    "spacy-llm": ("0.7.4", "spacy_llm"),
    "spacy-legacy": ("3.0.12", "spacy_legacy"),
}


def _annotation(annotation) -> str | None:
    if annotation is inspect.Parameter.empty or annotation is inspect.Signature.empty:
        return None
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _json(value):
    """The value if JSON holds it exactly, else a marker that it is computed."""
    try:
        if json.loads(json.dumps(value)) == value:
            return value
    except (TypeError, ValueError):
        pass
    raise ValueError


def _params(function, skip=()) -> list[dict]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    out = []
    for p in signature.parameters.values():
        if p.name in skip or p.kind is p.VAR_KEYWORD:
            continue
        entry = {"name": p.name, "kind": p.kind.name}
        annotation = _annotation(p.annotation)
        if annotation:
            entry["annotation"] = annotation
        if p.default is not p.empty:
            try:
                entry["default"] = _json(p.default)
            except ValueError:
                entry["unread"] = True  # a default JSON cannot hold: optional, value unknown
        out.append(entry)
    return out


def _package(function, modules: dict[str, str]) -> str | None:
    module = getattr(function, "__module__", None) or ""
    return modules.get(module.split(".")[0])


def main(argv: list[str]) -> int:
    for folder in argv[1:]:
        sys.path.insert(0, folder)
    modules = {}
    skipped: list[str] = []
    unread: dict[str, str] = {}  # factories whose module could not be loaded: their settings are unknown
    for package, (pinned, module) in PLUGINS.items():
        installed = importlib.metadata.version(package)
        if installed != pinned:
            sys.stderr.write(f"{package} {installed} is installed; this data is pinned to {pinned}\n")
            return 1
        importlib.import_module(module)
        modules[module] = package
        for entry_point in importlib.metadata.distribution(package).entry_points:
            if entry_point.group.startswith(("spacy_", "thinc_")):
                try:
                    entry_point.load()  # registers what the package declares in its metadata
                except Exception as e:  # a compiled module built for another numpy: known by name, and said
                    skipped.append(f"{package}: {entry_point.group} {entry_point.name} ({type(e).__name__}: {e})")
                    if entry_point.group == "spacy_factories":
                        unread[entry_point.name] = package
    from spacy import registry
    from spacy.language import Language

    registries: dict[str, dict] = {}
    for name in sorted(registry.get_registry_names()):
        if name in ("factories", "cli"):
            continue
        for function_name, function in sorted(getattr(registry, name).get_all().items()):
            package = _package(function, modules)
            if package is None:
                continue
            try:
                returns = _annotation(inspect.signature(function).return_annotation)
            except (TypeError, ValueError):
                returns = None
            doc = (inspect.getdoc(function) or "").strip().split("\n\n")[0]
            registries.setdefault(name, {})[function_name] = {
                "package": package, "params": _params(function), "returns": returns, "doc": doc,
                **({"open_keywords": True} if _takes_kwargs(function) else {})}
    factories = {}
    for name, function in sorted(registry.factories.get_all().items()):
        package = _package(function, modules)
        if package is None or "." in name:  # "en.lemmatizer": a language's own
            continue
        meta = Language.get_factory_meta(name)
        factories[name] = {"package": package, "default_config": _json(dict(meta.default_config)),
                           "params": {p["name"]: p.get("annotation", "Any")
                                      for p in _params(function, skip=("nlp", "name"))},
                           "score_weights": dict(meta.default_score_weights or {})}
    for name, package in unread.items():
        factories.setdefault(name, {"package": package, "default_config": {}, "params": None, "score_weights": {}})
    out = {"packages": {package: version for package, (version, _) in PLUGINS.items()},
           "registries": registries, "factories": factories, "not_loaded": skipped}
    TARGET.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    counts = {p: sum(f["package"] == p for r in registries.values() for f in r.values()) for p in PLUGINS}
    for line in skipped:
        print(f"not loaded: {line}")
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes): {counts}, {len(factories)} factories")
    return 0


def _takes_kwargs(function) -> bool:
    try:
        return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv))
