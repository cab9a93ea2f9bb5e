"""A unified diff in one pass, for two texts that differ in their whitespace (what fmt changes).

difflib's matcher looks for the longest matching blocks, which takes quadratic time on the
long runs of near-identical lines a generated config has (9,000 sections of `k0 = 0`, `k1 = 1`:
20 s for one `fmt --diff`). fmt keeps every non-blank line, in order, and changes only the
spaces in them and the blank lines between them, so the i-th non-blank line of the original is
paired with the i-th non-blank line of the formatted text, and the blank lines between two pairs
with each other. The result is a correct diff of any two texts (applying it gives the new text);
for fmt's changes it is the diff one would write by hand.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

CONTEXT = 3  # unchanged lines shown around each change, as `diff -u`


class Run(NamedTuple):
    """Lines a[a_start:a_stop] and b[b_start:b_stop], either equal or changed."""

    equal: bool
    a_start: int
    a_stop: int
    b_start: int
    b_stop: int


def _blank(line: str) -> bool:
    return not line.strip()


def _paired(a: list[str], b: list[str]) -> Iterator[tuple[int | None, int | None]]:
    """Index pairs in order: (i, j) for paired lines, (i, None) for a line only in `a`,
    (None, j) for a line only in `b`."""
    solid_a = [i for i, line in enumerate(a) if not _blank(line)]
    solid_b = [j for j, line in enumerate(b) if not _blank(line)]
    i = j = 0
    for next_i, next_j in list(zip(solid_a, solid_b)) + [(len(a), len(b))]:
        yield from _gap(a, b, i, next_i, j, next_j)
        if next_i < len(a):
            yield next_i, next_j
        i, j = next_i + 1, next_j + 1


def _gap(a: list[str], b: list[str], i: int, stop_i: int, j: int, stop_j: int) -> Iterator[tuple[int | None, int | None]]:
    """The lines between two pairs (blank lines, or at the end whatever is left): the equal
    ones at its start and its end paired, the rest side by side, then what one side has more."""
    head = 0
    while i + head < stop_i and j + head < stop_j and a[i + head] == b[j + head]:
        head += 1
    tail = 0
    while stop_i - tail > i + head and stop_j - tail > j + head and a[stop_i - tail - 1] == b[stop_j - tail - 1]:
        tail += 1
    middle = min(stop_i - i, stop_j - j) - head - tail
    for k in range(head + middle):
        yield i + k, j + k
    yield from ((x, None) for x in range(i + head + middle, stop_i - tail))
    yield from ((None, y) for y in range(j + head + middle, stop_j - tail))
    for k in range(tail, 0, -1):
        yield stop_i - k, stop_j - k


def runs(a: list[str], b: list[str]) -> list[Run]:
    """The lines of `a` and `b` as alternating runs of equal and changed lines."""
    out: list[Run] = []
    i = j = 0
    for x, y in _paired(a, b):
        equal = x is not None and y is not None and a[x] == b[y]
        if out and out[-1].equal == equal:
            last = out[-1]
            out[-1] = last._replace(a_stop=i + (x is not None), b_stop=j + (y is not None))
        else:
            out.append(Run(equal, i, i + (x is not None), j, j + (y is not None)))
        i, j = i + (x is not None), j + (y is not None)
    return out


def _range(start: int, stop: int) -> str:
    """A hunk's range as `diff -u` writes it: 1-based start, length omitted when 1; an empty
    range is given by the line before it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + (length != 0)},{length}"


def _hunks(all_runs: list[Run]) -> Iterator[list[Run]]:
    """Changed runs grouped into hunks, with up to CONTEXT equal lines around each; two changes
    separated by at most 2 × CONTEXT equal lines share a hunk."""
    hunk: list[Run] = []
    for k, run in enumerate(all_runs):
        if not run.equal:
            hunk.append(run)
            continue
        length = run.a_stop - run.a_start
        first, last = k == 0, k == len(all_runs) - 1
        if first:
            hunk.append(run._replace(a_start=run.a_stop - min(length, CONTEXT),
                                     b_start=run.b_stop - min(length, CONTEXT)))
        elif last or length > 2 * CONTEXT:
            keep = min(length, CONTEXT)
            hunk.append(run._replace(a_stop=run.a_start + keep, b_stop=run.b_start + keep))
            yield hunk
            hunk = []
            if not last:
                hunk.append(run._replace(a_start=run.a_stop - CONTEXT, b_start=run.b_stop - CONTEXT))
        else:
            hunk.append(run)
    if any(not run.equal for run in hunk):
        yield hunk


def unified(a: list[str], b: list[str], from_name: str, to_name: str) -> Iterator[str]:
    """The lines (with their line ends) of the unified diff from `a` to `b` (lists of lines
    with their ends), in `diff -u`'s format; nothing when they are equal."""
    all_runs = runs(a, b)
    if not any(not run.equal for run in all_runs):
        return
    yield f"--- {from_name}\n"
    yield f"+++ {to_name}\n"
    for hunk in _hunks(all_runs):
        first, last = hunk[0], hunk[-1]
        yield f"@@ -{_range(first.a_start, last.a_stop)} +{_range(first.b_start, last.b_stop)} @@\n"
        for run in hunk:
            if run.equal:
                yield from (" " + line for line in a[run.a_start:run.a_stop])
            else:
                yield from ("-" + line for line in a[run.a_start:run.a_stop])
                yield from ("+" + line for line in b[run.b_start:run.b_stop])
