"""Exchange with other QDA tools: REFI-QDA ``.qdpx``/``.qde``/``.qdc`` in and out, and the
codings as CSV or Excel.

``archive`` reads someone else's file safely; ``positions`` detects and writes counting
units; ``plan`` places every selection before ``store`` writes (one transaction) and
``restore`` puts back qualcode's own extension (``payload``); ``export`` writes a project,
``qdc`` a codebook, ``tables`` CSV and xlsx; ``redact`` applies consent to all of them.
"""

from __future__ import annotations

from qualcode.exchange.archive import FolderArchive, SafeArchive
from qualcode.exchange.export import ExportResult, build_export, export_qdpx
from qualcode.exchange.importer import EXCHANGE_SUFFIXES, import_exchange_file, import_qdpx
from qualcode.exchange.positions import EXPORT_UNITS, ExportText, normalise_with_map
from qualcode.exchange.qdc import export_qdc, load_qdc, read_qdc
from qualcode.exchange.summary import ExchangeOutcome, ImportSummary
from qualcode.exchange.tables import export_csv, export_xlsx, safe_cell

__all__ = [
    "EXCHANGE_SUFFIXES",
    "EXPORT_UNITS",
    "ExchangeOutcome",
    "ExportResult",
    "ExportText",
    "FolderArchive",
    "ImportSummary",
    "SafeArchive",
    "build_export",
    "export_csv",
    "export_qdc",
    "export_qdpx",
    "export_xlsx",
    "import_exchange_file",
    "import_qdpx",
    "load_qdc",
    "normalise_with_map",
    "read_qdc",
    "safe_cell",
]
