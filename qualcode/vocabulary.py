"""The values the schema's kind and status columns allow, and the GUID and timestamp every
new row gets.

Here, below the models, so that code which never loads the ORM (the light write path of an
import, ``store.light_write``) writes exactly what ``models`` would; ``models`` re-exports
all of it.
"""

from __future__ import annotations

import datetime as dt
import uuid

CONSENTS = ("named", "role_only", "anonymous")
DOCUMENT_KINDS = ("interview", "notes", "document")
CODE_KINDS = ("area", "attention_point", "cross_cutting", "code")
CODING_ORIGINS = ("manual", "suggestion", "search", "import", "review")
QUOTE_STATUSES = (
    "candidate",
    "sent",
    "approved",
    "approved_with_changes",
    "rejected",
    "deemed_accepted",
    "withdrawn",
)
MEMO_TARGETS = ("project", "document", "code", "coding", "quote")
SUGGESTION_STATUSES = ("open", "accepted", "rejected")


def utcnow() -> dt.datetime:
    """An aware UTC timestamp (SQLModel stores datetimes in UTC on every backend)."""
    return dt.datetime.now(dt.UTC)


def new_guid() -> str:
    """A GUID as REFI-QDA wants it (upper-case, hyphenated)."""
    return str(uuid.uuid4()).upper()
