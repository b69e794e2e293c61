"""Quote-approval packets: one document per expert with only their own quotes, and back.

``make_packets`` (``make.py``) writes, per participant with open quotes, a letter
(deadline, what silence means) and each quote with its context, the area it supports, the
draft paragraph it will stand in and a place to answer; all or nothing. ``build_content``
(``content.py``) decides what a packet shows, isolated from every other participant through
``qualcode.consent``. ``read_packets`` (``read.py``) records what comes back, read by
``returned.py`` (track changes, comments, size caps). The packet carries a hidden token and
the project id (docx custom document properties, plus a visible reference line as a
fallback) and a reference per quote (``Q12-7F3A``: the quote id and the start of its GUID).
"""

from qualcode.formats.packet_content import TEXTS, PacketContent, PacketQuote, format_date
from qualcode.packets.content import (
    CONTEXT_MAX,
    FORMATS,
    PROJECT_ID_SETTING,
    REDACTED,
    RESEARCHER_DIR,
    Isolation,
    PacketRedactor,
    build_content,
    context_of,
    file_label,
    packet_language,
    project_id,
    quote_ref,
    render,
    slug,
)
from qualcode.packets.make import MadePacket, PacketRow, list_packets, make_packets, recover_folder
from qualcode.packets.read import PacketReport, read_packets
from qualcode.packets.returned import (
    ANSWER_WORDS,
    ReturnedAnswer,
    ReturnedPacket,
    normalise_answer,
    parse_answer,
    parse_returned_docx,
)

__all__ = [
    "ANSWER_WORDS", "CONTEXT_MAX", "FORMATS", "PROJECT_ID_SETTING", "REDACTED",
    "RESEARCHER_DIR", "TEXTS", "Isolation", "MadePacket", "PacketContent", "PacketQuote",
    "PacketRedactor", "PacketReport", "PacketRow",
    "ReturnedAnswer", "ReturnedPacket", "build_content", "context_of", "file_label",
    "format_date", "list_packets", "make_packets", "normalise_answer", "packet_language",
    "parse_answer", "parse_returned_docx", "project_id", "quote_ref", "read_packets",
    "recover_folder", "render", "slug",
]  # fmt: skip
