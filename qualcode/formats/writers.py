"""One way to choose an output format: a small registry of writers.

A writer turns one kind of document's plain data into bytes. Each is registered under a
kind ("synthesis", "packet", "export", …) and a format name, with the file extensions that
imply it; the CLI and the TUI ask ``choose_format`` which format a ``--format``/``--out``
pair means and ``render`` for the bytes. Adding a format is one ``register`` call:

    writers.register("export", "qdpx", _qdpx, extensions=(".qdpx",))

The data each writer takes is the kind's own plain data class or dict (``PacketContent``
for packets, the synthesis dict for syntheses, ``QArchive`` for a ``.qdpx``); nothing here
touches the database. A format whose rows only the domain can assemble (the ``csv`` and
``xlsx`` exports of ``qualcode.exchange.tables``) is registered by name and extension
without a writer here. The writers of heavy formats (docx, templates) import their
libraries when first used, so choosing a format costs nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import ExportError
from qualcode.formats.refi_model import ORIGIN, QArchive, QCodebook
from qualcode.formats.refi_write import write_codebook_xml, write_qdpx_archive
from qualcode.progress import Progress, no_progress

Writer = Callable[[Any, Progress], bytes]


@dataclass(frozen=True)
class WriterEntry:
    kind: str
    name: str
    write: Writer | None  # None: the domain writes this format (the registry names it)
    extensions: tuple[str, ...]


_WRITERS: dict[tuple[str, str], WriterEntry] = {}


def register(kind: str, name: str, write: Writer | None, extensions: tuple[str, ...] = ()) -> None:
    """Register ``write`` as the ``name`` format of ``kind`` (extensions like ``".md"``)."""
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    _WRITERS[(kind, name)] = WriterEntry(kind, name, write, exts or (f".{name}",))


def formats(kind: str) -> tuple[str, ...]:
    """The format names registered for ``kind``, in registration order."""
    return tuple(name for (k, name) in _WRITERS if k == kind)


def choose_format(kind: str, fmt: str | None, out: Path | None = None) -> str:
    """The format ``fmt`` names, or the one ``out``'s extension implies when it is None."""
    names = formats(kind)
    if fmt:
        key = fmt.lower().lstrip(".")
        if (kind, key) in _WRITERS:
            return key
        raise ExportError(f"unknown {kind} format {fmt!r}", "Use one of: " + ", ".join(names) + ".")
    suffix = out.suffix.lower() if out is not None else ""
    for (k, name), entry in _WRITERS.items():
        if k == kind and suffix in entry.extensions:
            return name
    raise ExportError(
        f"cannot tell the {kind} format from {str(out) if out else 'nothing'!r}",
        "Give --format ("
        + ", ".join(names)
        + ") or an --out ending in "
        + ", ".join(e for (k, _n), w in _WRITERS.items() if k == kind for e in w.extensions)
        + ".",
    )


def render(kind: str, fmt: str, data: Any, progress: Progress = no_progress) -> bytes:
    """The bytes of ``data`` written as ``fmt``."""
    entry = _WRITERS.get((kind, choose_format(kind, fmt)))
    if entry is None or entry.write is None:
        raise ExportError(f"{kind} format {fmt!r} has no writer of plain data")
    return entry.write(data, progress)


def _synthesis_json(data: Any, progress: Progress) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _synthesis_md(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.synthesis_md import render_markdown

    return render_markdown(data).encode("utf-8")


def _synthesis_html(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.synthesis_html import render_html

    return render_html(data).encode("utf-8")


def _synthesis_docx(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.synthesis_docx import write_docx

    buffer = io.BytesIO()
    write_docx(data, buffer, progress)
    return buffer.getvalue()


def _packet_docx(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.packet_docx import write_packet_docx

    return write_packet_docx(data)


def _packet_html(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.packet_text import write_packet_html

    return write_packet_html(data).encode("utf-8")


def _packet_md(data: Any, progress: Progress) -> bytes:
    from qualcode.formats.packet_text import write_packet_md

    return write_packet_md(data).encode("utf-8")


def _qdpx(data: QArchive, progress: Progress) -> bytes:
    return write_qdpx_archive(data)


def _qdc(data: QCodebook, progress: Progress) -> bytes:
    return write_codebook_xml(data.codes, data.origin or ORIGIN, data.sets)


register("synthesis", "md", _synthesis_md, (".md", ".markdown"))
register("synthesis", "html", _synthesis_html, (".html", ".htm"))
register("synthesis", "docx", _synthesis_docx, (".docx",))
register("synthesis", "json", _synthesis_json, (".json",))
register("packet", "docx", _packet_docx, (".docx",))
register("packet", "html", _packet_html, (".html", ".htm"))
register("packet", "md", _packet_md, (".md",))
# Exports of a whole project (``qualcode export FORMAT FILE``, the TUI's export commands).
register("export", "qdpx", _qdpx, (".qdpx",))
register("export", "qdc", _qdc, (".qdc",))
register("export", "csv", None, (".csv",))
register("export", "xlsx", None, (".xlsx",))
