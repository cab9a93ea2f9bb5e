"""Dims and counts that may depend on data: a width or a parameter count is a number, or a
polynomial in the sizes known only from data (`n_labels`, `vectors_width`, ...), written the way
people read it (`64 + n_labels`, `97·n_labels`).

`Count` supports `+`, `-` and `*` with numbers and other counts, so a card's layer expression
writes its dims as plain arithmetic of its arguments (`width * (2 * window_size + 1)`) whether
those are numbers or symbols.
"""

from __future__ import annotations

from typing import NamedTuple, Union

Monomial = tuple[str, ...]  # symbols multiplied together, sorted: () is the constant term


class Count(NamedTuple):
    """`constant + Σ coefficient·monomial`; exact once the symbols are known."""

    constant: int
    terms: tuple[tuple[Monomial, int], ...] = ()  # sorted, no zero coefficients

    @classmethod
    def of(cls, polynomial: dict[Monomial, int]) -> "Count":
        return cls(polynomial.get((), 0), tuple(sorted((m, c) for m, c in polynomial.items() if m and c)))

    @classmethod
    def symbol(cls, name: str) -> "Count":
        return cls(0, (((name,), 1),))

    @property
    def exact(self) -> bool:
        return not self.terms

    @property
    def polynomial(self) -> dict[Monomial, int]:
        return {(): self.constant, **dict(self.terms)}

    def __add__(self, other: "Dim") -> "Dim":  # type: ignore[override]
        total = self.polynomial
        for monomial, coefficient in polynomial(other).items():
            total[monomial] = total.get(monomial, 0) + coefficient
        return simplest(total)

    __radd__ = __add__

    def __sub__(self, other: "Dim") -> "Dim":
        return self + (-1) * other

    def __rsub__(self, other: "Dim") -> "Dim":
        return (-1) * self + other

    def __mul__(self, other: "Dim") -> "Dim":  # type: ignore[override]
        out: dict[Monomial, int] = {}
        for ma, ca in self.polynomial.items():
            for mb, cb in polynomial(other).items():
                m = tuple(sorted(ma + mb))
                out[m] = out.get(m, 0) + ca * cb
        return simplest(out)

    __rmul__ = __mul__

    def given(self, values: dict[str, int]) -> "Count":
        total: dict[Monomial, int] = {(): self.constant}
        for monomial, coefficient in self.terms:
            rest = tuple(s for s in monomial if s not in values)
            for symbol in monomial:
                coefficient *= values.get(symbol, 1)
            total[rest] = total.get(rest, 0) + coefficient
        return Count.of(total)

    def qualified(self, owner: str) -> "Count":
        """The same count with its symbols named after their owner (`n_labels(tagger)`)."""
        return Count(self.constant, tuple((tuple(s if "(" in s else f"{s}({owner})" for s in m), c)
                                          for m, c in self.terms))

    def __str__(self) -> str:
        parts = [f"{self.constant:,}"] if self.constant or not self.terms else []
        for monomial, coefficient in self.terms:
            names = "·".join(s + ("²" if monomial.count(s) == 2 else "") for s in dict.fromkeys(monomial))
            parts.append(names if coefficient == 1 else f"{coefficient:,}·{names}")
        return " + ".join(parts)


Dim = Union[int, Count]


def polynomial(dim: "Dim | str") -> dict[Monomial, int]:
    if isinstance(dim, Count):
        return dim.polynomial
    if isinstance(dim, str):  # a bare symbol name
        return {(dim,): 1}
    return {(): int(dim)}


def simplest(total: dict[Monomial, int]) -> Dim:
    """A polynomial as a number when it has no symbols left, else as a Count."""
    count = Count.of(total)
    return count.constant if count.exact else count


def count(dim: "Dim | str") -> Count:
    return Count.of(polynomial(dim))


def product(shape: tuple["Dim | str", ...]) -> Count:
    total: Dim = 1
    for dim in shape:
        total = total * (Count.symbol(dim) if isinstance(dim, str) else dim)
    return count(total)


def dim_value(dim: "Dim | str | None") -> int | str | None:
    """A dim for people and JSON: a number, or its formula (`2·n_labels`, `hidden_width + n_labels`)."""
    if dim is None or isinstance(dim, (int, str)):
        return dim
    if len(dim.terms) == 1 and dim.constant == 0 and dim.terms[0][1] == 1 and len(dim.terms[0][0]) == 1:
        return dim.terms[0][0][0]  # a bare symbol
    return str(dim)


def known(dim: "Dim | str | None", values: dict[str, int]) -> int | None:
    """The number a dim is once `values` give its symbols (None while some are still unknown)."""
    if dim is None:
        return None
    given = count(dim).given(values)
    return given.constant if given.exact else None
