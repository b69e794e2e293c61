"""The fixed texts of a synthesis (headings, quote states) in Danish and English.

Owned by ``formats``: the writers read them, and ``qualcode.synthesis`` puts the state texts
into its data.
"""

from __future__ import annotations

HEADINGS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Syntese",
        "draft": "Udkast – citater markeret som afventende er endnu ikke godkendt",
        "final": "Endelig version – kun godkendte citater",
        "guiding_question": "Styrende spørgsmål",
        "key_points": "Hovedpunkter",
        "attention_points": "Opmærksomhedspunkter",
        "narrative": "Analytikerens noter",
        "quotes": "Citater",
        "excerpts": "Kodede uddrag efter ekspert",
        "co_occurring": "Koder der ofte optræder sammen med",
        "cross_cutting": "Tværgående temaer",
        "coverage": "Eksperter og udviklingsområder",
        "expert": "Ekspert",
        "expertise": "Ekspertise",
        "total": "I alt",
        "code_frequencies": "Kodefrekvenser",
        "code": "Kode",
        "codings": "kodninger",
        "experts": "eksperter",
        "documents": "dokumenter",
        "saturation": "Mætning",
        "saturation_intro": "Antal eksperter, der har udtalt sig om punktet, efter hvert "
        "interview (i datoorden).",
        "saturated_after": "ingen nye eksperter efter interview",
        "document_review": "Dokumentgennemgang",
        "mentions": "omtaler",
        "no_mentions": "Ikke nævnt i de gennemgåede dokumenter.",
        "pending": "AFVENTER GODKENDELSE",
        "status": "Status",
        "unattributed": "Uden tilknyttet ekspert",
        "none": "Ingen endnu.",
        "counts": "{codings} kodninger · {experts} eksperter · {documents} dokumenter",
        "runs_through": "Går igen i",
        "line": "linje",
    },
    "en": {
        "title": "Synthesis",
        "draft": "Draft – quotes marked as pending are not yet approved",
        "final": "Final version – approved quotes only",
        "guiding_question": "Guiding question",
        "key_points": "Key points",
        "attention_points": "Attention points",
        "narrative": "Analyst's notes",
        "quotes": "Quotes",
        "excerpts": "Coded excerpts by expert",
        "co_occurring": "Codes that often occur with it",
        "cross_cutting": "Cross-cutting themes",
        "coverage": "Experts and development areas",
        "expert": "Expert",
        "expertise": "Expertise",
        "total": "Total",
        "code_frequencies": "Code frequencies",
        "code": "Code",
        "codings": "codings",
        "experts": "experts",
        "documents": "documents",
        "saturation": "Saturation",
        "saturation_intro": "Number of experts who spoke to the point after each interview "
        "(in date order).",
        "saturated_after": "no new experts after interview",
        "document_review": "Document review",
        "mentions": "mentions",
        "no_mentions": "Not mentioned in the reviewed documents.",
        "pending": "PENDING APPROVAL",
        "status": "Status",
        "unattributed": "Not attributed to an expert",
        "none": "None yet.",
        "counts": "{codings} codings · {experts} experts · {documents} documents",
        "runs_through": "Runs through",
        "line": "line",
    },
}


STATUS_TEXT: dict[str, dict[str, str]] = {
    "da": {
        "candidate": "kandidat",
        "sent": "sendt til godkendelse",
        "approved": "godkendt",
        "approved_with_changes": "godkendt med ændringer",
        "deemed_accepted": "godkendt ved fristens udløb",
        "rejected": "afvist",
        "withdrawn": "trukket tilbage",
    },
    "en": {
        "candidate": "candidate",
        "sent": "sent for approval",
        "approved": "approved",
        "approved_with_changes": "approved with changes",
        "deemed_accepted": "accepted by silence after the deadline",
        "rejected": "rejected",
        "withdrawn": "withdrawn",
    },
}


def headings(language: str) -> dict[str, str]:
    return HEADINGS.get(language, HEADINGS["en"])
