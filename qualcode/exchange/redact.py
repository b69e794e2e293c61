"""Consent for exports: every exchange export (qdpx, qdc, csv, xlsx) redacts through
``qualcode.consent.Redactor`` and reports what it replaced.

The exports' own rule (a participant whose stored name is only their attribution has no
name to hide: ``name_withheld``) and ``export_redactor`` live in ``qualcode.consent`` beside
the redactor, so the light CSV export (``qualcode.coding_table``) uses them without the
ORM; they are re-exported here for the exchange modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qualcode.consent import (
    Person,
    RedactionDict,
    Redactor,
    describe_redactions,
    export_redactor,
    name_withheld,
)

__all__ = [
    "RedactionDict",
    "case_name",
    "describe_redactions",
    "export_redactor",
    "name_withheld",
    "redact_value",
    "redaction_dict",
]


def case_name(redactor: Redactor, p: Person, full: bool) -> str:
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
