"""Consent for exports: every exchange export (qdpx, qdc, csv, xlsx) redacts through
``qualcode.consent.Redactor`` and reports what it replaced.

One rule is exchange's own: a participant whose *name* is already what consent shows
(a role-only expert imported from a redacted export comes back named "title,
organisation"; an anonymous one as "Ekspert 7") has no name to hide. Passing such a
participant to the redactor would rewrite ordinary words of their role ("de praktiserende
læger") in every document on the next export, so they are left out of the patterns, and
still attributed through the redactor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from qualcode.consent import Redactor
from qualcode.models import Participant
from qualcode.participants import attribution, pseudonym


class RedactionDict(TypedDict):
    total: int
    by_participant: dict[str, int]
    by_kind: dict[str, int]


def name_withheld(p: Participant) -> bool:
    """True when the participant's stored name is only their attribution (no real name)."""
    name = p.name.strip()
    return bool(name) and name in {
        attribution(p),
        pseudonym(p),
        ", ".join(x for x in (p.title, p.organisation) if x),
    }


def export_redactor(
    participants: Iterable[Participant], *, full: bool = False, language: str = "da"
) -> Redactor:
    """The consent redactor for an export (``full``: the team's own copy, nothing redacted)."""
    known = [p for p in participants if not name_withheld(p)]
    return Redactor.for_participants(known, language=language, full=full)


def case_name(redactor: Redactor, p: Participant, full: bool) -> str:
    """The name a participant goes by in an export: the name if consent (or ``full``) allows,
    else the attribution consent allows."""
    if full or p.consent == "named" or name_withheld(p):
        return p.name
    return redactor.attribution(p)


def redaction_dict(redactor: Redactor) -> RedactionDict:
    counts = redactor.counts
    return RedactionDict(
        total=counts.total,
        by_participant={str(k): v for k, v in sorted(counts.by_participant.items())},
        by_kind=dict(sorted(counts.by_kind.items())),
    )


def redact_value(redactor: Redactor, value: Any) -> Any:
    """Strings inside JSON-like values redacted (document metadata, fidelity notes)."""
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, Mapping):
        return {k: redact_value(redactor, v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [redact_value(redactor, v) for v in value]
    return value


def describe_redactions(counts: RedactionDict) -> str:
    """One line for the summary: "12 names redacted (name 7, name_part 5)"."""
    if not counts["total"]:
        return "nothing redacted"
    kinds = ", ".join(f"{k} {n}" for k, n in counts["by_kind"].items())
    return f"{counts['total']} identifiers redacted ({kinds})"
