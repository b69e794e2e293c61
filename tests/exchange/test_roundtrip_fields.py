"""Property: a random project survives export --full -> import into a fresh project on every
field qualcode holds (documents, turns with media times, participants, codes with or
without colour, codings, memos, quotes with events and packets, coders), compared by the
fingerprint in ``fidelity``; and the export is schema-valid every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.db import open_project
from qualcode.exchange import export_qdpx, import_qdpx
from qualcode.formats.text import normalise
from qualcode.models import (
    CODE_KINDS,
    CODING_ORIGINS,
    CONSENTS,
    DOCUMENT_KINDS,
    QUOTE_STATUSES,
    Code,
    Coder,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Packet,
    Participant,
    Quote,
    QuoteEvent,
    Turn,
)
from tests.exchange.fidelity import diff_lines, fingerprint
from tests.exchange.helpers import schema

TEXT = st.characters(
    blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\ufeff"
) | st.sampled_from(list("æøåÆØÅ \n\t🎉👩‍⚕️🇩🇰𝔘é"))
# Free text fields (memos, descriptions, wordings) may hold more than a document text may.
FREE = st.lists(
    st.text(TEXT, max_size=8) | st.sampled_from(["\t", "\r", "qualcode: ", "=1+1", "…", "  "]),
    max_size=5,
).map("".join)
WHEN = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)
DAY = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1))


def _span(draw: st.DrawFn, n: int) -> tuple[int, int]:
    start = draw(st.integers(0, n - 1))
    return start, draw(st.integers(start + 1, n))


def _build(s: Any, draw: Any) -> None:  # noqa: C901 - a test fixture, flat on purpose
    texts = []
    for _ in range(draw(st.integers(1, 3))):
        text = normalise(draw(st.text(TEXT, min_size=1, max_size=200)))
        texts.append(text if text.strip() else "tekst " + text)
    coders = [Coder(name=n, created=draw(WHEN)) for n in ("ida", "mads")]
    s.add_all(coders)
    people = [
        Participant(
            name=f"Person {i} {draw(st.text(TEXT, max_size=8)).strip()}".strip(),
            title=draw(FREE),
            organisation=draw(FREE),
            expertise=draw(FREE),
            consent=draw(st.sampled_from(CONSENTS)),
            pseudonym=f"Ekspert {i + 1}",
            email=draw(st.sampled_from(["", f"p{i}@x.example"])),
            language=draw(st.sampled_from(["da", "en"])),
            created=draw(WHEN),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    s.add_all(people)
    s.flush()
    codes: list[Code] = []
    for i in range(draw(st.integers(1, 4))):
        code = Code(
            key=f"k{i}",
            label_da=draw(FREE) or f"kode {i}",
            label_en=draw(FREE),
            kind=draw(st.sampled_from(CODE_KINDS)),
            description_da=draw(FREE),
            description_en=draw(FREE),
            guiding_question_da=draw(FREE),
            use_when=draw(FREE),
            not_when=draw(FREE),
            keywords=draw(st.lists(FREE, max_size=2)),
            colour=draw(st.sampled_from(["", "#1F77B4", "#888888"])),
            position=i,
            parent_id=draw(st.sampled_from([None, *[c.id for c in codes]])),
            created=draw(WHEN),
        )
        s.add(code)
        s.flush()
        codes.append(code)
    packets = [
        Packet(participant_id=p.id, due_date=draw(DAY), sent=draw(WHEN), path=f"/tmp/{p.id}.docx")
        for p in people
        if draw(st.booleans())
    ]
    s.add_all(packets)
    s.flush()
    memo_targets: list[tuple[str, int | None]] = [("project", None)]
    for n, text in enumerate(texts):
        doc = Document(
            title=f"Dok {n} {draw(FREE)}".strip(),
            kind=draw(st.sampled_from(DOCUMENT_KINDS)),
            source_name=f"kilde {n}.{draw(st.sampled_from(['txt', 'vtt', 'docx']))}",
            sha256=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
            text=text,
            date=draw(st.none() | DAY),
            language=draw(st.sampled_from(["da", "en", "hu", "de"])),
            meta={"format": "txt", "note": draw(FREE)},
            created=draw(WHEN),
        )
        s.add(doc)
        s.flush()
        memo_targets.append(("document", doc.id))
        for p in people:
            if draw(st.booleans()):
                s.add(DocumentParticipant(document_id=doc.id, participant_id=p.id))
        cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=4))))
        for k, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
            media = draw(st.none() | st.floats(0, 3600, allow_nan=False))
            s.add(
                Turn(
                    document_id=doc.id,
                    ordinal=k,
                    speaker=draw(FREE) or "I",
                    participant_id=draw(st.sampled_from([None, *[p.id for p in people]])),
                    start=a,
                    end=b,
                    media_start=media,
                    media_end=None if media is None else media + 1.5,
                )
            )
        for _ in range(draw(st.integers(0, 4))):
            a, b = _span(draw, len(text))
            coding = Coding(
                document_id=doc.id,
                code_id=draw(st.sampled_from(codes)).id,
                coder_id=draw(st.sampled_from(coders)).id,
                start=a,
                end=b,
                memo=draw(FREE),
                origin=draw(st.sampled_from(CODING_ORIGINS)),
                created=draw(WHEN),
            )
            s.add(coding)
            s.flush()
            memo_targets.append(("coding", coding.id))
        for _ in range(draw(st.integers(0, 2)) if people else 0):
            a, b = _span(draw, len(text))
            status = draw(st.sampled_from(QUOTE_STATUSES))
            quote = Quote(
                document_id=doc.id,
                participant_id=draw(st.sampled_from(people)).id,
                code_id=draw(st.sampled_from([None, *[c.id for c in codes]])),
                start=a,
                end=b,
                source_text=text[a:b],
                wording=draw(FREE),
                approved_wording=draw(st.none() | FREE),
                draft_paragraph=draw(FREE),
                status=status,
                packet_id=draw(st.sampled_from([None, *[p.id for p in packets]])),
                due_date=draw(st.none() | DAY),
                response_note=draw(FREE),
                responded_at=draw(st.none() | WHEN),
                fidelity={"flags": [draw(FREE)]},
                version=draw(st.integers(1, 5)),
                created_by="ida",
                created=draw(WHEN),
            )
            s.add(quote)
            s.flush()
            memo_targets.append(("quote", quote.id))
            for who, before, after in (("ida", None, "candidate"), ("mads", "candidate", status)):
                s.add(
                    QuoteEvent(
                        quote_id=quote.id,
                        who=who,
                        at=draw(WHEN),
                        from_status=before,
                        to_status=after,
                        note=draw(FREE),
                    )
                )
    for code in codes:
        memo_targets.append(("code", code.id))
    for _ in range(draw(st.integers(0, 4))):
        kind, target = draw(st.sampled_from(memo_targets))
        s.add(
            Memo(
                target_kind=kind,
                target_id=target,
                text=draw(FREE) or "\tnote",
                coder_id=draw(st.sampled_from([None, coders[0].id])),
                created=draw(WHEN),
            )
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_field_survives_a_full_round_trip(
    tmp_path: Path, empty_project: Path, data: st.DataObject
) -> None:
    from lxml import etree

    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    shutil.copyfile(empty_project, folder / "a.qualcode")
    shutil.copyfile(empty_project, folder / "b.qualcode")
    source = open_project(folder / "a.qualcode")
    target = open_project(folder / "b.qualcode")
    try:
        with source.transaction() as s:
            _build(s, data.draw)
        archive = folder / "x.qdpx"
        export_qdpx(source, archive, full=True)
        with zipfile.ZipFile(archive) as zf:
            xsd = schema("Project-mrt2019.xsd")
            assert xsd.validate(etree.fromstring(zf.read("project.qde"))), xsd.error_log
        details = import_qdpx(target, archive, annotate=False).details
        assert details["restored_from_qualcode"]
        before, after = fingerprint(source), fingerprint(target)
        assert before == after, "\n".join(diff_lines(before, after))
    finally:
        source.close()
        target.close()
