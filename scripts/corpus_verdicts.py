"""Count, per source, how validate's verdicts agree with spaCy's on ../shared/corpus (external/
and real/), without any --code: configs spaCy loads that get an error, configs spaCy rejects for
a genuine config error that get none, and configs that need a project's code or a missing
package that get an error. `-v` lists each disagreement.

    PYTHONPATH=. python scripts/corpus_verdicts.py [-v]
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

from archwright.compiler.compilation import Compilation

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
GENUINE = ("error", "config_error", "parse_error", "other")  # external's "genuine?" rows are custom code


def rows():
    for line in (CORPUS / "external" / "oracle.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        load = row["load"]
        yield "external", CORPUS / "external" / row["file"], "ok" if load.get("ok") else load.get("class", "?")
    for line in (CORPUS / "real" / "oracle.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield row["file"].split("__")[0], CORPUS / "real" / row["file"], row["spacy_load"]["status"]


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    stats: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for source, path, verdict in rows():
        compilation = Compilation(path)
        errors = [d for d in compilation.diagnostics if d.is_error]
        count = stats[source]
        if verdict == "ok":
            count["spaCy loads"] += 1
            if errors:
                count["loaded, with an error"] += 1
                verbose and print("loads, error:", path.name, [d.code for d in errors])
        elif verdict.startswith(GENUINE):
            count["spaCy rejects"] += 1
            data = compilation.resolved.data if compilation.resolved is not None else {}
            if not errors and source != "external" and not any(s in data for s in ("nlp", "components", "training")):
                count["rejected, bare blocks (no pipeline), no error"] += 1
            elif not errors:
                count["rejected, without an error"] += 1
                verbose and print("rejected, no error:", path.name, verdict[:80])
        else:
            count["needs code or a package"] += 1
            if errors:
                count["needs code, with an error"] += 1
                verbose and print("custom, error:", path.name, verdict[:50], [d.code for d in errors])
    for source in sorted(stats):
        print(f"{source}: " + ", ".join(f"{k} {v}" for k, v in sorted(stats[source].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
