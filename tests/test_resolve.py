"""IR-2: interpolation diagnostics, the `$<...>` spelling, warnings, the Python API."""

from __future__ import annotations

import warnings

import pytest

import archwright
from archwright.compiler.compilation import Compilation

confection = pytest.importorskip("confection")


def _confection(text: str, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return confection.Config().from_str(text, **kwargs)


def _codes(text: str, **kwargs) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in Compilation(text, **kwargs).diagnostics]


def test_a_cycle_is_reported_whole_with_every_hop() -> None:
    text = "[a]\nx = ${b.y}\n[b]\ny = ${c.z}\n[c]\nz = 2 ${a.x}\n"
    diagnostic, = Compilation(text).diagnostics
    assert diagnostic.code == "AW202"
    assert diagnostic.message == "reference cycle: a.x -> b.y -> c.z -> a.x"
    assert diagnostic.span.line == 2
    assert [(r.config_path, r.span.line) for r in diagnostic.related] == [("b.y", 4), ("c.z", 6)]


def test_undefined_references_say_what_is_missing_and_suggest() -> None:
    text = ("[paths]\ntrain = 1\n[training]\nmax_epochs = 1\n"
            "[x]\na = ${paths.trian}\nb = ${pahts.train}\nc = ${train}\nd = ${training.optimizer.lr}\n")
    found = {d.span.line: d for d in Compilation(text).diagnostics if d.code == "AW201"}
    assert set(found) == {6, 7, 8, 9}
    assert "[paths] has no key or subsection `trian`" in found[6].message
    assert found[6].hint == "did you mean ${paths.train}?"
    assert "there is no section [pahts]" in found[7].message
    assert found[7].hint == "did you mean ${paths.train}?"
    assert found[8].hint == "a reference without a section only looks in its own section: write ${paths.train}"
    assert "[training] exists, but there is no section [training.optimizer]" in found[9].message
    assert all(d.code == "AW201" for d in found.values())


def test_chains_of_ten_references_work_and_eleven_do_not() -> None:
    def chain(n: int) -> str:
        return "[s]\nx0 = 1\n" + "".join(f"x{i} = ${{s.x{i - 1}}}\n" for i in range(1, n + 1))

    assert archwright.resolve(chain(10))["s"]["x10"] == 1
    assert _confection(chain(10))["s"]["x10"] == 1
    diagnostic, = Compilation(chain(11)).diagnostics
    assert diagnostic.code == "AW203"
    assert diagnostic.message.startswith("references nested more than 10 deep (s.x11 -> s.x10 -> ")
    with pytest.raises(Exception):
        _confection(chain(11))


def test_the_design_cards_spelling_resolves_like_the_formats() -> None:
    text = "[v]\nw = 96\nl = [1, 2]\n[m]\na = {ref}\nb = \"x{ref}\"\nc = [{ref}, 3]\n"
    standard = text.format(ref="${v.w}")
    alternative = text.format(ref="$<v.w>")
    compilation = Compilation(alternative)
    # spaCy cannot load the design card's spelling: an error at each, and fmt writes what spaCy reads
    assert compilation.resolved is None
    assert [d.code for d in compilation.diagnostics] == ["AW250", "AW250", "AW250"]
    assert all(d.is_error for d in compilation.diagnostics)
    assert archwright.resolve(archwright.fmt(alternative)) == _confection(standard) == archwright.resolve(standard)


@pytest.mark.parametrize("text, code", [
    ("[a]\nx = 1 # note\n", "AW150"),
    ("[a]\nx = 'q'\n", "AW151"),
    ("[a] y = 2\nx = 1\n", "AW152"),
    ("[a]\nl = [\"p\"]\nx = q${a.l}\n", "AW253"),
])
def test_warnings_keep_spacys_result(text: str, code: str) -> None:
    compilation = Compilation(text)
    assert [d.code for d in compilation.diagnostics] == [code]
    assert compilation.resolved.data == _confection(text)


