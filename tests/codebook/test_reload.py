"""Re-loading a codebook reports what changed and nothing else: an unchanged TOML or .qdc
file says "nothing changed"; a code counts as updated only when one of its fields changed
(label, colour, keywords, parent, order); and the file side (``codebook_file``) is still
importable from ``qualcode.codebook``."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from qualcode.codebook import load_codebook
from qualcode.db import Project
from qualcode.exchange import export_qdc, load_qdc
from qualcode.models import Code

BOOK = """[codebook]
name = "Skolestudie"

[[code]]
key = "ressourcer"
label_da = "Ressourcer"
colour = "#2a7e4f"

[[code]]
key = "tid"
parent = "ressourcer"
label_da = "Tid"
keywords = ["tid", "forberedelse"]

[[code]]
key = "trivsel"
label_da = "Trivsel"
description_da = "Hvordan lærerne har det.\\n\\tMed tabulator."
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "skole.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unchanged_toml_reload_reports_nothing(project: Project, tmp_path: Path) -> None:
    path = _write(tmp_path, BOOK)
    first = load_codebook(project, path)
    assert first.created == ["ressourcer", "tid", "trivsel"] and first.updated == []
    again = load_codebook(project, path)
    assert again.as_dict() == {"created": [], "updated": [], "unchanged": 3}
    assert again.message(path).startswith("nothing changed")


def test_only_changed_codes_count_as_updated(project: Project, tmp_path: Path) -> None:
    load_codebook(project, _write(tmp_path, BOOK))
    changed = BOOK.replace('"#2a7e4f"', '"#AA0000"').replace(
        '["tid", "forberedelse"]', '["tid"]'
    )
    result = load_codebook(project, _write(tmp_path, changed))
    assert result.updated == ["ressourcer", "tid"] and result.unchanged == 1
    moved = changed.replace('parent = "ressourcer"\n', "")
    result = load_codebook(project, _write(tmp_path, moved))
    assert result.updated == ["tid"] and result.unchanged == 2
    with project.session() as s:
        assert s.exec(select(Code).where(Code.key == "tid")).one().parent_id is None


def test_cli_reload_says_nothing_changed(cli, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, BOOK)
    code, out, _ = cli("codebook", "load", str(path))
    assert code == 0 and "3 codes created, 0 updated" in out
    code, out, _ = cli("codebook", "load", str(path))
    assert code == 0 and out.strip() == f"nothing changed: 3 codes as in {path}"
    code, out, _ = cli("codebook", "load", str(path), "--json")
    assert json.loads(out) == {"created": [], "updated": [], "unchanged": 3}


def test_qdc_written_by_qualcode_reloads_unchanged(project: Project, tmp_path: Path) -> None:
    # The .qdc writes colours in upper case; "#2a7e4f" and "#2A7E4F" are the same colour.
    load_codebook(project, _write(tmp_path, BOOK))
    qdc = tmp_path / "skole.qdc"
    export_qdc(project, qdc, full=True)
    result = load_qdc(project, qdc)
    assert (result.created, result.updated, result.unchanged) == ([], [], 3)
    assert load_qdc(project, qdc).message().endswith("nothing changed (3 codes as in the project)")


def test_file_side_is_importable_from_codebook() -> None:
    from qualcode import codebook, codebook_file

    for name in ("CodeSpec", "CodebookFile", "parse_codebook_toml", "validate_hierarchy",
                 "bundled_codebooks", "find_codebook_file", "codebook_to_toml"):  # fmt: skip
        assert getattr(codebook, name) is getattr(codebook_file, name)
