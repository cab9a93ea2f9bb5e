"""Helpers for the language server's tests: a real `archwright lsp` process driven over stdio by
pytest-lsp's client."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "archwright", "lsp"])
TIMEOUT = 30.0  # seconds a test waits for a notification before it fails


def capabilities(encoding: str | None = None) -> types.ClientCapabilities:
    """VS Code's capabilities, optionally asking for a position encoding (utf-32: columns in code points)."""
    caps = client_capabilities("visual-studio-code")
    if encoding is not None:
        caps.general = types.GeneralClientCapabilities(position_encodings=[encoding])
    return caps


def uri_of(name: str) -> str:
    return Path("/work/configs", name).as_uri() if not name.startswith("file:") else name


async def wait_for(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the server did not answer in time")
        await asyncio.sleep(0.002)


async def open_document(client: LanguageClient, uri: str, text: str, language: str = "spacy-config"):
    """Open a document and wait for its diagnostics."""
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text)))
    await wait_for(lambda: uri in client.diagnostics)
    return list(client.diagnostics[uri])


async def change_document(client: LanguageClient, uri: str, text: str, version: int):
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))
    await wait_for(lambda: uri in client.diagnostics)
    return list(client.diagnostics[uri])


def close_document(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


def at(uri: str, line: int, character: int) -> dict:
    """The document and a position (0-based, as LSP counts)."""
    return {"text_document": types.TextDocumentIdentifier(uri), "position": types.Position(line, character)}


def position_of(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """The 0-based (line, character) of the first `needle` in `text`, plus `offset` characters."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (positions in code points: the client asked for utf-32) to `text`."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: types.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        return min(starts[p.line] + p.character, starts[p.line] + len(lines[p.line]))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text
