"""Bad input, broadly: random bytes and mutated real files given to the importers.

Every outcome is a success or a ``QualcodeError`` (a ``failed`` outcome), never another
exception, and a failed import leaves the project exactly as it was.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from qualcode.db import Project, change_marker, integrity_problems, open_project
from qualcode.demo import demo_corpus_dir
from qualcode.importing import import_files
from qualcode.models import Document, Sentence, Token, Turn

pytestmark = pytest.mark.sqlite_only  # the parsers are the same on both backends

CORPUS = demo_corpus_dir()
SUFFIXES = [".txt", ".md", ".docx", ".vtt", ".srt", ".pdf", ".qdpx"]
FUZZ = settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run: CI failures reproduce
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count()


def _pdf_seed() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Referat")
    for n, line in enumerate(
        ["Referat fra arbejdsgruppen", "Mona Ravn: Vi mangler data-", "deling."]
    ):
        pdf.drawString(72, 800 - 14 * n, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _srt_seed() -> bytes:
    return (
        "1\n00:00:01,000 --> 00:00:04,000\nI: Hvad tænker du om ventetiderne?\n\n"
        "2\n00:00:04,500 --> 00:00:09,000\nMona Ravn: De er for lange i udkantsområderne.\n"
    ).encode()


@pytest.fixture(scope="module")
def seeds(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One real file per format: the demo corpus, a small PDF and SRT, a QDPX export."""
    from qualcode.exchange import export_qdpx

    qdpx = tmp_path_factory.mktemp("seed") / "demo.qdpx"
    with open_project(_demo_master) as demo:
        export_qdpx(demo, qdpx)
    return {
        ".txt": (CORPUS / "05_moelgaard_dalsgaard.txt").read_bytes(),
        ".md": (CORPUS / "03_lindqvist.md").read_bytes(),
        ".docx": (CORPUS / "02_kjaersgaard.docx").read_bytes(),
        ".vtt": (CORPUS / "04_aagaard.vtt").read_bytes(),
        ".srt": _srt_seed(),
        ".pdf": _pdf_seed(),
        ".qdpx": qdpx.read_bytes(),
    }


def _state(project: Project) -> tuple[object, ...]:
    with project.session() as s:
        counts = tuple(
            s.exec(select(func.count()).select_from(m)).one() for m in (Turn, Sentence, Token)
        )
    return (change_marker(project), *counts)


def _import_and_check(project: Project, folder: Path, suffix: str, data: bytes) -> str:
    path = folder / f"fuzz{next(_names)}{suffix}"
    path.write_bytes(data)
    before = _state(project)
    outcome = import_files(project, [path])[0]  # anything but a QualcodeError escapes here
    assert outcome.status in ("imported", "duplicate", "failed"), outcome
    if outcome.status == "failed":
        assert outcome.message, "a failure must say what was wrong"
        assert _state(project) == before, f"a failed import changed the project: {outcome}"
    elif outcome.status == "imported" and suffix != ".qdpx":
        with project.session() as s:
            doc = s.get(Document, outcome.document_id)
        assert doc is not None and doc.text
    path.unlink()
    return outcome.status


# ---------------------------------------------------------------- mutations

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 400)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.integers(1, 400)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
)


def mutate(data: bytes, ops: list[tuple[str, float, object]]) -> bytes:
    buf = bytearray(data)
    for op, where, arg in ops:
        if not buf:
            break
        i = min(int(where * len(buf)), len(buf) - 1)
        if op == "flip":
            buf[i] ^= int(arg)  # type: ignore[call-overload]
        elif op == "delete":
            del buf[i : i + int(arg)]  # type: ignore[call-overload]
        elif op == "insert":
            buf[i:i] = arg  # type: ignore[assignment]
        elif op == "duplicate":
            buf[i:i] = buf[i : i + int(arg)]  # type: ignore[call-overload]
        else:
            del buf[i:]
    return bytes(buf)


def mutate_inside_zip(data: bytes, member_suffix: str, ops: list) -> bytes:  # type: ignore[type-arg]
    """Mutate the main XML member of a .docx / .qdpx and zip it up again (a valid zip)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith(member_suffix):
                body = mutate(body, ops)
            dst.writestr(info.filename, body)
    return out.getvalue()


# ---------------------------------------------------------------- the tests


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(min_size=0, max_size=3000))
def test_random_bytes(project: Project, tmp_path: Path, suffix: str, data: bytes) -> None:
    _import_and_check(project, tmp_path, suffix, data)


@FUZZ
@given(
    suffix=st.sampled_from(SUFFIXES),
    ops=st.lists(mutation, min_size=1, max_size=6),
)
def test_mutated_real_files(
    project: Project, tmp_path: Path, seeds: dict[str, bytes], suffix: str, ops: list
) -> None:  # type: ignore[type-arg]
    _import_and_check(project, tmp_path, suffix, mutate(seeds[suffix], ops))


@FUZZ
@given(
    which=st.sampled_from([(".docx", "document.xml"), (".qdpx", ".qde")]),
    ops=st.lists(mutation, min_size=1, max_size=4),
)
def test_mutated_xml_inside_valid_archives(
    project: Project, tmp_path: Path, seeds: dict[str, bytes], which: tuple[str, str], ops: list
) -> None:  # type: ignore[type-arg]
    suffix, member = which
    _import_and_check(project, tmp_path, suffix, mutate_inside_zip(seeds[suffix], member, ops))


def test_every_seed_imports_and_the_project_stays_intact(
    project: Project, tmp_path: Path, seeds: dict[str, bytes]
) -> None:
    """The unmutated seeds are good files (else the fuzzing above proves little)."""
    for suffix, data in seeds.items():
        assert _import_and_check(project, tmp_path, suffix, data) == "imported", suffix
    assert integrity_problems(project) == []


def _corrupt_deflate_archive(member: str) -> bytes:
    """A zip whose ``member`` has a broken deflate stream (CRC never reached: zlib fails)."""
    import zlib

    body = "<Project>" + "".join(f"<Note n='{i}'>tekst {i}</Note>" for i in range(400))
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, body + "</Project>")
    raw = good.getvalue()
    for pos in range(60, len(raw) // 2):
        bad = bytearray(raw)
        bad[pos] ^= 0xFF
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(bad))) as zf:
                zf.read(member)
        except zlib.error:
            return bytes(bad)
        except Exception:  # noqa: BLE001 - another kind of damage: try the next byte
            continue
    raise AssertionError("no corruption found")


def test_qdpx_with_a_broken_deflate_stream_is_a_clear_error(
    project: Project, tmp_path: Path
) -> None:
    assert (
        _import_and_check(project, tmp_path, ".qdpx", _corrupt_deflate_archive("project.qde"))
        == "failed"
    )


def test_docx_with_a_broken_deflate_stream_is_a_clear_error(
    project: Project, tmp_path: Path
) -> None:
    data = _corrupt_deflate_archive("word/document.xml")
    assert _import_and_check(project, tmp_path, ".docx", data) == "failed"
