"""Participants: the experts, their consent, and linking speakers in documents to them.

Consent decides how a person may be named anywhere qualcode writes: ``attribution`` is the
one function every export uses for that.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

from rapidfuzz import fuzz, process

from qualcode.consent import Person
from qualcode.consent import attribution as attribution  # consent renders names
from qualcode.consent import default_pseudonym as default_pseudonym
from qualcode.consent import pseudonym as pseudonym
from qualcode.errors import AmbiguousNameError, NotFoundError, ParticipantError
from qualcode.naming import did_you_mean, fold
from qualcode.rows import stored_id
from qualcode.vocabulary import CONSENTS

if TYPE_CHECKING:
    # The ORM is imported by the functions that read or write through it, so that linking
    # speakers (the import's light path, ``store.light_write``) loads none of it.
    from sqlmodel import Session

    from qualcode.db import Project
    from qualcode.models import Participant
    from qualcode.store.light import Reader

REQUIRED_COLUMNS = ("name", "title", "organisation", "expertise", "consent")
OPTIONAL_COLUMNS = ("email", "language", "pseudonym")
# Danish and English spellings a research team may use in its spreadsheet.
COLUMN_ALIASES = {
    "navn": "name",
    "titel": "title",
    "stilling": "title",
    "organization": "organisation",
    "arbejdssted": "organisation",
    "ekspertise": "expertise",
    "samtykke": "consent",
    "e-mail": "email",
    "mail": "email",
    "sprog": "language",
    "pseudonym": "pseudonym",
}
CONSENT_ALIASES = {
    "named": "named",
    "navngivet": "named",
    "name": "named",
    "role_only": "role_only",
    "role-only": "role_only",
    "role": "role_only",
    "rolle": "role_only",
    "anonymous": "anonymous",
    "anonym": "anonymous",
}
# Labels that mean "the interviewer" or "the researcher's notes", never a participant.
INTERVIEWER_LABELS = frozenset(
    {
        "i",
        "int",
        "interviewer",
        "intervieweren",
        "interviewerne",
        "moderator",
        "q",
        "spørgsmål",
        "referat",
        "note",
        "noter",
        "researcher",
        "forsker",
    }
)
# Labels that mean "the interviewee" when a document has exactly one participant.
RESPONDENT_LABELS = frozenset({"a", "r", "e", "ip", "ekspert", "expert", "respondent", "svar"})
FUZZY_LINK_THRESHOLD = 85.0


class ParticipantsImportDict(TypedDict):
    """`participants import --json`: the names created and updated."""

    created: list[str]
    updated: list[str]


@dataclass
class ParticipantsImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def as_dict(self) -> ParticipantsImportDict:
        return {"created": self.created, "updated": self.updated}


def _decode_csv(data: bytes, filename: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise ParticipantError(
            f"{filename}: the file is empty", "Add a header row and one row per participant."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read_participants_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a participants CSV with canonical column names; errors name file and line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParticipantError(f"{path}: cannot read ({exc.strerror})") from exc
    text = _decode_csv(data, str(path)).replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text))
    try:
        header = next(reader)
    except StopIteration as exc:  # pragma: no cover - guarded by _decode_csv
        raise ParticipantError(f"{path}: no header row") from exc
    columns = []
    for raw in header:
        name = fold(raw).replace(" ", "_")
        columns.append(COLUMN_ALIASES.get(name, name))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ParticipantError(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''}: "
            + ", ".join(missing),
            "The header needs: "
            + ", ".join(REQUIRED_COLUMNS)
            + " (optional: "
            + ", ".join(OPTIONAL_COLUMNS)
            + ").",
        )
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise ParticipantError(
                f"{path}, line {line_no}: {len(values)} fields but the header has {len(columns)}",
                "Quote fields that contain the separator.",
            )
        # NFC, and spaces collapsed: a name typed decomposed or with a NBSP is the same name
        # (and the consent engine finds it in either form).
        row = {
            c: " ".join(unicodedata.normalize("NFC", v).replace("\u00ad", "").split())
            for c, v in zip(columns, values, strict=False)
        }
        if not row.get("name"):
            raise ParticipantError(f"{path}, line {line_no}: the name is empty")
        consent = CONSENT_ALIASES.get(fold(row.get("consent", "")).replace(" ", "_"))
        if consent is None:
            raise ParticipantError(
                f"{path}, line {line_no}: consent {row.get('consent')!r} is not one of "
                + ", ".join(CONSENTS),
            )
        row["consent"] = consent
        key = fold(row["name"])
        if key in seen:
            raise ParticipantError(
                f"{path}, line {line_no}: {row['name']!r} is already on line {seen[key]}"
            )
        seen[key] = line_no
        row["language"] = (row.get("language") or "da").lower()[:10]
        rows.append(row)
    return rows


def import_participants(project: Project, path: Path) -> ParticipantsImportResult:
    """Create or update participants from a CSV, all in one transaction."""
    from sqlmodel import select

    from qualcode.models import Participant

    rows = read_participants_csv(path)
    result = ParticipantsImportResult()
    with project.transaction() as s:
        existing = {fold(p.name): p for p in s.exec(select(Participant))}
        for row in rows:
            person = existing.get(fold(row["name"]))
            if person is None:
                person = Participant(name=row["name"])
                result.created.append(row["name"])
            else:
                result.updated.append(person.name)
            for col in ("title", "organisation", "expertise", "consent", "email", "language"):
                if col in row:
                    setattr(person, col, row[col])
            if row.get("pseudonym"):
                person.pseudonym = row["pseudonym"]
            s.add(person)
            s.flush()
            if not person.pseudonym:
                person.pseudonym = default_pseudonym(stored_id(person))
    return result


class ParticipantRow(TypedDict):
    """One participant as `participants list --json` shows it (docs/cli.md)."""

    id: int
    name: str
    title: str
    organisation: str
    expertise: str
    consent: str
    pseudonym: str
    email: str
    language: str


def participant_dict(p: Participant) -> ParticipantRow:
    return {
        "id": stored_id(p),
        "name": p.name,
        "title": p.title,
        "organisation": p.organisation,
        "expertise": p.expertise,
        "consent": p.consent,
        "pseudonym": p.pseudonym,
        "email": p.email,
        "language": p.language,
    }


def list_participants(project: Project) -> list[ParticipantRow]:
    from sqlmodel import col, select

    from qualcode.models import Participant

    with project.session() as s:
        people = s.exec(select(Participant).order_by(col(Participant.id))).all()
        return [participant_dict(p) for p in people]


P = TypeVar("P", bound=Person)  # an ORM ``Participant`` or a ``PersonRow``


@dataclass(frozen=True)
class PersonRow:
    """A participant as plain data (a ``consent.Person``), read without the ORM: by the
    import's light path (speaker links), the codings table and the exchange tables."""

    id: int
    name: str
    title: str
    organisation: str
    expertise: str
    consent: str
    pseudonym: str
    email: str


