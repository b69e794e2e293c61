"""The content of one packet: the recipient's quotes, in context, scrubbed of anyone else.

Isolation is the rule that matters: a packet is built from the recipient's quotes only,
and any free text in it (context, draft paragraph, project name) passes a
``consent.Redactor`` that hides every other participant behind ``[…]`` whatever their
consent (``isolate=True``; the recipient may be named), and then every other participant's
quote texts. The file name uses a label the recipient's consent allows and the packet token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlmodel import Session, select

from qualcode.codebook import area_of, code_label
from qualcode.consent import MASK, Redactor
from qualcode.documents import TurnIndex, document_turns
from qualcode.errors import PacketError
from qualcode.formats import writers
from qualcode.formats.packet_content import TEXTS, PacketContent, PacketQuote
from qualcode.models import Code, Document, Packet, Participant, ProjectSetting, Quote, new_guid
from qualcode.participants import attribution, pseudonym
from qualcode.rows import stored_id

FORMATS = ("docx", "html", "md")
PROJECT_ID_SETTING = "project_id"
RESEARCHER_DIR = "researcher-copies"
REDACTED = MASK
CONTEXT_MAX = 500
MAX_LABEL = 40
# Characters XML 1.0 cannot hold (Word refuses the file): removed from every text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the control characters XML cannot carry."""
    return _XML_ILLEGAL.sub("", text)


@dataclass
class Isolation:
    """What identifies each participant (the people, their quote texts), read once."""

    people: list[Participant]
    quote_texts: dict[int, set[str]]

    @classmethod
    def read(cls, session: Session) -> Isolation:
        people = list(session.exec(select(Participant)))
        texts: dict[int, set[str]] = {}
        for pid, source, wording, approved in session.exec(
            select(Quote.participant_id, Quote.source_text, Quote.wording, Quote.approved_wording)
        ):
            for value in (source, wording, approved):
                if value and value.strip():
                    texts.setdefault(pid, set()).add(value.strip())
        return cls(people, texts)

    def redactor_for(self, recipient: Participant) -> PacketRedactor:
        others = sorted(
            (t for pid, ts in self.quote_texts.items() if pid != recipient.id for t in ts),
            key=len,
            reverse=True,
        )
        consent = Redactor.for_participants(
            self.people, language=packet_language(recipient), recipient_id=recipient.id,
            isolate=True,
        )  # fmt: skip
        return PacketRedactor(consent, others)


class PacketRedactor:
    """Other participants' quote texts, then their identifiers, become ``[…]``."""

    def __init__(self, consent: Redactor, other_texts: list[str]) -> None:
        self.consent = consent
        self._texts = [(t, re.compile(re.escape(t), re.IGNORECASE)) for t in other_texts]
        self.quote_texts = 0

    def redact(self, text: str) -> str:
        text = xml_safe(text)
        low = text.casefold()
        for needle, pattern in self._texts:
            if needle.casefold() in low:
                text, n = pattern.subn(MASK, text)
                self.quote_texts += n
                low = text.casefold()
        return self.consent.redact(text)

    @property
    def total(self) -> int:
        return self.consent.counts.total + self.quote_texts


def slug(text: str) -> str:
    """A file-name-safe, ASCII-only form of a label (``Ekspert 8`` -> ``ekspert-8``)."""
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = text.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def file_label(p: Participant) -> str:
    """The part of a packet's file name that names its recipient, as consent allows."""
    if p.consent == "named":
        return slug(p.name)[:MAX_LABEL].strip("-") or "x"
    return slug(pseudonym(p, p.language))[:MAX_LABEL]


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
    turn = TurnIndex(document_turns(session, stored_id(doc))).at(q.start)
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
    redactor: PacketRedactor | None = None,
) -> PacketContent:
    """The content of one participant's packet (their quotes, scrubbed of anyone else)."""
    lang = packet.language
    codes = {stored_id(c): c for c in session.exec(select(Code))}
    redactor = redactor or Isolation.read(session).redactor_for(person)
    clean = redactor.redact

    items = []
    for q in rows:
        doc = session.get(Document, q.document_id)
        assert doc is not None
        before, middle, after = context_of(session, q, doc)
        code = codes.get(q.code_id) if q.code_id is not None else None
        if code is None:
            area = ""
        else:
            top = area_of(code, codes)
            area = code_label(top, lang)
            if top.id != code.id:
                area = f"{top.key}. {area} – {code.key} {code_label(code, lang)}"
            elif top.kind == "area":
                area = f"{top.key}. {area}"
        check = fidelity_summary(q)
        items.append(
            PacketQuote(
                quote_id=stored_id(q),
                ref=quote_ref(q),
                wording=clean(xml_safe(q.wording)),
                context_before=clean(before),
                context_quote=clean(middle),
                context_after=clean(after),
                area=area,
                draft_paragraph=clean(q.draft_paragraph),
                source_text=clean(q.source_text) if researcher else "",
                check=check if researcher else "",
                flagged=bool(q.fidelity.get("wording", {}).get("flags")) if researcher else False,
            )
        )
    if packet.due_date is None:
        raise PacketError(f"packet {packet.id} has no due date", "Make it again with --due.")
    texts = TEXTS[lang]
    greeting = (
        texts["greeting_named"].format(name=person.name)
        if person.consent == "named"
        else texts["greeting"]
    )
    return PacketContent(
        token=packet.token,
        project_id=proj_id,
        project_name=clean(project_name),
        language=lang,
        due=packet.due_date,
        silence_as_consent=silence,
        greeting=xml_safe(greeting),
        attribution=xml_safe(attribution(person, lang)),
        quotes=items,
        researcher=researcher,
        redactions=redactor.total,
        texts=texts,
    )


def fidelity_summary(q: Quote) -> str:
    entry = q.fidelity.get("wording") or {}
    return str(entry.get("summary", ""))


def render(content: PacketContent, fmt: str) -> bytes:
    """The packet's bytes in ``fmt`` (docx, html or md), through the writer registry."""
    return writers.render("packet", fmt, content)
