"""archwright's verdict against spaCy's on one-edit mutations of configs spaCy trains.

Recall: of the mutations spaCy rejects (any stage of `spacy train`, see spacy_stages), the share
archwright reports an error for. Precision: of the mutations archwright reports an error for, the
share spaCy rejects; errors whose codes are all documented as stricter than spaCy
(`STRICTER_THAN_SPACY`) are counted apart. Located: of the mutations both reject, the share where
an archwright error is on the edited line, in its section, or at a reference to what was edited.
Used by tests/test_agreement.py (fixed seeds) and benchmarks/agreement.py (a random seed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from archwright.compiler.compilation import Compilation
from archwright.compiler.registry import default_registry, factories
from archwright.diagnostics import STRICTER_THAN_SPACY, Diagnostic, Severity

from mutations import Mutation, mutations
from spacy_stages import verdicts

# spaCy's generated training configs that it trains as they are (no vectors package, no
# knowledge base, no transformer download needed); checked again by `bases`
BASE_NAMES = [
    "tagger_efficiency_cpu", "parser_efficiency_cpu", "ner_efficiency_cpu", "textcat_efficiency_cpu",
    "textcat_multilabel_efficiency_cpu", "spancat_efficiency_cpu", "senter_efficiency_cpu",
    "morphologizer_efficiency_cpu", "trainable_lemmatizer_efficiency_cpu", "tagger-parser-ner_efficiency_cpu",
    "7pipes_efficiency_cpu", "ner-textcat_efficiency_cpu", "ner-spancat_efficiency_cpu",
    "textcat_multilabel-tagger_efficiency_cpu", "tok2vec_efficiency_cpu",
    "tagger-parser-ner_efficiency_cpu_pretraining", "textcat_efficiency_cpu_pretraining",
    "spancat_efficiency_cpu_pretraining",
]


# spaCy's messages when a file or package a config names is missing here
ENVIRONMENT = ("[E884]", "Can't read file", "[E050]", "FileNotFoundError", "No such file or directory",
               "can't find pretrained tok2vec")


def base_files(real: Path) -> list[Path]:
    return [real / f"init-config__en_{name}.cfg" for name in BASE_NAMES if (real / f"init-config__en_{name}.cfg").is_file()]


def errors(text: str) -> list[Diagnostic]:
    return [d for d in Compilation(text).diagnostics if d.severity is Severity.ERROR]


def _section_lines(text: str, section: str) -> range:
    """The lines of `section` (its header to the next header) in text."""
    lines = text.split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == f"[{section}]"), None)
    if start is None:
        return range(0)
    end = next((i + 1 for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines) + 1)
    return range(start, end)


def located(mutation: Mutation, found: list[Diagnostic]) -> bool:
    """Whether an error points at the edit: its line, its section, or a reference to the key."""
    section_lines = _section_lines(mutation.text, mutation.section)
    edited = f"{mutation.section}.{mutation.key}"
    for d in found:
        spans = [d.span] + [r.span for r in d.related]
        if any(s is not None and (s.line == mutation.line or s.line in section_lines) for s in spans):
            return True
        path = d.config_path or ""
        if path == mutation.section or path.startswith(mutation.section + ".") or edited in d.message:
            return True
        lines = mutation.text.split("\n")  # an error at a reference to the edited key
        if d.span is not None and "${" + edited + "}" in lines[d.span.line - 1]:
            return True
    return False


@dataclass
class Tally:
    seed: int = 0
    cases: int = 0
    both: int = 0  # spaCy and archwright reject
    neither: int = 0
    missed: list = field(default_factory=list)  # spaCy rejects, archwright is clean
    false: list = field(default_factory=list)  # archwright rejects, spaCy trains
    stricter: list = field(default_factory=list)  # archwright's stricter-than-spaCy codes alone
    unlocated: list = field(default_factory=list)
    # spaCy fails because a file or package the config names is not on this machine; archwright
    # never opens what a config names, so it cannot know (not counted as missed)
    environment: list = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.both / max(1, self.both + len(self.missed))

    @property
    def precision(self) -> float:
        return self.both / max(1, self.both + len(self.false))

    @property
    def location(self) -> float:
        return 1 - len(self.unlocated) / max(1, self.both)

    def summary(self) -> str:
        return (f"seed {self.seed}: {self.cases} mutations; spaCy rejects {self.both + len(self.missed)} "
                f"(+{len(self.environment)} for a file missing here), "
                f"archwright {self.both + len(self.false) + len(self.stricter)} "
                f"({len(self.stricter)} by stricter-than-spaCy codes alone); recall {self.recall:.3f}, "
                f"precision {self.precision:.3f}, located {self.location:.3f}")

    def disagreements(self) -> str:
        out = []
        for title, rows in (("spaCy rejects, archwright clean", self.missed),
                            ("archwright rejects, spaCy trains", self.false),
                            ("not located", self.unlocated)):
            for row in rows:
                out.append(f"{title}: {json.dumps(row)[:700]}")
        return "\n".join(out)


def compare(bases: list[tuple[str, str]], seed: int, per_base: int) -> Tally:
    """Mutate each (name, text) base `per_base` times with `seed` and compare the verdicts."""
    registry = default_registry()
    architectures = sorted(c.name for c in registry.cards() if c.registry == "architectures")
    factory_names = sorted(factories())
    cases: list[tuple[str, Mutation]] = []
    for i, (name, text) in enumerate(bases):
        for m in mutations(text, seed * 1000 + i, per_base, architectures, factory_names):
            if m.section == "paths" and m.key in ("train", "dev"):
                continue  # `spacy train` is given these on its command line, over what the file says
            cases.append((name, m))
    spacy = verdicts(m.text for _, m in cases)
    tally = Tally(seed=seed, cases=len(cases))
    for (name, m), (stage, message) in zip(cases, spacy):
        found = errors(m.text)
        row = {"base": name, "edit": m.description, "line": m.line, "spacy": f"{stage}: {message[:300]}",
               "archwright": [f"{d.code} {d.span.line if d.span else '-'}: {d.message[:160]}" for d in found]}
        rejected = stage != "ok"
        real = [d for d in found if d.code not in STRICTER_THAN_SPACY]
        if rejected and found:
            tally.both += 1
            if not located(m, found):
                tally.unlocated.append(row)
        elif rejected and any(p in message for p in ENVIRONMENT):
            tally.environment.append(row)
        elif rejected:
            tally.missed.append(row)
        elif real:
            tally.false.append(row)
        elif found:
            tally.stricter.append(row)
        else:
            tally.neither += 1
    return tally
