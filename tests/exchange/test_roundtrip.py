"""Export -> import into a fresh project: the same documents, codes and codings."""

from __future__ import annotations

from pathlib import Path

from qualcode.codebook import codebook_tree, load_codebook
from qualcode.coding import list_codings
from qualcode.db import Project, open_project
from qualcode.documents import list_documents
from qualcode.exchange import export_qdc, export_qdpx, import_qdpx, load_qdc
from qualcode.models import Memo
from tests.exchange.helpers import DANISH_TEXT, EMOJI_TEXT, build_project


def _codes(project: Project) -> set[tuple]:  # type: ignore[type-arg]
    out = set()

    def walk(nodes: list, parent: str | None) -> None:  # type: ignore[type-arg]
        for n in nodes:
            out.add(
                (
                    n["key"],
                    parent,
                    n["kind"],
                    n["label_da"],
                    n["label_en"],
                    n["colour"],
                    n["guid"],
                    n["description_da"],
                    n["use_when"],
                    tuple(n["keywords"]),
                )
            )
            walk(n["children"], n["key"])

    walk(codebook_tree(project), None)
    return out


def _codings(project: Project) -> set[tuple]:  # type: ignore[type-arg]
    return {
        (c["document"], c["code"], c["start"], c["end"], c["text"], c["coder"], c["memo"])
        for c in list_codings(project)
    }


def _texts(project: Project) -> dict[str, str]:
    from sqlmodel import select

    from qualcode.models import Document

    with project.session() as s:
        return {d.title: d.text for d in s.exec(select(Document))}


def test_roundtrip_danish_and_emoji(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path, with_people=True)
    archive = tmp_path / "rt.qdpx"
    export_qdpx(project, archive)
    fresh = open_project(tmp_path / "fresh.qualcode", create=True)
    try:
        outcome = import_qdpx(fresh, archive)
        d = outcome.details
        assert outcome.status == "imported"
        assert (
            d["documents"],
            d["codings_placed"],
            d["codings_adjusted"],
            d["codings_unplaced"],
        ) == (2, 8, 0, 0)
        assert d["position_unit"] == "Unicode code points"
        assert _texts(fresh) == _texts(project)
        assert _texts(fresh)["Noter fra mødet"] == EMOJI_TEXT
        assert _texts(fresh)["Interview med Birthe Vestergård"] == DANISH_TEXT
        assert _codes(fresh) == _codes(project)
        assert _codings(fresh) == _codings(project)
        emoji = {c["text"] for c in list_codings(fresh, document="Noter fra mødet")}
        assert {"🐢 alt for lang", "æøå-folket 🇩🇰", "Ulighed 𝔘 fylder også."} <= emoji
        # Coders, participants (consent-shaped) and the document link came along.
        docs = {x["title"]: x for x in list_documents(fresh)}
        assert docs["Interview med Birthe Vestergård"]["participants"] == ["Birthe Vestergård"]
        # Importing the same archive again adds nothing.
        again = import_qdpx(fresh, archive).details
        assert again["documents"] == 0 and again["codings_placed"] == 0
        assert again["codings_already_present"] == 8 and again["codes_matched"] == 3
        assert _codings(fresh) == _codings(project)
    finally:
        fresh.close()


def test_roundtrip_memos_become_notes_and_back(project: Project, tmp_path: Path) -> None:
    ids = build_project(project, tmp_path, with_people=False)
    with project.transaction() as s:
        s.add(Memo(target_kind="document", target_id=ids["danish"], text="Godt interview 👍"))
        s.add(Memo(target_kind="project", target_id=None, text="Projektnote om æøå"))
    archive = tmp_path / "memo.qdpx"
    export_qdpx(project, archive)
    fresh = open_project(tmp_path / "fresh.qualcode", create=True)
    try:
        import_qdpx(fresh, archive)
        from sqlmodel import select

        with fresh.session() as s:
            memos = {(m.target_kind, m.text) for m in s.exec(select(Memo))}
        assert ("project", "Projektnote om æøå") in memos
        assert any(
            kind == "document" and text.endswith("Godt interview 👍") for kind, text in memos
        )
    finally:
        fresh.close()


def test_qdc_roundtrip_keeps_keys_guids_and_hierarchy(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path, with_people=False)
    qdc = tmp_path / "book.qdc"
    export_qdc(project, qdc)
    fresh = open_project(tmp_path / "fresh.qualcode", create=True)
    try:
        result = load_qdc(fresh, qdc)
        assert sorted(result.created) == ["1", "1.1", "ulighed"]
        assert _codes(fresh) == _codes(project)
        again = load_qdc(fresh, qdc)  # an unchanged codebook: nothing to report
        assert again.created == [] and again.updated == [] and again.unchanged == 3
        assert "nothing changed" in again.message()
    finally:
        fresh.close()


def test_cli_import_of_qdpx(cli, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_project(project, tmp_path, with_people=False)
    archive = tmp_path / "cli.qdpx"
    export_qdpx(project, archive)
    target = tmp_path / "other.qualcode"
    open_project(target, create=True).close()
    code, out, err = cli("import", str(archive), project=target)
    assert code == 0, err
    assert "imported 2 documents" in out and "8 codings placed (0 adjusted, 0 unplaced)" in out
