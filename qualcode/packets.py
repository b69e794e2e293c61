"""Quote-approval packets: one document per expert with only their own quotes, and back.

``make_packets`` writes, per participant with open quotes, a letter (deadline, what silence
means) and each quote with its context, the area it supports, the draft paragraph it will
stand in and a place to answer. The packet carries a hidden token and the project id (docx
custom document properties, plus a visible reference line as a fallback) and a reference
per quote (``Q12-7F3A``: the quote id and the start of its GUID), so ``read_packets`` can
tell a returned file from a stranger's, and an edited reference from a real one.

Isolation is the rule that matters: a packet is built from the recipient's quotes only,
and any free text in it (context, draft paragraph) is scrubbed of every other
participant's name, title, organisation, pseudonym and quote text. The file name uses a
label the recipient's consent allows and the packet token; document properties hold the
project name only.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from qualcode import quotes as quotes_mod
from qualcode.codebook import area_of, code_label
from qualcode.db import Project
from qualcode.documents import TurnIndex, document_turns
from qualcode.errors import ConflictError, PacketError, QualcodeError
from qualcode.models import (
    Code,
    Document,
    Packet,
    Participant,
    ProjectSetting,
    Quote,
    new_guid,
    utcnow,
)
from qualcode.participants import attribution, pseudonym, resolve_participant
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import atomic_write_bytes

FORMATS = ("docx", "html", "md")
PROJECT_ID_SETTING = "project_id"
RESEARCHER_DIR = "researcher-copies"
REDACTED = "[…]"
CONTEXT_MAX = 500

_MONTHS = {
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip

# Everything the expert reads, in their language. Field labels double as the keys
# ``read_packets`` looks for, so both languages are accepted when reading.
TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Godkendelse af citater",
        "greeting_named": "Kære {name}",
        "greeting": "Kære ekspert",
        "intro": (
            "Tak fordi du medvirkede i {project}. Vi vil gerne citere dig i rapporten. "
            "Her er de citater, vi har valgt, hver med den sammenhæng, den indgik i, og det "
            "område af rapporten, den understøtter. Hvor vi har skrevet et udkast til "
            "afsnittet, står det med."
        ),
        "ask": (
            "Vi beder dig svare for hvert citat: godkend, godkend med ændringer (skriv den "
            "formulering, du foretrækker) eller afvis. Du må også gerne rette i vores "
            "gengivelse i feltet Bemærkning."
        ),
        "deadline": "Svar venligst senest {due}.",
        "silence_yes": (
            "Hører vi ikke fra dig inden fristen, betragter vi citaterne som godkendt i den "
            "form, de står her."
        ),
        "silence_no": ("Hører vi ikke fra dig, bruger vi ikke citaterne, før du har godkendt dem."),
        "how": (
            "Sådan svarer du: skriv Godkend, Godkend med ændringer eller Afvis i feltet "
            "Dit svar. Ved ændringer skriver du den nye formulering i feltet Ny formulering. "
            "Gem dokumentet og send det retur. Lad feltet Citat-id stå uændret."
        ),
        "attribution": "Du citeres som: {attribution}",
        "quote_heading": "Citat {n} af {total}",
        "ref": "Citat-id",
        "area": "Område",
        "quote": "Citat",
        "context": "Sammenhæng",
        "draft": "Udkast til afsnit",
        "answer": "Dit svar",
        "new_wording": "Ny formulering",
        "comment": "Bemærkning",
        "source": "Kilde (ordret)",
        "check": "Tjek af formulering",
        "thanks": "På forhånd tak.",
        "signature": "Med venlig hilsen\nForskergruppen bag {project}",
        "reference": "Pakke-reference: {reference}",
        "researcher_banner": (
            "FORSKERENS KOPI – må ikke sendes til eksperten (viser tjek af formuleringer)."
        ),
        "doc_title": "{project} – godkendelse af citater",
    },
    "en": {
        "title": "Approval of quotes",
        "greeting_named": "Dear {name}",
        "greeting": "Dear expert",
        "intro": (
            "Thank you for taking part in {project}. We would like to quote you in the "
            "report. Below are the quotes we have chosen, each with the context it came from "
            "and the area of the report it supports. Where we have drafted the paragraph, it "
            "is included."
        ),
        "ask": (
            "Please answer for each quote: approve, approve with changes (write the wording "
            "you prefer) or reject. You are also welcome to correct our account in the "
            "Comment field."
        ),
        "deadline": "Please reply by {due}.",
        "silence_yes": (
            "If we have not heard from you by then, we will take the quotes as approved in "
            "the form shown here."
        ),
        "silence_no": "If we do not hear from you, we will not use the quotes until you approve.",
        "how": (
            "How to answer: write Approve, Approve with changes or Reject in the field Your "
            "answer. For changes, write the new wording in the field New wording. Save the "
            "document and send it back. Please leave the Quote id field as it is."
        ),
        "attribution": "You will be cited as: {attribution}",
        "quote_heading": "Quote {n} of {total}",
        "ref": "Quote id",
        "area": "Area",
        "quote": "Quote",
        "context": "Context",
        "draft": "Draft paragraph",
        "answer": "Your answer",
        "new_wording": "New wording",
        "comment": "Comment",
        "source": "Source (verbatim)",
        "check": "Wording check",
        "thanks": "Thank you in advance.",
        "signature": "Kind regards\nThe research team of {project}",
        "reference": "Packet reference: {reference}",
        "researcher_banner": (
            "RESEARCHER'S COPY – do not send to the expert (shows the wording checks)."
        ),
        "doc_title": "{project} – approval of quotes",
    },
}

ANSWER_WORDS: dict[str, str] = {}
for _action, _words in {
    "approve": [
        "godkend", "godkendt", "godkender", "godkendes", "ja", "ok", "okay", "fint",
        "godkend uden ændringer", "approve", "approved", "yes", "accept", "accepted",
        "i approve",
    ],
    "revise": [
        "godkend med ændringer", "godkendt med ændringer", "godkender med ændringer",
        "med ændringer", "ret", "rettet", "ændret", "ændring", "ændringer", "ny formulering",
        "approve with changes", "approved with changes", "with changes", "revise", "revised",
        "change", "changes", "changed", "amend", "amended",
    ],
    "reject": ["afvis", "afvist", "afviser", "afvises", "nej", "reject", "rejected", "no"],
}.items():  # fmt: skip
    for _w in _words:
        ANSWER_WORDS[_w] = _action

_REF = re.compile(r"^\s*Q(\d+)-([0-9A-Fa-f]{4})\s*$")
_REFERENCE_LINE = re.compile(
    r"(?:Pakke-reference|Packet reference):\s*([0-9A-Fa-f-]{36})/([0-9A-Fa-f-]{36})"
)


# --- the content of one packet (what every writer renders) -------------------------------


@dataclass
class PacketQuote:
    quote_id: int
    ref: str
    wording: str
    context_before: str
    context_quote: str
    context_after: str
    area: str
    draft_paragraph: str
    source_text: str = ""
    check: str = ""
    flagged: bool = False


@dataclass
class PacketContent:
    """Everything a packet file shows; built from one participant's quotes only."""

    token: str
    project_id: str
    project_name: str
    language: str
    due: dt.date
    silence_as_consent: bool
    greeting: str
    attribution: str
    quotes: list[PacketQuote]
    researcher: bool = False
    redactions: int = 0
    texts: dict[str, str] = field(default_factory=dict)

    def t(self, key: str, **kw: Any) -> str:
        return self.texts[key].format(**kw)

    @property
    def reference(self) -> str:
        return f"{self.project_id}/{self.token}"

    @property
    def letter(self) -> list[str]:
        """The letter's paragraphs, in order."""
        silence = "silence_yes" if self.silence_as_consent else "silence_no"
        return [
            self.t("intro", project=self.project_name),
            self.t("ask"),
            self.t("deadline", due=format_date(self.due, self.language)) + " " + self.t(silence),
            self.t("attribution", attribution=self.attribution),
            self.t("how"),
        ]


