"""The configs the explorer opens: the bundled pipeline examples, every card's example, and the
file named on `archwright ui CONFIG` (passed in the environment, read once with the size cap)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..compiler.architectures import SPEC_CARDS
from ..reading import read_limited
from . import views

CONFIG_VARIABLE = "ARCHWRIGHT_UI_CONFIG"  # set by `archwright ui CONFIG`
CODE_VARIABLE = "ARCHWRIGHT_UI_CODE"  # `archwright ui --code FILE.py ...`: the files, os.pathsep between
_PACKAGE = Path(__file__).resolve().parent.parent


def pipelines_dir() -> Path | None:
    """`examples/` shipped inside the package, or beside it in a source checkout."""
    for candidate in (_PACKAGE / "examples", _PACKAGE.parent / "examples"):
        if candidate.is_dir() and any(candidate.glob("*.cfg")):
            return candidate
    return None


def bundled() -> dict[str, str]:
    """Name -> config text: whole pipelines first (when shipped), then each card's example."""
    out: dict[str, str] = {}
    folder = pipelines_dir()
    if folder is not None:
        for path in sorted(folder.glob("*.cfg")):
            out[path.name] = path.read_text(encoding="utf-8")
    for card in SPEC_CARDS:
        if card.example.strip():
            out[f"{card.name} (example)"] = card.example
    return out


def default_example(names: list[str]) -> int:
    """The four-component CNN pipeline when it is there."""
    return names.index("pipeline_cnn.cfg") if "pipeline_cnn.cfg" in names else 0


def startup_config() -> tuple[str, str | None, str] | None:
    """(path, text or None, problem) of the file given on the command line, or None."""
    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        return None
    try:  # bounded by what is read, regular files only (a FIFO would block the app)
        data = read_limited(path, views.MAX_INPUT_BYTES)
        if len(data) > views.MAX_INPUT_BYTES:
            return path, None, views.size_message(max(len(data), os.path.getsize(path)))
    except OSError as e:
        return path, None, f"Cannot read {path}: {e.strerror or e}"
    text, problem = views.decode_upload(data)
    return path, text, problem


def read_code() -> list[str]:
    """Register what the --code files of `archwright ui` register, read statically (never run;
    the explorer does not import card files); returns the notes and problems to show."""
    return list(_read_code(os.environ.get(CODE_VARIABLE, "")))


@lru_cache(maxsize=4)
def _read_code(value: str) -> tuple[str, ...]:
    from ..compiler.code_reader import CodeError, is_card_file, read_file, register
    from ..compiler.registry import default_registry

    messages = []
    for path in filter(None, value.split(os.pathsep)):
        try:
            if is_card_file(path):
                messages.append(f"{path} is a card file (it imports archwright): the explorer reads code "
                                "statically and does not import it")
                continue
            reading = read_file(path, default_registry())
        except CodeError as e:
            messages.append(f"cannot read --code {path}: {e}")
            continue
        register(reading, default_registry())
        messages.extend(str(note) for note in reading.notes)
    return tuple(messages)
