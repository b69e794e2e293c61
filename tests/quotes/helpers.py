"""Small projects built straight into the tables (fast enough for property tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualcode.db import Project
from qualcode.models import Code, Document, DocumentParticipant, Participant, Turn


@dataclass
class PersonSpec:
    name: str
    title: str
    organisation: str
    consent: str = "named"
    language: str = "da"
    pseudonym: str = ""
    turns: list[str] = field(default_factory=list)


def add_codes(project: Project) -> None:
    with project.transaction() as s:
        area = Code(key="1", kind="area", label_da="Tidlig diagnose", label_en="Early diagnosis")
        s.add(area)
        s.flush()
        s.add(Code(key="1.1", kind="attention_point", parent_id=area.id,
                   label_da="Samarbejde på tværs", label_en="Working across sectors"))  # fmt: skip
        s.add(Code(key="ulighed", kind="cross_cutting", label_da="Ulighed", label_en="Inequality"))


def add_interview(
    project: Project, title: str, people: list[PersonSpec], interviewer: str = "I"
) -> dict[str, tuple[int, int]]:
    """A document whose turns alternate interviewer / each person's texts.

    Returns, per turn text, its (start, end) in the document text.
    """
    parts: list[tuple[str, str, int | None]] = []
    spans: dict[str, tuple[int, int]] = {}
    with project.transaction() as s:
        rows = []
        for p in people:
            row = Participant(name=p.name, title=p.title, organisation=p.organisation,
                              consent=p.consent, language=p.language,
                              pseudonym=p.pseudonym)  # fmt: skip
            s.add(row)
            rows.append(row)
        s.flush()
        for row in rows:
            if not row.pseudonym:
                row.pseudonym = f"Ekspert {row.id}"
        rounds = max(len(p.turns) for p in people)
        for i in range(rounds):
            parts.append((interviewer, f"Spørgsmål nummer {i + 1}?", None))
            for p, row in zip(people, rows, strict=True):
                if i < len(p.turns):
                    parts.append((p.name, p.turns[i], row.id))
        text = ""
        turns = []
        for ordinal, (speaker, body, pid) in enumerate(parts):
            start = len(text)
            text += f"{speaker}: "
            body_start = len(text)
            text += body
            spans[body] = (body_start, len(text))
            turns.append((ordinal, speaker, pid, start, len(text)))
            text += "\n\n"
        import hashlib

        doc = Document(title=title, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                       word_count=len(text.split()))  # fmt: skip
        s.add(doc)
        s.flush()
        for row in rows:
            s.add(DocumentParticipant(document_id=doc.id, participant_id=row.id))
        for ordinal, speaker, pid, start, end in turns:
            s.add(Turn(document_id=doc.id, ordinal=ordinal, speaker=speaker, participant_id=pid,
                       start=start, end=end))  # fmt: skip
    return spans


def docx_text(path: object) -> str:
    """Every bit of text in a .docx: body, tables, headers, core and custom properties."""
    import zipfile

    with zipfile.ZipFile(str(path)) as z:
        return "\n".join(
            z.read(name).decode("utf-8", "replace") for name in z.namelist()
            if name.endswith(".xml")
        )  # fmt: skip


def fill_docx(path: object, answers: list[tuple[str, str, str]], out: object) -> None:
    """Fill a packet like an expert in Word: (answer, new wording, comment) per quote table."""
    import docx

    from qualcode.packets import TEXTS

    labels = {k: {TEXTS[lang][k] for lang in TEXTS} for k in ("answer", "new_wording", "comment")}
    d = docx.Document(str(path))
    tables = [t for t in d.tables if t.rows[0].cells[0].text in {TEXTS["da"]["ref"],
                                                               TEXTS["en"]["ref"]}]  # fmt: skip
    assert len(tables) == len(answers), (len(tables), len(answers))
    for table, values in zip(tables, answers, strict=True):
        for row in table.rows:
            for key, value in zip(("answer", "new_wording", "comment"), values, strict=True):
                if row.cells[0].text in labels[key] and value:
                    row.cells[1].text = value
    d.save(str(out))
