"""A real editor: headless Neovim (Debian's package, installed by
scripts/install-system-packages.sh) with `archwright lsp` attached opens a broken config and gets
its diagnostics, a hover and a completion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import archwright
from conftest import ROOT

SCRIPT = ROOT / "tests" / "nvim_lsp.lua"


def test_neovim_shows_diagnostics_a_hover_and_a_completion(tmp_path):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is missing: scripts/install-system-packages.sh installs it"
    text = (ROOT / "docs" / "broken_example.cfg").read_text(encoding="utf-8") + '\n[model]\n@architectures = "spacy.Tok2\n'
    config = tmp_path / "broken.cfg"
    config.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    hover_line = next(i for i, line in enumerate(lines) if line.startswith("dropout = "))
    complete_line = len(lines) - 2
    out = tmp_path / "result.json"
    env = dict(os.environ, AW_FILE=str(config), AW_OUT=str(out), AW_CMD=json.dumps([sys.executable, "-m", "archwright", "lsp"]),
               AW_HOVER=f"{hover_line},3", AW_COMPLETE=f"{complete_line},{len(lines[complete_line])}",
               XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    subprocess.run([nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
                   env=env, timeout=120, check=True, capture_output=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["errors"] == []
    expected = archwright.validate(text)
    assert sorted((d["code"], d["lnum"] + 1, d["col"] + 1) for d in result["diagnostics"]) == sorted(
        (d.code, d.span.line, d.span.column) for d in expected)
    assert {"AW208", "AW201", "AW305"} <= {d["code"] for d in result["diagnostics"]}
    assert result["hover"] == "**dropout**: setting of [training]; spaCy's default: `0.1`"
    assert "spacy.Tok2Vec.v2" in result["completion"] and "spacy.HashEmbedCNN.v2" in result["completion"]
