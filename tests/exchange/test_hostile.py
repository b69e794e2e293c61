"""Hostile and broken archives: refused with a clear error, the project left as it was."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qualcode.exchange import archive as exchange
from qualcode.exchange import restore as exchange_restore
from qualcode.db import Project
from qualcode.errors import ImportFormatError
from qualcode.exchange import export_qdpx, import_qdpx
from tests.exchange.helpers import build_project, table_counts, write_qdpx

MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x">
  <Sources><TextSource guid="5d2f3c1a-0000-4000-8000-000000000001" name="a"
     plainTextPath="{path}"/></Sources>
</Project>"""


@pytest.fixture
def populated(project: Project, tmp_path: Path) -> Project:
    build_project(project, tmp_path)
    return project


def _refused(project: Project, archive: Path, *needles: str) -> ImportFormatError:
    before = table_counts(project)
    with pytest.raises(ImportFormatError) as info:
        import_qdpx(project, archive)
    assert table_counts(project) == before, "a refused archive changed the project"
    for needle in needles:
        assert needle in str(info.value), str(info.value)
    return info.value


@pytest.mark.parametrize(
    "member",
    ["../evil.txt", "/etc/evil.txt", "Sources/../../evil.txt", "..\\evil.txt", "C:/evil.txt"],
)
def test_zip_slip_member_names(populated: Project, tmp_path: Path, member: str) -> None:
    archive = write_qdpx(
        tmp_path / "slip.qdpx",
        MINIMAL.format(path="internal://a.txt"),
        {"Sources/a.txt": "tekst", member: "ond"},
    )
    _refused(populated, archive, "outside the archive")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_source_path_that_climbs_out(populated: Project, tmp_path: Path) -> None:
    archive = write_qdpx(
        tmp_path / "climb.qdpx",
        MINIMAL.format(path="internal://../../etc/passwd"),
        {"Sources/passwd": "root:x:0:0"},
    )
    _refused(populated, archive, "outside the archive")


def test_zip_bomb_by_ratio(populated: Project, tmp_path: Path) -> None:
    archive = write_qdpx(
        tmp_path / "bomb.qdpx",
        MINIMAL.format(path="internal://a.txt"),
        {"Sources/a.txt": b"\0" * (20 * 1024 * 1024)},
    )
    assert archive.stat().st_size < 200_000
    _refused(populated, archive, "zip bomb")


def test_decompressed_size_is_bounded(
    populated: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "MAX_TOTAL_BYTES", 64 * 1024)
    text = "".join(f"linje {i} med æøå\n" for i in range(20_000))  # ~400 kB, compresses well
    archive = write_qdpx(
        tmp_path / "big.qdpx", MINIMAL.format(path="internal://a.txt"), {"Sources/a.txt": text}
    )
    _refused(populated, archive, "more than qualcode accepts")


