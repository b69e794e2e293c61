"""One way to choose an output format: a small registry of writers.

A writer turns one kind of document's plain data into bytes. Each is registered under a
kind ("synthesis", "packet", …) and a format name, with the file extensions that imply it;
the CLI and the TUI ask ``choose_format`` which format a ``--format``/``--out`` pair means
and ``render`` for the bytes. Adding a format is one ``register`` call:

    writers.register("project", "qdpx", write_qdpx, extensions=(".qdpx",))

The data each writer takes is the kind's own plain data class or dict (``PacketContent``
for packets, the synthesis dict for syntheses); nothing here touches the database.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import ExportError
from qualcode.formats.packet_content import PacketContent
from qualcode.formats.packet_docx import write_packet_docx
from qualcode.formats.packet_text import write_packet_html, write_packet_md
from qualcode.formats.synthesis_docx import write_docx
from qualcode.formats.synthesis_html import render_html
from qualcode.formats.synthesis_md import render_markdown
from qualcode.progress import Progress, no_progress

Writer = Callable[[Any, Progress], bytes]


@dataclass(frozen=True)
class WriterEntry:
    kind: str
    name: str
    write: Writer
    extensions: tuple[str, ...]


_WRITERS: dict[tuple[str, str], WriterEntry] = {}


def register(kind: str, name: str, write: Writer, extensions: tuple[str, ...] = ()) -> None:
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
    assert entry is not None
    return entry.write(data, progress)


def _synthesis_json(data: Any, progress: Progress) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _synthesis_docx(data: Any, progress: Progress) -> bytes:
    buffer = io.BytesIO()
    write_docx(data, buffer, progress)
    return buffer.getvalue()


def _packet(write: Callable[[PacketContent], str | bytes]) -> Writer:
    def writer(data: Any, progress: Progress) -> bytes:
        out = write(data)
        return out.encode("utf-8") if isinstance(out, str) else out

    return writer


register("synthesis", "md", lambda d, p: render_markdown(d).encode("utf-8"), (".md", ".markdown"))
register("synthesis", "html", lambda d, p: render_html(d).encode("utf-8"), (".html", ".htm"))
register("synthesis", "docx", _synthesis_docx, (".docx",))
register("synthesis", "json", _synthesis_json, (".json",))
register("packet", "docx", _packet(write_packet_docx), (".docx",))
register("packet", "html", _packet(write_packet_html), (".html", ".htm"))
register("packet", "md", _packet(write_packet_md), (".md",))