def read_people(reader: Reader) -> list[PersonRow]:
    """Every participant, in id order, through a ``store.light.Reader`` (either path)."""
    found = reader.rows(
        "SELECT id, name, title, organisation, expertise, consent, pseudonym, email "
        "FROM participant ORDER BY id"
    )
    return [PersonRow(int(i), *(str(v or "") for v in rest)) for i, *rest in found]


def resolve_participant(session: Session, name: str) -> Participant:
    """A participant by id, exact name (case/space-insensitive) or pseudonym."""
    from sqlmodel import select

    from qualcode.models import Participant

    return resolve_person(list(session.exec(select(Participant))), name)


def resolve_person(people: list[P], name: str) -> P:
    """The one of ``people`` that ``name`` names: its id, its exact name
    (case/space-insensitive) or its pseudonym; else a clear error."""
    if name.isdigit():
        for p in people:
            if p.id == int(name):
                return p
    hits = [p for p in people if fold(p.name) == fold(name) or fold(p.pseudonym) == fold(name)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise AmbiguousNameError(f"{name!r} names {len(hits)} participants", "Use the id.")
    raise NotFoundError(
        f"no participant named {name!r}",
        did_you_mean(name, [p.name for p in people])
        or "Import them with `qualcode participants import CSV`.",
    )


@dataclass
class SpeakerLink(Generic[P]):
    """How a speaker label was linked: ``method`` is exact, fuzzy, respondent or none."""

    speaker: str
    participant: P | None
    method: str
    score: float = 0.0


def is_interviewer_label(label: str) -> bool:
    return fold(label).rstrip(".") in INTERVIEWER_LABELS


def link_speaker(
    label: str, candidates: list[P], sole_participant: P | None = None
) -> SpeakerLink[P]:
    """Link a speaker label to a participant: exact, then fuzzy above a threshold, else none.

    Never guesses below ``FUZZY_LINK_THRESHOLD``; the caller reports fuzzy and failed links.
    """
    if is_interviewer_label(label):
        return SpeakerLink(label, None, "interviewer")
    key = fold(label)
    for p in candidates:
        if fold(p.name) == key:
            return SpeakerLink(label, p, "exact", 100.0)
    if sole_participant is not None and key.rstrip(".") in RESPONDENT_LABELS:
        return SpeakerLink(label, sole_participant, "respondent", 100.0)
    if candidates:
        names = [p.name for p in candidates]
        best = process.extractOne(
            label, names, scorer=fuzz.WRatio, processor=fold, score_cutoff=FUZZY_LINK_THRESHOLD
        )
        if best is not None:
            # A first name alone ("Birgitte") must still be unique among the candidates.
            runner_up = process.extract(label, names, scorer=fuzz.WRatio, processor=fold, limit=2)
            if len(runner_up) < 2 or runner_up[0][1] - runner_up[1][1] >= 5:
                return SpeakerLink(label, candidates[best[2]], "fuzzy", float(best[1]))
    return SpeakerLink(label, None, "none")
