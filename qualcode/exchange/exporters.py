"""One way to export a project: the format is chosen through the writer registry
(``formats.writers``, kind ``"export"``: qdpx, qdc, csv, xlsx, by name or by the file's
extension), and ``export_to`` runs the exporter of that format. The CLI's ``qualcode export``
and the TUI's export commands both come here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.exchange.export import ExportResult, export_qdpx
from qualcode.exchange.positions import EXPORT_UNITS
from qualcode.exchange.qdc import QdcExportDict, export_qdc
from qualcode.exchange.tables import TableResult, export_csv, export_xlsx
from qualcode.formats import writers
from qualcode.progress import Progress, no_progress

KIND = "export"


class QdpxExported(ExportResult):
    """`export qdpx --json`: the format, then what ``export_qdpx`` reports."""

    format: str


class QdcExported(QdcExportDict):
    """`export qdc --json`."""

    format: str


class TableExported(TableResult):
    """`export csv --json` and `export xlsx --json`."""

    format: str


Exported = QdpxExported | QdcExported | TableExported
Exporter = Callable[[Project, Path, Progress, bool, str], Exported]

_EXPORTERS: dict[str, Exporter] = {
    "qdpx": lambda p, out, progress, full, positions: QdpxExported(
        format="qdpx", **export_qdpx(p, out, progress, full=full, positions=positions)
    ),
    "qdc": lambda p, out, progress, full, positions: QdcExported(
        format="qdc", **export_qdc(p, out, full=full)
    ),
    "csv": lambda p, out, progress, full, positions: TableExported(
        format="csv", **export_csv(p, out, full=full)
    ),
    "xlsx": lambda p, out, progress, full, positions: TableExported(
        format="xlsx", **export_xlsx(p, out, full=full)
    ),
}
# Tools whose way of counting positions an export can follow (``--for``).
TOOLS = {"nvivo": "utf16"}


def export_formats() -> tuple[str, ...]:
    """The export formats, as registered (qdpx, qdc, csv, xlsx)."""
    return tuple(name for name in writers.formats(KIND) if name in _EXPORTERS)


def choose_export_format(fmt: str | None, out: Path | None = None) -> str:
    """The format ``fmt`` names, or the one ``out``'s extension implies."""
    return writers.choose_format(KIND, fmt, out)


def positions_for(positions: str = "codepoints", tool: str = "") -> str:
    """The position unit of a ``.qdpx`` export: as given, or the one ``tool`` reads."""
    if tool:
        if tool.lower() not in TOOLS:
            raise QualcodeError(
                f"unknown tool {tool!r}", "Use --for " + " | ".join(sorted(TOOLS)) + "."
            )
        positions = TOOLS[tool.lower()]
    if positions not in EXPORT_UNITS:
        raise QualcodeError(
            f"unknown position unit {positions!r}", "Use codepoints or utf16 (for NVivo)."
        )
    return positions


def export_to(
    project: Project,
    fmt: str | None,
    out: Path,
    progress: Progress = no_progress,
    *,
    full: bool = False,
    positions: str = "codepoints",
) -> tuple[str, Exported]:
    """Export in the format ``fmt`` names (None: the one ``out``'s extension implies);
    returns the format and what the exporter reports (the format, counts, redactions:
    what `export --json` prints)."""
    name = choose_export_format(fmt, out)
    return name, _EXPORTERS[name](project, out, progress, full, positions)
