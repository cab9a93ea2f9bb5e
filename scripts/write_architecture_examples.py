"""Write examples/architectures/<name>.cfg: the example config of every card declared in
compiler/architectures/ (the spec's, and the other versions and layers declared beside them).

Each file is the card's `example` (a complete, standalone config) after a comment naming the
architecture, so the examples stay in step with the cards: edit a card, then run

    python scripts/write_architecture_examples.py

A test checks that the files equal what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "examples" / "architectures"


def example_files() -> dict[str, str]:
    """File name -> text, one per declared card, in the spec's order."""
    from archwright.compiler.architectures import SPEC_CARDS, TITLES

    files: dict[str, str] = {}
    for card in SPEC_CARDS:
        title = TITLES.get(card.family, card.family)
        files[f"{card.name}.cfg"] = (
            f"# {card.name} (@{card.registry}, {title}): "
            f"{'the spec' if card.in_spec else 'its card'}'s example config.\n"
            f"# Written by scripts/write_architecture_examples.py from its card; "
            f"`archwright explain {card.name}` documents it.\n"
            "\n" + card.example)
    return files


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    files = example_files()
    for stale in sorted(TARGET.glob("*.cfg")):
        if stale.name not in files:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)}")
    for name, text in files.items():
        path = TARGET / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(files)} examples in {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