def test_a_lying_size_header_cannot_exceed_the_limit(
    populated: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading is chunked and counted, so even if headers lie the budget holds."""
    archive = write_qdpx(
        tmp_path / "ok.qdpx",
        MINIMAL.format(path="internal://a.txt"),
        {"Sources/a.txt": "x" * 200_000},
    )
    monkeypatch.setattr(exchange, "MAX_MEMBER_BYTES", 300_000)
    safe = exchange.SafeArchive(archive)
    try:
        safe.budget = 100_000  # as if earlier members had used the rest
        with pytest.raises(ImportFormatError, match="zip bomb"):
            safe.read("Sources/a.txt")
    finally:
        safe.close()


def test_member_count_is_bounded(
    populated: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "MAX_MEMBERS", 50)
    files = {f"Sources/{i}.txt": "x" for i in range(60)}
    archive = write_qdpx(tmp_path / "many.qdpx", MINIMAL.format(path="internal://0.txt"), files)
    _refused(populated, archive, "holds 61 files")


def test_real_member_limit_is_enforced(populated: Project, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for i in range(exchange.MAX_MEMBERS + 1):
            zf.writestr(f"m/{i}", b"")
    path = tmp_path / "swarm.qdpx"
    path.write_bytes(buffer.getvalue())
    _refused(populated, path, f"holds {exchange.MAX_MEMBERS + 1} files")


XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Project name="&lol4;"/>"""

REMOTE_DTD = """<?xml version="1.0"?>
<!DOCTYPE Project SYSTEM "http://example.invalid/evil.dtd">
<Project name="x"/>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS, REMOTE_DTD], ids=["xxe", "laughs", "remote-dtd"])
def test_doctype_and_entities_are_refused(populated: Project, tmp_path: Path, xml: str) -> None:
    archive = write_qdpx(tmp_path / "xxe.qdpx", xml)
    _refused(populated, archive, "DOCTYPE")


def test_doctype_in_utf16_xml_is_refused(populated: Project, tmp_path: Path) -> None:
    data = XXE.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    archive = write_qdpx(tmp_path / "xxe16.qdpx", data)
    _refused(populated, archive, "DOCTYPE")


def test_doctype_in_a_codebook_is_refused(tmp_path: Path) -> None:
    from qualcode.errors import CodebookError
    from qualcode.exchange import read_qdc

    path = tmp_path / "evil.qdc"
    path.write_text(XXE.replace("Project", "CodeBook"), encoding="utf-8")
    with pytest.raises(CodebookError, match="DOCTYPE"):
        read_qdc(path)


def test_archive_without_qde(populated: Project, tmp_path: Path) -> None:
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Sources/a.txt", "tekst")
    _refused(populated, path, "holds no .qde project file")


def test_two_qde_files_without_project_qde(populated: Project, tmp_path: Path) -> None:
    path = tmp_path / "two.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.qde", MINIMAL)
        zf.writestr("b.qde", MINIMAL)
    _refused(populated, path, "2 .qde files")


def test_invalid_xml(populated: Project, tmp_path: Path) -> None:
    archive = write_qdpx(tmp_path / "bad.qdpx", "<Project name='x'><Sources></Project>")
    err = _refused(populated, archive, "not well-formed XML", "line 1")
    assert err.hint


def test_wrong_root_element(populated: Project, tmp_path: Path) -> None:
    archive = write_qdpx(tmp_path / "root.qdpx", "<CodeBook/>")
    _refused(populated, archive, "not <Project>")


def test_not_a_zip(populated: Project, tmp_path: Path) -> None:
    path = tmp_path / "fake.qdpx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    _refused(populated, path, "not a zip archive")


def test_failure_while_writing_rolls_everything_back(
    populated: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: a failure after documents and codings were added undoes them all."""
    archive = tmp_path / "good.qdpx"
    with populated.transaction() as s:
        from qualcode.models import Memo

        s.add(Memo(target_kind="project", target_id=None, text="en note"))
    export_qdpx(populated, archive)
    fresh_path = tmp_path / "fresh.qualcode"
    from qualcode.db import open_project

    fresh = open_project(fresh_path, create=True)
    try:
        before = table_counts(fresh)

        class Boom(Exception):
            pass

        class ExplodingMemo:
            guid = Memo.guid  # queried before the first note is written

            def __init__(self, *args: object, **kwargs: object) -> None:
                raise Boom("disk full")

        monkeypatch.setattr(exchange_restore, "Memo", ExplodingMemo)  # memos restored last
        with pytest.raises(Boom):
            import_qdpx(fresh, archive)
        assert table_counts(fresh) == before
    finally:
        fresh.close()


def test_cli_reports_a_hostile_archive(cli, populated: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = write_qdpx(tmp_path / "xxe.qdpx", XXE)
    before = table_counts(populated)
    code, out, err = cli("import", str(archive))
    assert code == 1
    assert "error:" in err and "DOCTYPE" in err
    assert table_counts(populated) == before
