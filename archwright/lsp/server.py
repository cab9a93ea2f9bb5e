"""`archwright lsp`: the features wired to LSP requests with pygls.

Documents are synchronised in full (the client sends the whole text on each change), so the
server's text is always the client's; each version is compiled once, on demand, and every
feature reads that one Document. A request that fails inside archwright is logged and answered
with an LSP error; the server goes on serving the next one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import time
import traceback
from typing import Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..diagnostics import Diagnostic
from ..limits import recursion_room
from . import actions, complete, hover, navigate, outline
from .diagnostic import lsp_diagnostic
from .document import Document

LANGUAGES = ("spacy-config", "ini", "cfg")
SLOW_CHECK = 0.05  # seconds: a document whose check takes longer is checked after a pause in typing
MAX_DELAY = 0.25
VERIFIED_FIXES_UP_TO = 200_000  # characters: a larger document's fixes are offered unchecked (a check each is slow)


class Settings:
    """The workspace's `archwright.*` settings: `overrides` ({"section.key": value}, as
    `--section.key value` on the command line) and `code` (Python files of the user's cards)."""

    def __init__(self, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        if isinstance(data.get("archwright"), dict):  # initializationOptions may nest them
            data = data["archwright"]
        overrides = data.get("overrides")
        code = data.get("code")
        self.override_words: list[str] = []
        for key, value in (overrides.items() if isinstance(overrides, dict) else ()):
            self.override_words += [f"--{key}", value if isinstance(value, str) else json.dumps(value)]
        self.code = [c for c in code if isinstance(c, str)] if isinstance(code, list) else []


class ArchwrightServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("archwright", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: dict[str, Document] = {}
        self.check_seconds: dict[str, float] = {}  # how long each document's last check took
        self.overrides: dict[str, Any] = {}
        self.root = ""  # the workspace folder: `archwright.code` paths are relative to it
        self.initial_settings: Settings | None = None  # from initializationOptions

    @property
    def encoding(self) -> str:
        return self.server_capabilities.position_encoding or types.PositionEncodingKind.Utf16

    def document(self, uri: str) -> Document:
        """The compiled document at its current version (compiled once per version)."""
        text_document = self.workspace.get_text_document(uri)
        known = self.documents.get(uri)
        source = text_document.source
        if known is not None and known.version == text_document.version and known.source == source:
            return known
        document = Document(uri, source, text_document.version, self.encoding, self.overrides)
        self.documents[uri] = document
        return document

    def apply_settings(self, settings: Settings) -> None:
        from ..code_files import load_code
        from ..compiler.overrides import parse_cli_overrides

        for path in settings.code:
            full = path if os.path.isabs(path) or not self.root else os.path.join(self.root, path)
            problem = load_code(full)
            if problem:
                self.show(f"archwright: cannot load archwright.code {path}: {problem}", types.MessageType.Error)
        overrides, problems = parse_cli_overrides(settings.override_words, environ={})
        for problem in problems:
            self.show(f"archwright.overrides: {problem.code}: {problem.message}", types.MessageType.Error)
        self.overrides = overrides
        self.documents.clear()  # overrides and cards change every document's diagnostics
        for uri in list(self.workspace.text_documents):
            publish(self, uri)

    def show(self, message: str, kind: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(kind, message))

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))


server = ArchwrightServer()


def guarded(handler: Callable) -> Callable:
    """Answer a failing request with an LSP error (and log the traceback) instead of a crash."""

    @functools.wraps(handler)
    def run(ls: ArchwrightServer, params: Any) -> Any:
        try:
            with recursion_room():  # as `archwright lsp` has, for any caller of the handlers
                return handler(ls, params)
        except JsonRpcException:  # an answer the protocol has (a refused rename): not a bug
            raise
        except Exception as e:  # archwright's own bug: this request fails, the server goes on
            ls.log(f"archwright: internal error in {handler.__name__}: {e}\n{traceback.format_exc()}",
                   types.MessageType.Error)
            raise JsonRpcInternalError(f"archwright: internal error: {type(e).__name__}: {e}") from None

    return run


# -- diagnostics -------------------------------------------------------------------------------

def publish(ls: ArchwrightServer, uri: str) -> None:
    """Send a document's diagnostics; if compiling fails inside archwright, the syntax diagnostics
    still go out and the failure is logged."""
    if not _is_config(ls, uri):
        return
    started = time.perf_counter()
    document = ls.document(uri)
    try:
        with recursion_room():
            diagnostics = document.diagnostics
    except Exception as e:
        ls.log(f"archwright: internal error while checking {uri}: {e}\n{traceback.format_exc()}",
               types.MessageType.Error)
        ls.show(f"archwright: internal error while checking this config ({type(e).__name__}: {e}); "
                "only syntax diagnostics are shown. Please report it.", types.MessageType.Error)
        diagnostics = _earlier_diagnostics(document)
    converted = [lsp_diagnostic(d, document.lines, uri) for d in diagnostics]
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, converted, document.version))
    ls.check_seconds[uri] = time.perf_counter() - started


