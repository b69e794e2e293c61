"""Exchange test material: a project with documents, a codebook and codings (a recipe over
the one builder, tests/builders.py), and .qdpx archives written by hand in the style of
other tools."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from builders import ProjectBuilder

from qualcode.db import Project

# The REFI-QDA schemas ship with the tests (MIT, see tests/data/refi-qda/SOURCES.md), so
# validation runs in every clone and never skips.
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data" / "refi-qda"

CODEBOOK_TOML = """\
[codebook]
name = "Testkodebog"

[[code]]
key = "1"
kind = "area"
label_da = "Tidlig opsporing"
label_en = "Early detection"
description_da = "Alt om at finde kræft tidligt."
colour = "#1F77B4"

[[code]]
key = "1.1"
parent = "1"
kind = "attention_point"
label_da = "Ventetid på svar"
label_en = "Waiting for results"
use_when = "Når eksperten nævner ventetid."
keywords = ["ventetid", "svar"]
colour = "#AEC7E8"

[[code]]
key = "ulighed"
kind = "cross_cutting"
label_da = "Ulighed"
label_en = "Inequality"
colour = "#D62728"
"""

PARTICIPANTS_CSV = "\n".join(
    [
        "name;title;organisation;expertise;consent;email;language;pseudonym",
        "Birthe Vestergård;overlæge;Fjordby Sygehus;diagnostik;named;bv@fjordby.example;da;",
        "Jonas Krogsbøl;sygeplejerske;Hjemmeplejen Søndervig;palliation;role_only;"
        "jk@sondervig.example;da;",
        "Ulrikke Ravnsholt;professor i sundhedsdata;Institut for Registerforskning Åby;data;"
        "anonymous;ur@aaby.example;da;Ekspert 3",
        "",
    ]
)

DANISH_TEXT = (
    "Interview med Birthe Vestergård\n\n"
    "I: Hvordan går det med ventetiden på Fjordby Sygehus?\n\n"
    "Birthe Vestergård: Ærligt talt er ventetiden på svar for lang. Især ældre på Ærø og i "
    "Søndersø venter længe, og det øger uligheden.\n\n"
    "I: Hvad skal der til?\n\n"
    "Birthe Vestergård: Færre overgange og én ansvarlig læge. Så går det hurtigere.\n"
)

EMOJI_TEXT = (
    "Noter 📝 fra mødet 🎉 i Åby\n\n"
    "Patienterne 👩‍⚕️ ønsker hurtigere svar. Ventetiden er 🐢 alt for lang!\n"
    "Åbenhed og tillid 🤝 betyder meget for æøå-folket 🇩🇰. Ulighed 𝔘 fylder også.\n"
)


def build_project(project: Project, tmp_path: Path, with_people: bool = True) -> dict[str, int]:
    """A project with the test codebook, two documents (Danish, emoji) and codings."""
    build = ProjectBuilder(project, tmp_path).codebook(CODEBOOK_TOML, "book.toml")
    if with_people:
        build.participants(PARTICIPANTS_CSV, "people.csv")
    d1 = build.imported(
        "vestergaard.txt",
        DANISH_TEXT,
        participants=["Birthe Vestergård"] if with_people else None,
        title="Interview med Birthe Vestergård",
    )
    d2 = build.imported("noter.txt", EMOJI_TEXT, kind="notes", title="Noter fra mødet")
    for doc, needle, code, coder, memo in [
        (d1, "ventetiden på svar for lang", "1.1", "ida", "Kernepointe: æøå"),
        (d1, "Især ældre på Ærø og i Søndersø venter længe", "ulighed", "ida", ""),
        (d1, "Ærligt talt er ventetiden på svar for lang.", "1.1", "mads", ""),
        (d1, "Færre overgange og én ansvarlig læge.", "1", "mads", ""),
        (d2, "Patienterne 👩‍⚕️ ønsker hurtigere svar.", "1.1", "ida", "emoji 🎉"),
        (d2, "🐢 alt for lang", "1.1", "mads", ""),
        (d2, "æøå-folket 🇩🇰", "ulighed", "ida", ""),
        (d2, "Ulighed 𝔘 fylder også.", "ulighed", "mads", ""),
    ]:
        build.code(doc, needle, code, coder, memo)
    return {"danish": d1, "emoji": d2}


def qdpx_bytes(
    qde: str | bytes, files: dict[str, bytes | str] | None = None, qde_name: str = "project.qde"
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (files or {}).items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()


def write_qdpx(
    path: Path,
    qde: str | bytes,
    files: dict[str, bytes | str] | None = None,
    qde_name: str = "project.qde",
) -> Path:
    path.write_bytes(qdpx_bytes(qde, files, qde_name))
    return path


def schema(name: str):  # type: ignore[no-untyped-def]
    """An lxml XMLSchema from tests/data/refi-qda."""
    from lxml import etree

    path = SCHEMA_DIR / name
    assert path.exists(), f"REFI-QDA schema {path} is missing"
    return etree.XMLSchema(etree.parse(str(path)))


def table_counts(project: Project) -> dict[str, int]:
    """Rows per table: equal before and after a failed import means nothing was written."""
    from sqlalchemy import func
    from sqlmodel import select

    from qualcode import models

    out = {}
    with project.session() as s:
        for model in (
            models.Document,
            models.Code,
            models.Coding,
            models.Coder,
            models.Participant,
            models.Memo,
            models.Turn,
            models.DocumentParticipant,
            models.ProjectSetting,
        ):
            out[model.__tablename__] = s.exec(select(func.count()).select_from(model)).one()
    return out
