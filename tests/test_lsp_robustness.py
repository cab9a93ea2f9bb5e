"""The language server under bad input and failures: settings (overrides, the user's cards),
UTF-16 positions, an internal error answered as an LSP error, a 1 MB file, and a fuzzer of random
edits. Each test starts its own server."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

import archwright
from conftest import REAL, ROOT
from lsp_session import SERVER, at, capabilities, change_document, open_document, uri_of, wait_for

pytestmark = pytest.mark.asyncio
PIPELINE = (ROOT / "examples" / "pipeline_cnn.cfg").read_text(encoding="utf-8")
LIMIT = 5.0  # seconds any answer may take, however bad the input (benchmarks/lsp.py measures real figures)

CRASHING_CARDS = '''
from archwright import Arg, Card, register
from archwright.compiler.registry import Rule

def explode(args):
    raise RuntimeError("a bug in the user's rule")

register(Card("my.Exploding.v1", "architectures", (Arg("width", "int", 8),), "Model[List[Doc], List[Floats2d]]",
              rules=(Rule(("width",), explode),)))
# an annotation that is not text: showing this card fails inside archwright
register(Card("my.Unprintable.v1", "architectures", (Arg("width", None, 8),), "Model[List[Doc], List[Floats2d]]"))
register(Card("my.Fine.v1", "architectures", (Arg("width", "int", 8, doc="How wide."),), "Model[List[Doc], List[Floats2d]]"))
'''


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path):
    (tmp_path / "cards.py").write_text(CRASHING_CARDS, encoding="utf-8")
    lsp_client.set_configuration({"code": ["cards.py"]}, section="archwright")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities("utf-32"),
                                                               root_uri=tmp_path.as_uri()))
    yield
    await lsp_client.shutdown_session()


async def test_overrides_from_the_settings_are_the_cli_overrides(client: LanguageClient, tmp_path):
    text = "[a]\nb = 1\nc = ${a.b}\n\n[nosuch]\n"
    path = tmp_path / "overrides.cfg"
    path.write_text(text, encoding="utf-8")

    async def settled():  # the settings arrive just after initialization: reopen until they apply
        for _ in range(100):
            got = await open_document(client, path.as_uri(), text)
            if got:
                return got
            await asyncio.sleep(0.02)
        return []

    client.set_configuration({"overrides": {"nosuch.key": 1}}, section="archwright")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    got = await settled()
    cli = subprocess.run([sys.executable, "-m", "archwright", "validate", "--format", "json", str(path),
                          "--nosuch.key", "1"], capture_output=True, text=True)
    expected = json.loads(cli.stdout)["files"][0]["diagnostics"]
    assert [d.code for d in got] == [d["code"] for d in expected] == ["AW254"]
    assert [d.message for d in got] == [d["message"] for d in expected]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"archwright": {"overrides": {}}}))
    await wait_for(lambda: list(client.diagnostics.get(path.as_uri(), [None])) == [])


async def test_an_internal_error_is_an_lsp_error_and_the_server_goes_on(client: LanguageClient):
    text = ('[model]\n@architectures = "my.Exploding.v1"\nwidth = 4\n\n[other]\n@architectures = "my.Unprintable.v1"\n'
            '\n[fine]\n@architectures = "my.Fine.v1"\nwidth = ${model.width} # inline\n')
    uri = uri_of("crash.cfg")
    got = []
    for _ in range(200):  # until the settings (which load cards.py) have been applied
        got = await open_document(client, uri, text)
        if any("internal error" in m.message for m in client.messages):
            break
        await asyncio.sleep(0.02)
    # checking crashed in the user's rule: the syntax diagnostics still came, and a message says why
    assert [d.code for d in got] == ["AW150"]
    assert any("internal error" in m.message and "RuntimeError" in m.message for m in client.messages)
    line = text.split("\n").index('@architectures = "my.Unprintable.v1"')
    with pytest.raises(Exception, match="internal error"):
        await client.text_document_hover_async(types.HoverParams(**at(uri, line, 20)))
    assert any("Traceback" in m.message for m in client.log_messages)
    hover = await client.text_document_hover_async(types.HoverParams(**at(uri, 8, 20)))
    assert "my.Fine.v1" in hover.contents.value  # the next request is served
    assert await open_document(client, uri_of("clean.cfg"), "[a]\nb = 1\n") == []


@pytest_lsp.fixture(config=SERVER)
async def utf16_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities()))
    yield
    await lsp_client.shutdown_session()


async def test_positions_are_utf16_by_default(utf16_client: LanguageClient):
    text = '[a]\nb = "\U0001F600\u00e9" ${a.nope}\n'
    [d] = await open_document(utf16_client, uri_of("emoji.cfg"), text)
    # the emoji is two UTF-16 units, é one: the reference starts at code point 9, unit 10
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (1, 10, 19)
    hover = await utf16_client.text_document_hover_async(types.HoverParams(**at(uri_of("emoji.cfg"), 1, 14)))
    assert "names nothing" in hover.contents.value


async def test_a_one_megabyte_file_is_answered(utf16_client: LanguageClient):
    blocks = []
    for i in range(2700):
        blocks.append(f"[block{i}]\nwidth = {i}\nname = \"block {i}\"\nnext = ${{block{max(i - 1, 0)}.width}}\n"
                      f"rows = [5000, 1000, 2500, 2500]\nattrs = [\"NORM\", \"PREFIX\", \"SUFFIX\", \"SHAPE\"]\n"
                      "note = \"" + "x" * 230 + "\"\n")
    text = "\n".join(blocks) + "[end]\nx = ${nosuch.key}\n"
    assert len(text) > 1_000_000
    uri = uri_of("huge.cfg")
    started = time.monotonic()
    got = await open_document(utf16_client, uri, text)
    assert time.monotonic() - started < 10 * LIMIT
    assert [d.code for d in got] == [d.code for d in archwright.validate(text)]
    symbols = await utf16_client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(uri)))
    assert len(symbols) == 2701


GARBAGE = ["${", "}", "[", "]", "\n", "=", '"', "$", "@architectures = \"spacy.", "${paths.", "\t", "\u00e9",
           "\U0001F600", "[components.x]\nfactory = \"", "# c\n", "\\", "${a:b}", "\r\n", "\x00", "::", "[[", "*"]


def _edit(text: str, rng: random.Random) -> str:
    at_ = rng.randrange(len(text) + 1)
    choice = rng.random()
    if choice < 0.4:
        return text[:at_] + rng.choice(GARBAGE) + text[at_:]
    if choice < 0.7:
        return text[:at_] + text[at_ + rng.randrange(1, 40):]
    if choice < 0.9:  # paste a piece of the text elsewhere
        start = rng.randrange(len(text) + 1)
        return text[:at_] + text[start:start + rng.randrange(1, 200)] + text[at_:]
    return text[:at_] + "".join(chr(rng.randrange(32, 0x2FF)) for _ in range(rng.randrange(1, 20))) + text[at_:]


async def test_random_edits_never_crash_or_hang_the_server(utf16_client: LanguageClient):
    """A fuzzer: 1,000 random edits to a real pipeline config; after each, the diagnostics come
    and equal validate's codes; every so often each request kind at a random position."""
    rng = random.Random(15)
    seeds = [PIPELINE] + ([p.read_text(encoding="utf-8") for p in sorted(REAL.glob("*.cfg"))[:40:8]]
                          if REAL.is_dir() else [])
    uri = uri_of("fuzz.cfg")
    text = rng.choice(seeds)
    await open_document(utf16_client, uri, text)
    doc = types.TextDocumentIdentifier(uri)
    for version in range(2, 1002):
        text = _edit(text, rng) if text and rng.random() < 0.97 else rng.choice(seeds)
        started = time.monotonic()
        got = await change_document(utf16_client, uri, text, version)
        assert time.monotonic() - started < LIMIT
        normalised = text.replace("\r\n", "\n").replace("\r", "\n")
        assert sorted(d.code for d in got) == sorted(d.code for d in archwright.validate(normalised))
        if version % 5:
            continue
        lines = normalised.split("\n")
        line = rng.randrange(len(lines))
        position = types.Position(line, rng.randrange(len(lines[line]) + 1))
        started = time.monotonic()
        where = {"text_document": doc, "position": position}
        await utf16_client.text_document_hover_async(types.HoverParams(**where))
        await utf16_client.text_document_completion_async(types.CompletionParams(**where))
        await utf16_client.text_document_definition_async(types.DefinitionParams(**where))
        await utf16_client.text_document_prepare_rename_async(types.PrepareRenameParams(**where))
        await utf16_client.text_document_references_async(types.ReferenceParams(
            **where, context=types.ReferenceContext(include_declaration=True)))
        await utf16_client.text_document_document_symbol_async(types.DocumentSymbolParams(doc))
        await utf16_client.text_document_folding_range_async(types.FoldingRangeParams(doc))
        await utf16_client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
        await utf16_client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=types.Range(types.Position(0, 0), types.Position(len(lines), 0)),
            context=types.CodeActionContext(diagnostics=[])))
        await utf16_client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=doc, options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
        try:
            await utf16_client.text_document_rename_async(types.RenameParams(**where, new_name="renamed"))
        except Exception as e:  # a refused rename (name taken) is an answer; an internal error is not
            assert "internal error" not in str(e)
        assert time.monotonic() - started < 9 * LIMIT
    assert not any("internal error" in m.message for m in utf16_client.messages + utf16_client.log_messages)