def format_date(day: dt.date, language: str) -> str:
    month = _MONTHS["en" if language == "en" else "da"][day.month - 1]
    return f"{day.day} {month} {day.year}" if language == "en" else f"{day.day}. {month} {day.year}"


def slug(text: str) -> str:
    """A file-name-safe, ASCII-only form of a label (``Ekspert 8`` -> ``ekspert-8``)."""
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = text.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def file_label(p: Participant) -> str:
    """The part of a packet's file name that names its recipient, as consent allows."""
    if p.consent == "named":
        return slug(p.name)
    return slug(pseudonym(p, p.language))


def packet_language(p: Participant) -> str:
    return "en" if (p.language or "da").lower().startswith("en") else "da"


def project_id(session: Session) -> str:
    """The project's stable id (made on first use), written into every packet."""
    row = session.get(ProjectSetting, PROJECT_ID_SETTING)
    if row is None:
        row = ProjectSetting(key=PROJECT_ID_SETTING, value=new_guid())
        session.add(row)
        session.flush()
    return row.value


def quote_ref(q: Quote) -> str:
    return f"Q{q.id}-{q.guid.replace('-', '')[:4].upper()}"


# --- isolation ----------------------------------------------------------------------------


@dataclass
class IdentityIndex:
    """What identifies each participant (names, attributions, quote texts), read once."""

    people: dict[int, Participant]
    quote_texts: dict[int, set[str]]

    @classmethod
    def read(cls, session: Session) -> IdentityIndex:
        people = {p.id: p for p in session.exec(select(Participant))}
        texts: dict[int, set[str]] = {}
        for pid, source, wording, approved in session.exec(
            select(Quote.participant_id, Quote.source_text, Quote.wording, Quote.approved_wording)
        ):
            for value in (source, wording, approved):
                if value and value.strip():
                    texts.setdefault(pid, set()).add(value.strip())
        return cls(people, texts)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=8192)