def test_overrides_that_fail_after_the_rewrite_point_at_the_users_text() -> None:
    text = "[a]\nx = 1\n[b]\ny = ${a.x}\n"
    compilation = Compilation(text, overrides={"a.x": "${c.missing}"})
    diagnostic, = compilation.diagnostics
    assert diagnostic.code == "AW201"
    assert diagnostic.config_path == "a.x"
    assert diagnostic.span.line == 2  # the overridden key, not a line of the rewritten text
    with pytest.raises(Exception):
        _confection(text, overrides={"a.x": "${c.missing}"})


def test_resolve_raises_config_error_with_every_diagnostic() -> None:
    with pytest.raises(archwright.ConfigError) as raised:
        archwright.resolve("[a]\nx = ${b.y}\nz = $5\n")
    assert [d.code for d in raised.value.diagnostics] == ["AW201", "AW204"]
    assert "AW201" in str(raised.value)


def test_span_index_finds_keys_values_and_sections() -> None:
    resolved = Compilation("[a]\nx = 1\n\n[a.b]\ny = {\"k\": 1}\n").resolved
    spans = resolved.spans
    assert spans.keys[("a", "x")].line == 2
    assert spans.values[("a", "b", "y")].line == 5
    assert spans.find(("a", "b", "y", "k")).line == 5  # inside an inline object: its value
    assert spans.find(("a", "b")).line == 4
    assert spans.find(("nowhere",)) is None


def _every_path_of(tree):
    """The span index as it was built whole: the first section of each name (not DEFAULT), the
    first entry of each key."""
    sections, keys, values = {}, {}, {}
    for section in tree.sections:
        parts = tuple(section.name.split("."))
        if section.name == "DEFAULT" or parts in sections:
            continue
        sections[parts] = section.name_span
        for entry in section.entries:
            keys.setdefault(parts + (entry.key,), entry.key_span)
            values.setdefault(parts + (entry.key,), entry.value.span)
    return sections, keys, values


@pytest.mark.parametrize("text", [
    "[a]\nx = 1\nx = 2\n[a.b]\ny = ${a.x}\n  z\n[a]\nw = 3\n[DEFAULT]\nd = 1\n",
    "[a.b]\nk.j = 1\n[]\n = 2\nv =\n  [x] y = 1\n",
])
def test_span_index_lookups_give_what_the_whole_index_gave(text: str) -> None:
    from archwright.compiler.resolve import _Table
    from archwright.grammar.parser import parse

    tree, _ = parse(text)
    spans = _Table(tree).spans
    sections, keys, values = _every_path_of(tree)
    assert dict(spans.sections.items()) == sections
    assert dict(spans.keys.items()) == keys
    assert dict(spans.values.items()) == values
    for path in [("a", "b", "k.j"), ("a.b", "k.j"), ("a", "b.k", "j"), ("a",), (), ("a", 1), (1, "x"), "a.x",
                 ("",), ("DEFAULT", "d"), ("a", "x", "y")] + list(keys):
        assert spans.keys.get(path) == keys.get(path), path
        assert spans.values.get(path) == values.get(path), path
        assert spans.sections.get(path) == sections.get(path), path
        assert (path in spans.values) == (path in values)
        if isinstance(path, tuple):
            deeper = path + ("k.j", 0, "x")
            for end in range(len(deeper), -1, -1):
                prefixes = [deeper[:n] for n in range(end, 0, -1)]
                expected = next((values.get(p) or sections.get(p) for p in prefixes
                                 if values.get(p) or sections.get(p)), None)
                assert spans.find(deeper[:end]) == expected, deeper[:end]


def test_a_path_is_read_as_spacy_reads_files(tmp_path) -> None:
    path = tmp_path / "c.cfg"
    path.write_bytes(b"[a]\r\nx = 1\r\ny = [\r\n  2]\r\n")
    assert archwright.resolve(path) == {"a": {"x": 1, "y": [2]}}
    assert archwright.resolve("[a]\nx = 1") == {"a": {"x": 1}}
