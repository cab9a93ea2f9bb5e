"""The static vectors table a user provides: {word: vector} in Python, or a text file with one
word and its numbers per line (word2vec/GloVe text format; an optional first line `rows width`)."""

from __future__ import annotations

import io
import os
from typing import Any

from ...diagnostics import Diagnostic, Span
from ...reading import open_regular
from ._layers import VectorsTable

MAX_VECTORS_BYTES = 2 * 1024 ** 3  # read at most 2 GiB of text


def load_vectors(source: Any) -> tuple[VectorsTable | None, list[Diagnostic]]:
    if isinstance(source, VectorsTable):
        return source, []
    if isinstance(source, dict):
        try:
            return VectorsTable.from_words(source), []
        except ValueError as e:
            return None, [_problem(f"the vectors table is not a table of equal-length vectors: {e}")]
    if not isinstance(source, (str, os.PathLike)):
        return None, [_problem(f"vectors must be a path, a {{word: vector}} dict or a VectorsTable, not "
                               f"{type(source).__name__}")]
    return _read(os.fspath(source))


def _problem(message: str, line: int | None = None) -> Diagnostic:
    span = Span(line, 1, line, 2) if line else None
    return Diagnostic("AW506", message, span, "vectors",
                      hint="give a text file with one word and its numbers per line, all rows the same width")


def _read(path: str) -> tuple[VectorsTable | None, list[Diagnostic]]:
    try:
        words, rows, width, size = [], [], None, 0
        with io.TextIOWrapper(open_regular(path), encoding="utf-8") as f:  # never a FIFO or a device
            if os.fstat(f.fileno()).st_size > MAX_VECTORS_BYTES:
                return None, [_problem(f"{path} is larger than {MAX_VECTORS_BYTES:,} bytes")]
            for number, line in enumerate(iter(lambda: f.readline(MAX_VECTORS_BYTES + 1), ""), 1):
                size += len(line)  # counted as read: a file's reported size can lie
                if size > MAX_VECTORS_BYTES:
                    return None, [_problem(f"{path} is larger than {MAX_VECTORS_BYTES:,} bytes")]
                fields = line.rstrip("\n").split(" ")
                if number == 1 and len(fields) == 2 and all(x.isdigit() for x in fields):
                    continue  # the word2vec header: rows and width
                if not line.strip():
                    continue
                try:
                    values = [float(x) for x in fields[1:] if x]
                except ValueError:
                    return None, [_problem(f"{path}:{number}: the numbers after the word are not all numbers", number)]
                if width is None:
                    width = len(values)
                if not values or len(values) != width:
                    return None, [_problem(f"{path}:{number}: {len(values)} numbers, but the first row has {width}",
                                           number)]
                words.append(fields[0])
                rows.append(values)
    except (OSError, UnicodeDecodeError) as e:
        return None, [_problem(f"cannot read the vectors file {path}: {getattr(e, 'strerror', None) or e}")]
    if not rows:
        return None, [_problem(f"{path} holds no vectors")]
    return VectorsTable.from_words(dict(zip(words, rows))), []
