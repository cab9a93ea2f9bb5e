"""Rename and quick fixes through the real server on every shared corpus config: a rename leaves
a config that confection resolves to the same meaning (the renamed name aside), and a quick fix
leaves fewer errors."""

from __future__ import annotations

import random
import warnings

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

import archwright
from archwright.lsp.document import Document
from conftest import REAL, needs_shared
from lsp_session import SERVER, apply_edits, at, capabilities, change_document, open_document

pytestmark = [pytest.mark.asyncio(loop_scope="module"), needs_shared]
CONFIGS = sorted(REAL.glob("*.cfg")) if REAL.is_dir() else []


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities("utf-32")))
    yield
    await lsp_client.shutdown_session()


def confection_data(text: str):
    """What confection makes of the text (interpolated), or None when it raises."""
    from confection import Config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Config().from_str(text)
        except Exception:
            return None


def renamed(data, path: tuple[str, ...], new: str):
    """`data` with the key at `path` renamed in place (order kept): shared section copies are the
    same dict objects, so they follow, as they do in the renamed config."""
    node = data
    for part in path[:-1]:
        node = node[part]
    items = list(node.items())
    node.clear()
    node.update((new if k == path[-1] else k, v) for k, v in items)
    return data


def targets(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Referenced keys (section, key) and sections, outside [components] (renaming a component
    also renames it in the pipeline lists: covered by test_lsp.py)."""
    document = Document("file:///t.cfg", text)
    keys, sections = [], []
    for section, _, ref in document.references():
        target = document.target(ref, section.name)
        if target is None or target.section.startswith("components"):
            continue
        if target.key is not None and (target.section, target.key) not in keys:
            keys.append((target.section, target.key))
        if target.section not in sections:
            sections.append(target.section)
    return keys, sections


async def _rename(client: LanguageClient, uri: str, text: str, line: int, character: int, new: str) -> str:
    edit = await client.text_document_rename_async(types.RenameParams(**at(uri, line, character), new_name=new))
    return apply_edits(text, edit.changes[uri])


async def test_renames_keep_the_meaning_of_every_corpus_config(client: LanguageClient):
    checked = 0
    for number, path in enumerate(CONFIGS):
        text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        original = confection_data(text)
        keys, sections = targets(text)
        if original is None or not keys:
            continue
        uri = path.as_uri()
        await open_document(client, uri, text)
        document = Document(uri, text)
        for section, key in keys[:3]:
            span = document.entries[section][key].key_span
            new_text = await _rename(client, uri, text, span.line - 1, span.column - 1, key + "_x")
            expected = renamed(confection_data(text), (*section.split("."), key), key + "_x")
            assert confection_data(new_text) == expected, (path.name, section, key)
            checked += 1
        section = sections[0]
        span = document.sections[section].name_span
        last = section.rpartition(".")[2]
        new_text = await _rename(client, uri, text, span.line - 1, span.column - 1, last + "_x")
        expected = renamed(confection_data(text), tuple(section.split(".")), last + "_x")
        assert confection_data(new_text) == expected, (path.name, section)
        checked += 1
    assert checked > 500


def misspelt(text: str, seed: int) -> tuple[str, str] | None:
    """The text with one reference's key misspelt (two letters swapped), and that reference."""
    document = Document("file:///t.cfg", text)
    refs = [ref for section, _, ref in document.references() if document.target(ref, section.name)
            and len(ref.path.rpartition(".")[2]) > 3 and "." in ref.path]
    if not refs:
        return None
    ref = random.Random(seed).choice(refs)
    head, _, key = ref.path.rpartition(".")
    wrong = key[0] + key[2] + key[1] + key[3:]
    if wrong == key:
        return None
    start = sum(len(line) + 1 for line in text.split("\n")[:ref.span.line - 1]) + ref.span.column - 1
    return text[:start] + "${" + head + "." + wrong + "}" + text[start + len(ref.text):], ref.text


async def test_quick_fixes_leave_fewer_errors_in_every_corpus_config(client: LanguageClient):
    """Every quick fix the server offers on a corpus config, and on the config with a reference
    misspelt, removes its diagnostic and leaves fewer of that phase, or as many when a corrected
    function or factory name lets the checker read the block it skipped (its arguments)."""
    fixed = 0
    for number, path in enumerate(CONFIGS):
        text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        uri = path.as_uri()
        versions = [text]
        typo = misspelt(text, number)
        if typo is not None:
            versions.append(typo[0])
        for version, variant in enumerate(versions, start=1):
            diagnostics = await (open_document(client, uri, variant) if version == 1 else
                                 change_document(client, uri, variant, version))
            if not diagnostics:
                continue
            actions = await client.text_document_code_action_async(types.CodeActionParams(
                types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(100_000, 0)),
                types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix])))
            before = archwright.validate(variant)
            for action in actions:
                after = archwright.validate(apply_edits(variant, action.edit.changes[uri]))
                target = action.diagnostics[0]
                assert not any(d.code == target.code and d.message == target.message for d in after), action.title
                phase = target.code[:3]
                of_phase = [len([d for d in ds if d.code[:3] == phase]) for ds in (before, after)]
                named = target.code in ("AW303", "AW304", "AW407")  # a name that binds a card or factory
                assert of_phase[1] < of_phase[0] or (named and of_phase[1] == of_phase[0]), (path.name, action.title)
                fixed += 1
            if version == 2:  # the misspelt reference got its fix
                assert any(a.title.startswith("Change to ${") for a in actions), path.name
        await change_document(client, uri, "", len(versions) + 1)
    assert fixed > 100
