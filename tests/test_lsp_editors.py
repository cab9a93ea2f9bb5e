"""The editor clients: the VS Code extension's manifest declares the language, the command and
the settings the server reads, and the README documents those settings."""

from __future__ import annotations

import json
import re

from archwright.lsp.server import Settings
from conftest import ROOT

VSCODE = ROOT / "editors" / "vscode"


def test_the_vscode_extension_starts_archwright_lsp_for_cfg_files() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    [language] = manifest["contributes"]["languages"]
    assert language["id"] == "spacy-config" and language["extensions"] == [".cfg"]
    assert (VSCODE / language["configuration"]).is_file()
    assert "onLanguage:spacy-config" in manifest["activationEvents"]
    main = (VSCODE / manifest["main"]).read_text(encoding="utf-8")
    assert 'getConfiguration("archwright").get("command")' in main and "TransportKind.stdio" in main
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["archwright.command"]["default"] == ["archwright", "lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]
    # the settings the server reads are the ones the extension declares
    read = Settings({"overrides": {"a.b": 1}, "code": ["x.py"]})
    assert read.override_words == ["--a.b", "1"] and read.code == ["x.py"]
    assert {"archwright.overrides", "archwright.code"} <= set(settings)
    # a cloned repository's settings must not make the server import its Python files untrusted
    restricted = manifest["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert {"archwright.code", "archwright.command"} <= set(restricted)


def test_the_readme_documents_the_settings_and_both_editors() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Editors"):readme.index("## Explorer")]
    assert "`archwright.overrides`" in section and "`archwright.code`" in section
    assert "editors/vscode" in section and re.search(r'cmd = \{ "archwright", "lsp" \}', section)


def test_the_command_takes_vscodes_stdio_flag_and_refuses_overrides(capsys) -> None:
    import subprocess
    import sys

    from archwright.cli import main

    assert main(["lsp", "--paths.train", "x"]) == 1
    assert "only apply to `validate` and `resolve`" in capsys.readouterr().err
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"})
    stdin = "".join(f"Content-Length: {len(m)}\r\n\r\n{m}" for m in (body, exit_))
    out = subprocess.run([sys.executable, "-m", "archwright", "lsp", "--stdio"], input=stdin.encode(),
                         capture_output=True, timeout=60)
    answer = json.loads(out.stdout.split(b"\r\n\r\n", 1)[1].split(b"Content-Length")[0])
    capabilities = answer["result"]["capabilities"]
    assert answer["result"]["serverInfo"]["name"] == "archwright"
    for feature in ("hoverProvider", "completionProvider", "definitionProvider", "referencesProvider",
                    "renameProvider", "codeActionProvider", "documentFormattingProvider",
                    "documentSymbolProvider", "foldingRangeProvider", "semanticTokensProvider"):
        assert capabilities.get(feature), feature
    assert capabilities["textDocumentSync"]["change"] == 1  # full documents
