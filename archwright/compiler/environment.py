"""What the Python environment has installed, read from distribution metadata only.

Nothing here imports a package: spaCy pipeline packages announce themselves through the
`spacy_models` entry-point group, and every installed distribution has a name in its metadata.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def installed_pipelines() -> frozenset[str]:
    """The names of the installed spaCy pipeline packages (en_core_web_sm, ...)."""
    from importlib.metadata import entry_points

    return frozenset(e.name for e in entry_points(group="spacy_models"))


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_")


@lru_cache(maxsize=1)
def installed_distributions() -> frozenset[str]:
    """The normalized names of every installed distribution (tqdm, spacy, ...)."""
    from importlib.metadata import distributions

    return frozenset(_normalized(d.metadata["Name"] or "") for d in distributions())


def is_installed(name: str) -> bool:
    """Whether a distribution of that name is installed (spacy-llm and spacy_llm are one)."""
    return _normalized(name) in installed_distributions()


def trains_here() -> bool:
    """Whether spaCy is installed beside archwright: only then do the installed packages say what
    `spacy train` will find (archwright itself needs no spaCy, and often runs without it)."""
    return is_installed("spacy")
