"""Property: any normalised text (astral characters, combining marks, æøå) and any codings
survive export -> import unchanged: same text, same spans, same coded text."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from qualcode.coding import get_or_create_coder
from qualcode.db import open_project
from qualcode.exchange import export_qdpx, import_qdpx
from qualcode.formats.text import normalise
from qualcode.models import Code, Coder, Coding, Document

ALPHABET = st.characters(
    blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\ufeff"
) | st.sampled_from(list("æøåÆØÅ \n\t🎉👩‍⚕️🇩🇰𝔘é"))


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, int, int]]]:
    text = normalise(draw(st.text(ALPHABET, min_size=1, max_size=300)))
    if not text.strip():
        text = "tekst " + text
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end, draw(st.integers(0, 1)), draw(st.integers(0, 1))))
    return text, spans


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=st.lists(documents(), min_size=1, max_size=3))
def test_any_text_and_spans_survive_a_round_trip(
    tmp_path: Path, empty_project: Path, docs: list[tuple[str, list[tuple[int, int, int, int]]]]
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    shutil.copyfile(empty_project, folder / "a.qualcode")
    shutil.copyfile(empty_project, folder / "b.qualcode")
    source = open_project(folder / "a.qualcode")
    target = open_project(folder / "b.qualcode")
    try:
        with source.transaction() as s:
            codes = [Code(key=k, label_da=f"Kode {k} æøå") for k in ("x", "y")]
            s.add_all(codes)
            coders = [get_or_create_coder(s, n) for n in ("ida", "mads")]
            s.flush()
            for n, (text, spans) in enumerate(docs):
                doc = Document(
                    title=f"Dok {n}",
                    text=text,
                    sha256=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
                )
                s.add(doc)
                s.flush()
                for start, end, code, coder in spans:
                    s.add(
                        Coding(
                            document_id=doc.id,
                            code_id=codes[code].id,
                            coder_id=coders[coder].id,
                            start=start,
                            end=end,
                        )
                    )
        archive = folder / "x.qdpx"
        export_qdpx(source, archive)
        details = import_qdpx(target, archive, annotate=False).details
        assert details["codings_unplaced"] == 0 and details["codings_adjusted"] == 0

        def snapshot(project) -> set[tuple]:  # type: ignore[no-untyped-def, type-arg]
            with project.session() as s:
                rows = s.exec(
                    select(
                        Document.title,
                        Document.text,
                        Code.key,
                        Coder.name,
                        Coding.start,
                        Coding.end,
                    )
                    .join(Document, Document.id == Coding.document_id)
                    .join(Code, Code.id == Coding.code_id)
                    .join(Coder, Coder.id == Coding.coder_id)
                ).all()
                texts = {t: x for t, x in s.exec(select(Document.title, Document.text)).all()}
            return {(t, k, c, a, b, x[a:b]) for t, x, k, c, a, b in rows} | {
                ("text", t, x) for t, x in texts.items()
            }

        assert snapshot(target) == snapshot(source)
    finally:
        source.close()
        target.close()