def _earlier_diagnostics(document: Document) -> list[Diagnostic]:
    """What the phases before a failing one found: resolving's, else parsing's, else none."""
    from ..grammar.parser import parse

    for earlier in (lambda: document.compilation.resolution_diagnostics, lambda: parse(document.text)[1]):
        try:
            return earlier()
        except Exception:
            continue
    return []


def _is_config(ls: ArchwrightServer, uri: str) -> bool:
    text_document = ls.workspace.get_text_document(uri)
    return uri.endswith(".cfg") or (text_document.language_id or "") in LANGUAGES


@server.feature(types.INITIALIZE)
def initialize(ls: ArchwrightServer, params: types.InitializeParams) -> None:
    if params.root_uri and params.root_uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        ls.root = unquote(urlparse(params.root_uri).path)
    if params.initialization_options:
        ls.initial_settings = Settings(params.initialization_options)


@server.feature(types.INITIALIZED)
def initialized(ls: ArchwrightServer, params: types.InitializedParams) -> None:
    if ls.initial_settings is not None:
        ls.apply_settings(ls.initial_settings)
    workspace = ls.client_capabilities.workspace
    if workspace is not None and workspace.configuration:
        _fetch_settings(ls)


def _fetch_settings(ls: ArchwrightServer) -> None:
    def received(future) -> None:
        try:
            result = future.result()
        except Exception as e:  # a client that cannot answer keeps the defaults
            ls.log(f"archwright: could not read the settings: {e!r}", types.MessageType.Warning)
            return
        if result and isinstance(result[0], dict):
            ls.apply_settings(Settings(result[0]))

    future = ls.workspace_configuration(types.ConfigurationParams([types.ConfigurationItem(section="archwright")]))
    future.add_done_callback(received)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def changed_configuration(ls: ArchwrightServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("archwright"), dict):
        ls.apply_settings(Settings(settings["archwright"]))
    elif ls.client_capabilities.workspace is not None and ls.client_capabilities.workspace.configuration:
        _fetch_settings(ls)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ArchwrightServer, params: types.DidOpenTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ArchwrightServer, params: types.DidChangeTextDocumentParams) -> None:
    """Check the new text, at once when checking is quick; for a file whose last check was slow
    (a large one), a moment later, so that a burst of keystrokes is checked once, at its end."""
    uri, version = params.text_document.uri, params.text_document.version

    def latest() -> None:
        if uri in ls.workspace.text_documents and ls.workspace.get_text_document(uri).version == version:
            publish(ls, uri)

    slow = ls.check_seconds.get(uri, 0.0)
    if slow < SLOW_CHECK:
        latest()
    else:
        asyncio.get_running_loop().call_later(min(slow, MAX_DELAY), latest)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ArchwrightServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.documents.pop(params.text_document.uri, None)
    ls.check_seconds.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))


# -- requests ----------------------------------------------------------------------------------

@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded
def on_hover(ls: ArchwrightServer, params: types.HoverParams) -> types.Hover | None:
    return hover.hover(ls.document(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=['"', "{", ".", "@", ":", " "]))
@guarded
def on_completion(ls: ArchwrightServer, params: types.CompletionParams) -> types.CompletionList | None:
    return complete.complete(ls.document(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded
def on_definition(ls: ArchwrightServer, params: types.DefinitionParams) -> types.Location | None:
    return navigate.definition(ls.document(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@guarded
def on_references(ls: ArchwrightServer, params: types.ReferenceParams) -> list[types.Location] | None:
    return navigate.references(ls.document(params.text_document.uri), params.position,
                               params.context.include_declaration)


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded
def on_prepare_rename(ls: ArchwrightServer, params: types.PrepareRenameParams):
    return navigate.prepare_rename(ls.document(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_RENAME)
@guarded
def on_rename(ls: ArchwrightServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    return navigate.rename(ls.document(params.text_document.uri), params.position, params.new_name)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FILL_DEFAULTS]))
@guarded
def on_code_action(ls: ArchwrightServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    document = ls.document(params.text_document.uri)
    return actions.code_actions(document, params.range, params.context,
                                verify=len(document.text) <= VERIFIED_FIXES_UP_TO)


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
@guarded
def on_formatting(ls: ArchwrightServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    return actions.formatting(ls.document(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded
def on_symbols(ls: ArchwrightServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    return outline.symbols(ls.document(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
@guarded
def on_folding(ls: ArchwrightServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
    return outline.folding(ls.document(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                types.SemanticTokensLegend(token_types=outline.TOKEN_TYPES, token_modifiers=[]))
@guarded
def on_semantic_tokens(ls: ArchwrightServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
    return outline.semantic_tokens(ls.document(params.text_document.uri))


def serve() -> int:
    server.start_io()
    return 0
