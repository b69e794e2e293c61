"""The bundled codebook, codebook validation errors (file and line), show and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qualcode_testutil import file_digest

from qualcode.codebook import parse_codebook_toml
from qualcode.demo import demo_codebook
from qualcode.errors import CodebookError


def test_bundled_codebook_has_six_areas_23_points_and_cross_cutting():
    book = parse_codebook_toml(demo_codebook())
    kinds = [c.kind for c in book.codes]
    assert kinds.count("area") == 6
    assert kinds.count("attention_point") == 23
    assert kinds.count("cross_cutting") == 6
    keys = {c.key for c in book.codes}
    assert {"1", "6", "1.1", "6.5", "ulighed"} <= keys
    for c in book.codes:
        assert c.label_da and c.label_en and c.keywords and c.description_da, c.key
        if c.kind == "attention_point":
            assert c.parent == c.key.split(".")[0]


GOOD = '''[codebook]
name = "Test"

[[code]]
key = "1"
label_da = "Et"
label_en = "One"

[[code]]
key = "1.1"
parent = "1"
label_da = "Et et"
'''


def check_error(tmp_path: Path, text: str, *needles: str) -> None:
    f = tmp_path / "book.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        parse_codebook_toml(f)
    message = str(info.value)
    assert str(f) in message
    for needle in needles:
        assert needle in message, message


def test_valid_codebook_parses(tmp_path):  # type: ignore[no-untyped-def]
    f = tmp_path / "ok.toml"
    f.write_text(GOOD, encoding="utf-8")
    assert [c.key for c in parse_codebook_toml(f).codes] == ["1", "1.1"]


def test_unknown_field_names_its_line(tmp_path):  # type: ignore[no-untyped-def]
    check_error(tmp_path, GOOD + 'colur = "#ffffff"\n', "line 13", "unknown field 'colur'")


def test_duplicate_key(tmp_path):  # type: ignore[no-untyped-def]
    check_error(tmp_path, GOOD + '\n[[code]]\nkey = "1"\nlabel_da = "igen"\n', "line 14",
                "duplicate key '1'", "first on line 4")


def test_missing_label(tmp_path):  # type: ignore[no-untyped-def]
    check_error(tmp_path, GOOD + '\n[[code]]\nkey = "2"\n', "line 14", "has no label")


def test_cycle(tmp_path):  # type: ignore[no-untyped-def]
    text = (
        '[[code]]\nkey = "a"\nparent = "b"\nlabel_da = "A"\n\n'
        '[[code]]\nkey = "b"\nparent = "a"\nlabel_da = "B"\n'
    )
    check_error(tmp_path, text, "cycle", "a -> b -> a")


def test_unknown_parent(tmp_path):  # type: ignore[no-untyped-def]
    check_error(tmp_path, GOOD.replace('parent = "1"', 'parent = "9"'), "unknown parent '9'")


def test_invalid_toml(tmp_path):  # type: ignore[no-untyped-def]
    check_error(tmp_path, "[[code]\nkey=", "invalid TOML")


def test_load_show_export_roundtrip(cli, project_path, tmp_path):  # type: ignore[no-untyped-def]
    cli("init", str(project_path), project=None)
    code, out, err = cli("codebook", "load", str(demo_codebook()), "--json")
    assert code == 0, err
    assert len(json.loads(out)["created"]) == 35
    code, out, _ = cli("codebook", "show", "--json")
    tree = json.loads(out)
    areas = [n for n in tree if n["kind"] == "area"]
    assert [a["key"] for a in areas] == ["1", "2", "3", "4", "5", "6"]
    assert sum(len(a["children"]) for a in areas) == 23
    toml_out = tmp_path / "again.toml"
    assert cli("codebook", "export", "--format", "toml", "--out", str(toml_out))[0] == 0
    again = parse_codebook_toml(toml_out)
    original = parse_codebook_toml(demo_codebook())
    assert [(c.key, c.label_da, c.parent, c.keywords) for c in again.codes] == [
        (c.key, c.label_da, c.parent, c.keywords) for c in original.codes
    ]
    md_out = tmp_path / "book.md"
    assert cli("codebook", "export", "--format", "md", "--out", str(md_out))[0] == 0
    assert "Basal palliation" in md_out.read_text(encoding="utf-8")


def test_bad_codebook_leaves_project_unchanged(cli, project_path, tmp_path):  # type: ignore[no-untyped-def]
    cli("init", str(project_path), project=None)
    cli("codebook", "load", str(demo_codebook()))
    before = file_digest(project_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD + 'nonsense = "x"\n', encoding="utf-8")
    code, _out, err = cli("codebook", "load", str(bad))
    assert code == 1 and err.startswith("error: ")
    assert file_digest(project_path) == before


def test_a_code_renamed_elsewhere_is_matched_by_guid(project, tmp_path):  # type: ignore[no-untyped-def]
    from qualcode.codebook import codebook_tree, load_codebook
    from qualcode.coding import apply_code, list_codings
    from qualcode.formats import parse_bytes
    from qualcode.importing import store_parsed

    first = tmp_path / "a.toml"
    first.write_text(GOOD.replace('key = "1.1"', 'key = "1.1"\nguid = "G-11"'), encoding="utf-8")
    load_codebook(project, first)
    store_parsed(project, parse_bytes("d.txt", b"Et kort dokument om noget."), source_name="d.txt",
                 sha256="x")
    apply_code(project, 1, "1.1", 0, 8, "ida")
    second = tmp_path / "b.toml"
    second.write_text(
        GOOD.replace('key = "1.1"', 'key = "1.2"\nguid = "G-11"'), encoding="utf-8"
    )
    result = load_codebook(project, second)
    assert "1.2" in result.updated and not result.created
    keys = [child["key"] for child in codebook_tree(project)[0]["children"]]
    assert keys == ["1.2"]
    assert [c["code"] for c in list_codings(project)] == ["1.2"]