def _whole_word(needle: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", flags)


def make_redactor(
    session: Session, recipient: Participant, index: IdentityIndex | None = None
) -> Callable[[str], tuple[str, int]]:
    """A function that removes every other participant's identifiers and quote texts."""
    index = index or IdentityIndex.read(session)
    others = [p for pid, p in index.people.items() if pid != recipient.id]
    own = {x.casefold() for x in (recipient.name, recipient.title, recipient.organisation) if x}
    needles: set[str] = set()
    for p in others:
        # A bare title ("overlæge") is a common noun in an expert's own words and is not
        # scrubbed on its own; with an organisation or a name it is (the attributions).
        for value in (p.name, p.organisation, p.pseudonym, attribution(p, "da"),
                      attribution(p, "en"), pseudonym(p, "da"), pseudonym(p, "en")):  # fmt: skip
            if value and value.strip() and value.casefold() not in own:
                needles.add(value.strip())
        needles |= index.quote_texts.get(p.id, set())  # type: ignore[arg-type]
    # A first or last name alone ("som Rikke sagde") goes too, matched with its capital, so
    # a surname that is also a common word stays where it is written in lower case.
    own_parts = set(recipient.name.split())
    name_parts = {
        part
        for p in others
        for part in p.name.split()
        if len(part) >= 3 and part[:1].isupper() and part not in own_parts
    }
    whole = sorted(needles, key=len, reverse=True)
    parts = sorted(name_parts, key=len, reverse=True)

    def redact(text: str) -> tuple[str, int]:
        # A cheap substring test first: most needles are not in most texts.
        total = 0
        low = text.lower()
        for needle in whole:
            if needle.lower() in low:
                text, n = _whole_word(needle, True).subn(REDACTED, text)
                if n:
                    total += n
                    low = text.lower()
        for part in parts:
            if part in text:
                text, n = _whole_word(part, False).subn(REDACTED, text)
                total += n
        return text, total

    return redact


def _strip_label(text: str, speaker: str) -> str:
    for prefix in (f"{speaker}:", f"{speaker}."):
        if speaker and text.startswith(prefix):
            return text[len(prefix) :].lstrip()
    return text


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def context_of(session: Session, q: Quote, doc: Document) -> tuple[str, str, str]:
    """The quote's turn (or the sentences around it, for a long turn): before, quote, after.

    The context never leaves the quote's own speaker turn, so it cannot carry the
    interviewer's words or another expert's.
    """
    turn = TurnIndex(document_turns(session, doc.id)).at(q.start)  # type: ignore[arg-type]
    lo, hi = (turn.start, turn.end) if turn is not None else (0, len(doc.text))
    before = doc.text[lo : q.start]
    after = doc.text[q.end : hi]
    if turn is not None:
        before = _strip_label(before, turn.speaker)
    # Paragraph breaks bound the context of a turnless document.
    if turn is None:
        before = before.rsplit("\n\n", 1)[-1]
        after = after.split("\n\n", 1)[0]
    if len(before) + len(after) > CONTEXT_MAX:
        b = [x for x in _SENTENCE_BREAK.split(before) if x.strip()]
        a = [x for x in _SENTENCE_BREAK.split(after) if x.strip()]
        tail = " " if before[-1:].isspace() else ""
        before = f"… {b[-1].strip()}{tail}" if b else ""
        after = f"{a[0].rstrip()} …" if a else ""
    return before.lstrip(), doc.text[q.start : q.end], after.rstrip()


def build_content(
    session: Session,
    person: Participant,
    rows: list[Quote],
    packet: Packet,
    project_name: str,
    proj_id: str,
    silence: bool,
    researcher: bool,
    redact: Callable[[str], tuple[str, int]] | None = None,
) -> PacketContent:
    """The content of one participant's packet (their quotes, scrubbed of anyone else)."""
    lang = packet.language
    codes = {c.id: c for c in session.exec(select(Code))}
    redact = redact or make_redactor(session, person)
    n_redacted = 0

    def clean(text: str) -> str:
        nonlocal n_redacted
        out, n = redact(text)
        n_redacted += n
        return out

    items = []
    for q in rows:
        doc = session.get(Document, q.document_id)
        assert doc is not None
        before, middle, after = context_of(session, q, doc)
        code = codes.get(q.code_id) if q.code_id is not None else None
        if code is None:
            area = ""
        else:
            top = area_of(code, codes)  # type: ignore[arg-type]
            area = code_label(top, lang)
            if top.id != code.id:
                area = f"{top.key}. {area} – {code.key} {code_label(code, lang)}"
            elif top.kind == "area":
                area = f"{top.key}. {area}"
        check = fidelity_summary(q)
        items.append(
            PacketQuote(
                quote_id=q.id,  # type: ignore[arg-type]
                ref=quote_ref(q),
                wording=clean(q.wording),
                context_before=clean(before),
                context_quote=clean(middle),
                context_after=clean(after),
                area=area,
                draft_paragraph=clean(q.draft_paragraph),
                source_text=q.source_text if researcher else "",
                check=check if researcher else "",
                flagged=bool(q.fidelity.get("wording", {}).get("flags")) if researcher else False,
            )
        )
    texts = TEXTS[lang]
    greeting = (
        texts["greeting_named"].format(name=person.name)
        if person.consent == "named"
        else texts["greeting"]
    )
    return PacketContent(
        token=packet.token,
        project_id=proj_id,
        project_name=project_name,
        language=lang,
        due=packet.due_date,  # type: ignore[arg-type]
        silence_as_consent=silence,
        greeting=greeting,
        attribution=attribution(person, lang),
        quotes=items,
        researcher=researcher,
        redactions=n_redacted,
        texts=texts,
    )


def fidelity_summary(q: Quote) -> str:
    entry = q.fidelity.get("wording") or {}
    return str(entry.get("summary", ""))


def render(content: PacketContent, fmt: str) -> bytes:
    if fmt == "docx":
        from qualcode.formats.packet_docx import write_packet_docx

        return write_packet_docx(content)
    from qualcode.formats.packet_text import write_packet_html, write_packet_md

    return (write_packet_html if fmt == "html" else write_packet_md)(content).encode("utf-8")


# --- making packets -----------------------------------------------------------------------


def make_packets(
    project: Project,
    out_dir: Path,
    due: dt.date,
    fmt: str = "docx",
    participant: str | None = None,
    who: str = "qualcode",
    resend: bool = False,
    researcher_copies: bool = True,
    today: dt.date | None = None,
    progress: Progress = no_progress,
) -> list[dict[str, Any]]:
    """One packet per participant with open quotes; marks those quotes ``sent``.

    The files are built from a read-only snapshot (no write lock held while Word documents
    are rendered), then one short transaction records the packets and marks the quotes,
    refusing (ConflictError) if any of them changed in between. On any failure the files
    written are removed again: neither half-marked quotes nor stray packets remain.
    """
    if fmt not in FORMATS:
        raise PacketError(f"unknown packet format {fmt!r}", "Use docx, html or md.")
    today = today or dt.date.today()
    if due < today:
        raise PacketError(
            f"the due date {due.isoformat()} is in the past", "Give a date from today on."
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise PacketError(f"{out_dir} is a file, not a folder")
    silence = quotes_mod.silence_as_consent(project)
    statuses = (quotes_mod.CANDIDATE, quotes_mod.SENT) if resend else (quotes_mod.CANDIDATE,)
    project_name = project.name
    written: list[Path] = []
    plans: list[dict[str, Any]] = []
    try:
        with project.session() as s:
            stored_id = s.get(ProjectSetting, PROJECT_ID_SETTING)
            proj_id = stored_id.value if stored_id is not None else new_guid()
            stmt = select(Quote).where(Quote.status.in_(statuses)).order_by(Quote.id)  # type: ignore[attr-defined]
            if participant is not None:
                person = resolve_participant(s, participant)
                stmt = stmt.where(Quote.participant_id == person.id)
            by_person: dict[int, list[Quote]] = {}
            for q in s.exec(stmt):
                by_person.setdefault(q.participant_id, []).append(q)
            if not by_person:
                for_whom = f" for {participant}" if participant else ""
                raise PacketError(
                    f"no open quotes{for_whom}: nothing to send",
                    "Add quotes with `qualcode quotes add`"
                    + ("" if resend else ", or give --resend to send sent quotes again")
                    + ".",
                )
            out_dir.mkdir(parents=True, exist_ok=True)
            index = IdentityIndex.read(s)
            total = len(by_person)
            for i, (pid, rows) in enumerate(sorted(by_person.items())):
                person = s.get(Participant, pid)
                assert person is not None
                progress(i, total, file_label(person))
                packet = Packet(
                    participant_id=pid, due_date=due, language=packet_language(person),
                    format=fmt, sent=utcnow(),
                )  # fmt: skip
                name = f"{file_label(person)}-{packet.token[:8].lower()}.{fmt}"
                target = out_dir / name
                redact = make_redactor(s, person, index)
                content = build_content(
                    s, person, rows, packet, project_name, proj_id, silence, False, redact
                )
                data = render(content, fmt)
                atomic_write_bytes(target, data)
                written.append(target)
                packet.path = str(target)
                packet.sha256 = hashlib.sha256(data).hexdigest()
                researcher_path = None
                if researcher_copies:
                    copy = build_content(
                        s, person, rows, packet, project_name, proj_id, silence, True, redact
                    )
                    researcher_path = (
                        out_dir / RESEARCHER_DIR / name.replace(f".{fmt}", f"-researcher.{fmt}")
                    )
                    researcher_path.parent.mkdir(exist_ok=True)
                    atomic_write_bytes(researcher_path, render(copy, fmt))
                    written.append(researcher_path)
                plans.append(
                    {
                        "packet": packet,
                        "person": person.name,
                        "name": name,
                        "versions": [(q.id, q.version) for q in rows],
                        "researcher_copy": str(researcher_path) if researcher_path else None,
                        "redactions": content.redactions,
                    }
                )

        def record(s: Session) -> list[dict[str, Any]]:
            current = s.get(ProjectSetting, PROJECT_ID_SETTING)
            if current is None:
                s.add(ProjectSetting(key=PROJECT_ID_SETTING, value=proj_id))
            elif current.value != proj_id:
                raise ConflictError("the project id changed while the packets were made")
            results = []
            for plan in plans:
                packet = Packet(**plan["packet"].model_dump(exclude={"id"}))
                s.add(packet)
                s.flush()
                rows = []
                for qid, version in plan["versions"]:
                    q = s.get(Quote, qid)
                    if q is None or q.version != version:
                        raise ConflictError(
                            f"quote {qid} changed while the packets were made; no packet was "
                            "recorded",
                            "Make the packets again.",
                        )
                    rows.append(q)
                quotes_mod.mark_sent(
                    s, rows, packet.id, due, who,  # type: ignore[arg-type]
                    f"packet {plan['name']}, due {due.isoformat()}",
                )  # fmt: skip
                results.append(
                    {
                        "packet_id": packet.id,
                        "token": packet.token,
                        "participant_id": packet.participant_id,
                        "participant": plan["person"],
                        "language": packet.language,
                        "format": fmt,
                        "path": packet.path,
                        "researcher_copy": plan["researcher_copy"],
                        "sha256": packet.sha256,
                        "due_date": due.isoformat(),
                        "quotes": [q.id for q in rows],
                        "redactions": plan["redactions"],
                    }
                )
            return results

        results = project.write(record)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    progress(len(plans), len(plans), "done")
    return results


def list_packets(project: Project) -> list[dict[str, Any]]:
    with project.session() as s:
        rows = s.exec(select(Packet).order_by(Packet.id)).all()
        counts: dict[int, dict[str, int]] = {}
        for pid, status in s.exec(select(Quote.packet_id, Quote.status)):
            if pid is not None:
                counts.setdefault(pid, {}).setdefault(status, 0)
                counts[pid][status] += 1
        people = {p.id: p for p in s.exec(select(Participant))}
        return [
            {
                "packet_id": p.id,
                "token": p.token,
                "participant_id": p.participant_id,
                "participant": people[p.participant_id].name,
                "due_date": p.due_date.isoformat() if p.due_date else None,
                "sent": p.sent.isoformat() if p.sent else None,
                "language": p.language,
                "format": p.format,
                "path": p.path,
                "sha256": p.sha256,
                "quotes": counts.get(p.id, {}),  # type: ignore[arg-type]
            }
            for p in rows
        ]


# --- reading returned packets --------------------------------------------------------------


@dataclass
class ReturnedAnswer:
    ref: str
    quote_id: int
    guid4: str
    answer: str
    new_wording: str
    comment: str


@dataclass
class ReturnedPacket:
    path: Path
    project_id: str
    token: str
    answers: list[ReturnedAnswer]
    sha256: str


def _norm_label(text: str) -> str:
    return re.sub(r"[\s:]+$", "", re.sub(r"\s+", " ", text)).strip().casefold()


_FIELD_BY_LABEL: dict[str, str] = {}
for _lang in TEXTS.values():
    for _key in ("ref", "answer", "new_wording", "comment"):
        _FIELD_BY_LABEL[_norm_label(_lang[_key])] = _key


def normalise_answer(text: str) -> str:
    """The answer as written, reduced to lower-case words (tolerates case, space, marks)."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def parse_answer(text: str) -> str | None:
    """``approve``/``revise``/``reject`` for an answer word, "" for blank, None if unreadable."""
    key = normalise_answer(text)
    if not key:
        return ""
    return ANSWER_WORDS.get(key)


def _custom_properties(package: Any) -> dict[str, str]:
    from lxml import etree

    for part in package.iter_parts():
        if str(part.partname) == "/docProps/custom.xml":
            root = etree.fromstring(part.blob)
            out = {}
            for prop in root:
                name = prop.get("name")
                if name and len(prop):
                    out[name] = prop[0].text or ""
            return out
    return {}


def parse_returned_docx(path: Path) -> ReturnedPacket:
    """Read the identity and the answer fields of a returned packet (no database)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PacketError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        import io

        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError, Exception) as exc:
        raise PacketError(
            f"{path.name}: not a Word packet (cannot open it as .docx: {exc.__class__.__name__})",
            "Give the .docx file the expert sent back.",
        ) from exc
    props = _custom_properties(document.part.package)
    token = props.get("qualcode_packet", "")
    proj = props.get("qualcode_project", "")
    if not token:
        for para in document.paragraphs:
            m = _REFERENCE_LINE.search(para.text)
            if m:
                proj, token = m.group(1), m.group(2)
                break
    if not token:
        raise PacketError(
            f"{path.name}: not a qualcode packet (it has no packet reference)",
            "Give the packet file made by `qualcode packets make` and returned by the expert.",
        )
    answers: list[ReturnedAnswer] = []
    for table in document.tables:
        fields: dict[str, str] = {}
        for row in table.rows:
            cells = row.cells
            if len(cells) < 2:
                continue
            key = _FIELD_BY_LABEL.get(_norm_label(cells[0].text))
            if key and key not in fields:
                fields[key] = "\n".join(p.text for p in cells[1].paragraphs).strip()
        if "ref" not in fields:
            continue
        m = _REF.match(fields["ref"])
        if m is None:
            raise PacketError(
                f"{path.name}: a quote id was edited ({fields['ref']!r} is not a quote id of "
                "this packet); nothing was recorded",
                "Ask the expert for the file again, or record the answers with "
                "`qualcode quotes respond`.",
            )
        answers.append(
            ReturnedAnswer(
                ref=fields["ref"].strip(),
                quote_id=int(m.group(1)),
                guid4=m.group(2).upper(),
                answer=fields.get("answer", ""),
                new_wording=fields.get("new_wording", ""),
                comment=fields.get("comment", ""),
            )
        )
    return ReturnedPacket(path, proj, token, answers, hashlib.sha256(data).hexdigest())


def read_packets(
    project: Project, paths: list[Path], who: str = "qualcode", progress: Progress = no_progress
) -> list[dict[str, Any]]:
    """Record the answers in returned packets, all files in one transaction.

    A file that is not a packet, belongs to another project or has an edited quote id
    raises ``PacketError`` and nothing at all is recorded. An answer that cannot be read,
    or a quote no longer waiting for an answer, is reported with its id and left as it is.
    """
    parsed = []
    for i, path in enumerate(paths):
        progress(i, len(paths), path.name)
        if path.suffix.lower() != ".docx":
            raise PacketError(
                f"{path.name}: only returned .docx packets can be read",
                "Record answers given in other ways with `qualcode quotes respond`.",
            )
        parsed.append(parse_returned_docx(path))
    seen_tokens: set[str] = set()

    def work(s: Session) -> list[dict[str, Any]]:
        pid = project_id(s)
        reports = []
        for ret in parsed:
            if ret.project_id and ret.project_id != pid:
                raise PacketError(
                    f"{ret.path.name}: this packet belongs to another project; nothing was "
                    "recorded",
                    "Open the project the packet was made from (--project).",
                )
            packet = s.exec(select(Packet).where(Packet.token == ret.token)).first()
            if packet is None:
                raise PacketError(
                    f"{ret.path.name}: unknown packet reference {ret.token}; nothing was recorded",
                    "The packet was made in another project, or the file is not a packet.",
                )
            if ret.token in seen_tokens:
                raise PacketError(f"{ret.path.name}: the same packet was given twice")
            seen_tokens.add(ret.token)
            in_packet = {q.id: q for q in s.exec(select(Quote).where(Quote.packet_id == packet.id))}
            seen: set[int] = set()
            for a in ret.answers:
                q = in_packet.get(a.quote_id) or s.get(Quote, a.quote_id)
                if (
                    q is None
                    or q.participant_id != packet.participant_id
                    or quote_ref(q).split("-")[1] != a.guid4
                    or a.quote_id in seen
                ):
                    raise PacketError(
                        f"{ret.path.name}: quote id {a.ref} was edited or does not belong to "
                        "this packet; nothing was recorded",
                        "Ask the expert for the file again, or record the answers with "
                        "`qualcode quotes respond`.",
                    )
                seen.add(a.quote_id)
                in_packet.setdefault(q.id, q)  # type: ignore[arg-type]
            reports.append(_apply_answers(s, ret, packet, in_packet, who))
        return reports

    result = project.write(work)
    progress(len(paths), len(paths), "done")
    return result


def _apply_answers(
    s: Session, ret: ReturnedPacket, packet: Packet, in_packet: dict[int, Quote], who: str
) -> dict[str, Any]:
    recorded: list[dict[str, Any]] = []
    unanswered: list[int] = []
    problems: list[dict[str, Any]] = []
    waiting = (quotes_mod.SENT, quotes_mod.DEEMED_ACCEPTED)
    for a in ret.answers:
        q = in_packet[a.quote_id]
        action = parse_answer(a.answer)
        new = a.new_wording.strip()
        problem = None
        if action == "" and new:
            action = "revise"
        if action is None:
            problem = f"cannot read the answer {a.answer.strip()!r}"
        elif action == "":
            unanswered.append(q.id)  # type: ignore[arg-type]
            continue
        elif action == "revise" and not new:
            problem = "the answer asks for changes but the new wording is empty"
        elif action == "approve" and new and new != q.wording.strip():
            problem = "the answer says approve but a new wording is filled in"
        elif q.packet_id != packet.id:
            problem = "the quote was sent again in a later packet; read that one"
        elif q.status not in waiting:
            problem = f"the quote is {q.status} and no longer waits for an answer"
        if problem is not None:
            problems.append({"quote_id": q.id, "ref": a.ref, "problem": problem})
            continue
        try:
            with s.begin_nested():
                quotes_mod.respond_in(
                    s,
                    q,
                    action,
                    who,
                    text=new or None,
                    note=a.comment.strip(),  # type: ignore[arg-type]
                    via=f"packet {ret.path.name}",
                )
        except QualcodeError as exc:
            problems.append({"quote_id": q.id, "ref": a.ref, "problem": exc.message})
            continue
        s.refresh(q)
        recorded.append(
            {
                "quote_id": q.id,
                "status": q.status,
                "approved_wording": q.approved_wording,
                "note": q.response_note,
            }  # fmt: skip
        )
    missing = sorted(
        qid
        for qid, q in in_packet.items()
        if q.packet_id == packet.id and qid not in {a.quote_id for a in ret.answers}
    )
    for qid in missing:
        problems.append({"quote_id": qid, "ref": quote_ref(in_packet[qid]),
                         "problem": "the quote is missing from the returned file"})  # fmt: skip
    return {
        "file": str(ret.path),
        "packet_id": packet.id,
        "token": packet.token,
        "participant_id": packet.participant_id,
        "unchanged_file": ret.sha256 == packet.sha256,
        "recorded": recorded,
        "unanswered": unanswered,
        "problems": problems,
    }
