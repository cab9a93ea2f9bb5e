"""Every data file of the package is shipped by `pip install .` (not only by an editable install)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_data_file_is_declared_as_package_data() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data_files = [p for p in (ROOT / "archwright").rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data_files
    for path in data_files:
        # declared by its own package, or by a package above it with a relative path (a folder
        # that is not a package, such as archwright/ui/.streamlit)
        parts = path.relative_to(ROOT).parts
        assert any(fnmatch.fnmatch("/".join(parts[i:]), pattern)
                   for i in range(1, len(parts)) for pattern in declared.get(".".join(parts[:i]), [])), (
            f"{path.relative_to(ROOT)} is not in [tool.setuptools.package-data]")
