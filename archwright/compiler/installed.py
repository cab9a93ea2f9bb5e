"""What packages installed beside archwright register through catalogue's entry points, read
statically.

Contract: a package that registers functions for spaCy declares them in its distribution
metadata (`[spacy_architectures] my.Model.v1 = my_pkg.models:build`, `[spacy_factories]`,
`[spacy_languages]`, `[thinc_layers]`, ...). Each entry point's module is found among the
distribution's own installed files (importlib.metadata `files`), and read with code_reader.
Nothing is imported, and no `find_spec` is asked (finding a submodule imports its parents).
The packages whose facts archwright ships (data/plugin_registry.json) and spaCy's own are skipped.
This runs once, on the first name nobody else registers.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from dataclasses import replace

from .code_reader import CodeError, Factory, Note, Reading, read_source, register
from .registry import Card, OpenSettings, Registry, plugin_packages

SKIPPED = {"spacy", "thinc", "confection", "catalogue"}
MAX_FILE_BYTES = 4 * 1024 * 1024
notes: list[Note] = []  # what could not be read, for `archwright list` and the tests


def entry_point_registry(group: str) -> str | None:
    """`spacy_architectures` -> "architectures", `thinc_layers` -> "layers", else None."""
    for prefix in ("spacy_", "thinc_"):
        if group.startswith(prefix) and len(group) > len(prefix):
            return group[len(prefix):]
    return None


def read_installed(registry: Registry) -> Reading:
    """Add to `registry` what every installed distribution's entry points register."""
    skipped = SKIPPED | {_normal(name) for name in plugin_packages()}
    total = Reading()
    import importlib.metadata  # only when a config names what nobody else registers

    for distribution in importlib.metadata.distributions():
        name = distribution.metadata.get("Name") or ""
        if _normal(name) in skipped:
            continue
        try:
            points = [p for p in distribution.entry_points if entry_point_registry(p.group)]
        except Exception:  # unreadable metadata: nothing to learn from it
            continue
        if points:
            reading = read_distribution(distribution, points, registry)
            register(reading, registry, replace=False)
            total.extend(reading)
    notes.extend(total.notes)
    return total


def read_distribution(distribution, points, registry: Registry) -> Reading:
    """The registrations of one distribution's entry points, from its installed source files."""
    label = f"{distribution.metadata.get('Name')} {distribution.version}"
    by_module: dict[str, list[tuple[str, str, str]]] = {}
    reading = Reading()
    for point in points:
        module, _, attr = point.value.partition(":")
        registry = entry_point_registry(point.group)
        by_module.setdefault(module.strip(), []).append((registry, point.name, attr.strip()))
    files = {str(PurePosixPath(str(f))): f for f in (distribution.files or ())}
    for module, entries in by_module.items():
        stem = module.replace(".", "/")
        found = files.get(stem + ".py") or files.get(stem + "/__init__.py")
        source = _read(distribution, found) if found is not None else None
        if source is None:
            reading.notes.append(Note(label, 0, f"the module {module} is not among the package's installed "
                                      "Python files; its registrations are known by name only"))
            _by_name_only(reading, entries, label)
            continue
        try:
            part = read_source(source, registry, str(distribution.locate_file(found)),
                               [(r, n, a.split(".")[0]) for r, n, a in entries if r != "languages"])
        except CodeError as e:
            reading.notes.append(Note(label, 0, f"{module}: {e}"))
            _by_name_only(reading, entries, label)
            continue
        # loading the entry point imports the module, so all of its own registrations count too
        part.cards = [replace(c, source=f"{label} ({c.source})") for c in part.cards]
        for registry, name, _ in entries:
            if registry == "languages":
                part.languages[name] = label
        defined = {(c.registry, c.name) for c in part.cards} | {("factories", k) for k in part.factories}
        _by_name_only(part, [e for e in entries if (e[0], e[1]) not in defined and e[0] != "languages"], label)
        reading.extend(part)
    return reading


def _by_name_only(reading: Reading, entries, label: str) -> None:
    """Names known from the metadata whose function could not be read: any arguments accepted."""
    for registry, name, _ in entries:
        if registry == "factories":
            reading.factories[name] = Factory(name, {}, OpenSettings(), (), {}, label)
        elif registry == "languages":
            reading.languages[name] = label
        else:
            reading.cards.append(Card(name, registry, (), "Any", source=label, open_keywords=True,
                                      doc=f"Registered by {label}; its signature could not be read."))


def _read(distribution, file) -> str | None:
    try:
        path = distribution.locate_file(file)
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_FILE_BYTES:
        return None
    return data.decode("utf-8", errors="replace")


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")

