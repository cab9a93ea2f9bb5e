"""`--code FILE.py`: what a project's file registers. A card file (one that imports archwright to
call `archwright.register(Card(...))`) is imported, which is what it is for and what --code opts
in to; any other file is read statically (compiler/code_reader.py), never imported or run."""

from __future__ import annotations

import importlib.util
import os
import sys

from .compiler.registry import default_registry

_loaded_code: dict[str, str] = {}  # resolved path -> module name, so a file is imported once


def load_code(path: str) -> str:
    """Learn what a --code file registers; returns a description of the problem, or "".

    A card file (one that imports archwright, to call `archwright.register(Card(...))`) is
    imported: that is what it is for, and --code is the explicit opt-in. Any other file is the
    project's own code, as `spacy train --code` takes it: it is read statically (code_reader),
    never imported or run; what cannot be read that way is printed as a note."""
    key = os.path.realpath(path)
    if key in _loaded_code:
        return ""
    if not os.path.isfile(path):
        return "no such file" if not os.path.exists(path) else "not a file"
    if not path.endswith(".py"):
        return "not a Python file (give a .py file)"
    from .compiler.code_reader import CodeError, is_card_file, read_file, register

    try:
        card_file = is_card_file(path)
    except CodeError as e:
        return str(e)
    if not card_file:
        try:
            reading = read_file(path, default_registry())
        except CodeError as e:
            return str(e)
        register(reading, default_registry())
        for note in reading.notes:
            sys.stderr.write(f"{note}\n")
        _loaded_code[key] = ""
        return ""
    name = f"_archwright_code_{len(_loaded_code)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return "not a Python file (give a .py file)"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as `spacy train --code` does: dataclasses and pickling need it
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:
        del sys.modules[name]
        return describe(e)
    _loaded_code[key] = name
    return ""


def describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    if isinstance(error, SystemExit):
        return f"the file called exit({error.code!r})"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


# -- list and explain --------------------------------------------------------------------------
