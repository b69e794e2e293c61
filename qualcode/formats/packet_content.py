"""What a quote-approval packet shows: plain data the packet writers render.

The domain (``qualcode.packets``) fills a ``PacketContent`` from the database; the writers
in this package (``packet_docx``, ``packet_text``) only turn it into bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

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
        "regards": "Med venlig hilsen",
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
        "regards": "Kind regards",
        "reference": "Packet reference: {reference}",
        "researcher_banner": (
            "RESEARCHER'S COPY – do not send to the expert (shows the wording checks)."
        ),
        "doc_title": "{project} – approval of quotes",
    },
}


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
    sender: str = ""  # the project's sender name and institution (settings), one per line

    def t(self, key: str, **kw: Any) -> str:
        return self.texts[key].format(**kw)

    @property
    def signature(self) -> str:
        """The letter's closing: the sender the project names, else its research team."""
        if self.sender.strip():
            return self.t("regards") + "\n" + self.sender.strip()
        return self.t("signature", project=self.project_name)

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
