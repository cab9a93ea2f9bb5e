"""A small Doc/Token type: the lexical attributes spaCy's models read, computed as spaCy computes
them, so that built models run without spaCy (spaCy Docs are accepted too, see `as_docs`).

An attribute's id is what spaCy's `doc.to_array` gives: the 64-bit hash of the attribute's
string (MurmurHash64A, seed 1, of its UTF-8 bytes, as spaCy's StringStore hashes), or for the
few hundred names spaCy predefines as symbols ("X", "NOUN"), the symbol's index. Only the
standard library and numpy are used here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


@lru_cache(maxsize=1)
def _symbols() -> dict[str, int]:
    import json
    from importlib import resources

    names = json.loads(resources.files("archwright.compiler.data").joinpath("spacy_symbols.json").read_text())
    return {name: i for i, name in enumerate(names["symbols"])}


@lru_cache(maxsize=200_000)
def string_id(text: str) -> int:
    """A string's id as spaCy's StringStore gives it: a symbol's index for the names spaCy
    predefines ("X", "NOUN", ""), else its hash."""
    symbol = _symbols().get(text)
    return symbol if symbol is not None else hash_string(text)


def hash_string(text: str) -> int:
    """spaCy's string hash: MurmurHash64A (64-bit, seed 1) of the UTF-8 bytes."""
    data = text.encode("utf-8")
    h = (1 ^ (len(data) * _M)) & _MASK
    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        k = int.from_bytes(data[i:i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[full:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def word_shape(text: str) -> str:
    """X for upper case, x for lower case, d for digits, other characters kept; runs of the same
    shape character cut after 4 (spaCy's SHAPE: "Straße" -> "Xxxxx", "2024" -> "dddd")."""
    if len(text) >= 100:
        return "LONG"
    shape, last, run = [], "", 0
    for char in text:
        if char.isalpha():
            kind = "X" if char.isupper() else "x"
        elif char.isdigit():
            kind = "d"
        else:
            kind = char
        run = run + 1 if kind == last else 0
        last = kind
        if run < 4:
            shape.append(kind)
    return "".join(shape)


# the string each attribute's id is the hash of (spaCy's default lexical attribute getters;
# NORM is the lower-cased text: no norm tables or tokenizer exceptions here)
_STRINGS = {
    "ORTH": lambda t: t,
    "LOWER": str.lower,
    "NORM": str.lower,
    "PREFIX": lambda t: t[:1],
    "SUFFIX": lambda t: t[-3:],
    "SHAPE": word_shape,
}


def _punct(text: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in text)


def _like_num(text: str) -> bool:
    """spaCy's language-independent rule (a language may add its number words)."""
    text = (text[1:] if text.startswith(("+", "-", "±", "~")) else text).replace(",", "").replace(".", "")
    if text.isdigit():
        return True
    num, _, denom = text.partition("/")
    return text.count("/") == 1 and num.isdigit() and denom.isdigit()


_QUOTES = ('"', "'", "`", "«", "»", "‘", "’", "‚", "‛", "“", "”", "„", "‟", "‹", "›", "❮", "❯", "''", "``")
_LEFT = ("(", "[", "{", "<", '"', "'", "«", "‘", "‚", "‛", "“", "„", "‟", "‹", "❮", "``")
_RIGHT = (")", "]", "}", ">", '"', "'", "»", "’", "”", "›", "❯", "''")
_EMAIL = re.compile(r"([a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+)")
# spaCy's lexical flags (its default getters; 1 or 0) and LENGTH. IS_STOP is 0: the stop list
# belongs to a language, which a Doc of ours does not have.
_NUMBERS = {
    "IS_ALPHA": str.isalpha, "IS_ASCII": lambda t: all(ord(c) < 128 for c in t), "IS_DIGIT": str.isdigit,
    "IS_LOWER": str.islower, "IS_UPPER": str.isupper, "IS_TITLE": str.istitle, "IS_SPACE": str.isspace,
    "IS_PUNCT": _punct, "IS_BRACKET": lambda t: t in ("(", ")", "[", "]", "{", "}", "<", ">"),
    "IS_QUOTE": lambda t: t in _QUOTES, "IS_LEFT_PUNCT": lambda t: t in _LEFT, "IS_RIGHT_PUNCT": lambda t: t in _RIGHT,
    "IS_CURRENCY": lambda t: all(unicodedata.category(c) == "Sc" for c in t), "LIKE_NUM": _like_num,
    "LIKE_EMAIL": lambda t: bool(_EMAIL.match(t)), "IS_STOP": lambda t: False, "LENGTH": len,
}
# annotations a Doc of ours never has: unset, as in a spaCy Doc no component annotated (id 0)
_UNSET = ("TAG", "POS", "DEP", "LEMMA", "ENT_TYPE", "ENT_IOB", "ENT_KB_ID", "HEAD", "MORPH", "SENT_START")
# SPACY: 1 where whitespace follows the token (current trained pipelines' MultiHashEmbed uses it)
ATTRIBUTES = tuple(_STRINGS) + ("ID",) + tuple(_NUMBERS) + ("SPACY",) + _UNSET


class Token(NamedTuple):
    doc: Doc
    i: int

    @property
    def text(self) -> str:
        return self.doc.words[self.i]

    orth_ = text

    @property
    def lower_(self) -> str:
        return self.text.lower()

    @property
    def norm_(self) -> str:
        return self.text.lower()

    @property
    def prefix_(self) -> str:
        return self.text[:1]

    @property
    def suffix_(self) -> str:
        return self.text[-3:]

    @property
    def shape_(self) -> str:
        return word_shape(self.text)


class Span(NamedTuple):
    """Tokens `start` to `end` (exclusive) of a doc, with an optional label."""

    start: int
    end: int
    label: str = ""


_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Words and single punctuation marks (a simple stand-in for spaCy's tokenizer)."""
    return _TOKEN.findall(text)


def _spaces(text: str) -> list[bool]:
    """Whether whitespace follows each token of `tokenize(text)`."""
    return [m.end() < len(text) and text[m.end()].isspace() for m in _TOKEN.finditer(text)]


class Doc:
    """A tokenized text: words, entity spans (for the entity linker) and sentence starts.
    `spaces` says where whitespace follows a word (default: after every word, as spaCy's Doc)."""

    def __init__(self, words: Iterable[str], ents: Iterable[Span] = (), spaces: Iterable[bool] | None = None) -> None:
        self.words = [str(w) for w in words]
        self.ents = [Span(*e) if not isinstance(e, Span) else e for e in ents]
        self.spaces = [bool(s) for s in spaces] if spaces is not None else [True] * len(self.words)

    @classmethod
    def from_text(cls, text: str) -> Doc:
        return cls(tokenize(text), spaces=_spaces(text))

    def __len__(self) -> int:
        return len(self.words)

    def __iter__(self):
        return (Token(self, i) for i in range(len(self.words)))

    def __getitem__(self, i: int) -> Token:
        return Token(self, range(len(self.words))[i])

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def to_array(self, attrs: str | list[str]):
        """Attribute ids, one row per token (uint64): a 1-d array for one attribute name."""
        import numpy

        names = [attrs] if isinstance(attrs, str) else list(attrs)
        unknown = [a for a in names if a not in ATTRIBUTES]
        if unknown:
            raise ValueError(f"unknown token attribute {unknown[0]!r}; known: {', '.join(ATTRIBUTES)}")
        table = numpy.array([[int(self.spaces[i]) if a == "SPACY" else self._id(a, w) for a in names]
                             for i, w in enumerate(self.words)],
                            dtype="uint64").reshape((len(self.words), len(names)))
        return table[:, 0] if isinstance(attrs, str) else table

    @staticmethod
    def _id(attr: str, word: str) -> int:
        if attr in _STRINGS:
            return string_id(_STRINGS[attr](word))
        if attr == "ID":  # spaCy's is the word's row in its vocab; a stable stand-in: the ORTH id
            return string_id(word)
        if attr in _NUMBERS:
            return int(_NUMBERS[attr](word))
        return 0

    def to_utf8_array(self, nr_char: int) -> Any:
        """`nr_char` UTF-8 bytes of each word taken from both ends in turn (first, last, second,
        second to last, ...), 255 where a word is shorter: CharacterEmbed's input."""
        import numpy

        out = numpy.full((len(self.words), nr_char), 255, dtype="uint8")
        for i, word in enumerate(self.words):
            data = word.encode("utf-8")
            order = [b for pair in zip(data, reversed(data)) for b in pair][:len(data)]
            out[i, :min(nr_char, len(order))] = order[:nr_char]
        return out


def as_docs(inputs: Any) -> list:
    """Texts, word lists, our Docs or spaCy Docs, as a list of docs the built models read."""
    if isinstance(inputs, (str, Doc)) or _is_spacy_doc(inputs):
        inputs = [inputs]
    docs = []
    for item in inputs:
        if isinstance(item, str):
            docs.append(Doc.from_text(item))
        elif isinstance(item, Doc) or _is_spacy_doc(item):
            docs.append(item)
        else:
            docs.append(Doc(item))
    return docs


def _is_spacy_doc(value: Any) -> bool:
    return type(value).__name__ == "Doc" and type(value).__module__.startswith("spacy")
