"""The per-theme synthesis: what was said about each area and attention point, by whom.

``load_snapshot`` reads the project once (codes, participants, documents, turns, codings,
quotes, memos); ``synthesise`` is a pure function of that snapshot and returns one
JSON-serialisable dict with a top-level ``areas`` list. The writers in ``qualcode.formats``
(``synthesis_md``, ``synthesis_html``, ``synthesis_docx``) only render that dict, so what a
Markdown, HTML, Word and JSON export say is the same by construction.

Consent holds here, once, for every format: people are rendered through
``consent.Redactor.attribution`` and every piece of source text (excerpts, quotes, document
titles, memos, keyword-in-context lines, the project name) passes the same ``Redactor``,
which replaces what consent does not allow; its counts are in ``data["redactions"]``.

Modules: ``snapshot`` (reading), ``context`` (indexes, people), ``sections`` (an area, a
point, saturation), ``coverage`` (totals, coverage, frequencies, desk review), ``build``
(``synthesise`` and writing through ``qualcode.formats.writers``).
"""

from qualcode.consent import Redactor
from qualcode.formats.synthesis_text import HEADINGS, STATUS_TEXT, headings
from qualcode.synthesis.build import (
    SYNTHESIS_FORMATS,
    SynthesisExportDict,
    build_synthesis,
    export_synthesis,
    render_synthesis,
    synthesise,
)
from qualcode.synthesis.context import expert_label
from qualcode.synthesis.sections import resolve_area
from qualcode.synthesis.snapshot import (
    FINAL_STATUSES,
    HIDDEN_STATUSES,
    INTERVIEW_KINDS,
    PENDING_STATUSES,
    Snapshot,
    SnapshotCoding,
    SnapshotDocument,
    load_snapshot,
)

__all__ = [
    "FINAL_STATUSES", "HEADINGS", "HIDDEN_STATUSES", "INTERVIEW_KINDS", "PENDING_STATUSES",
    "STATUS_TEXT", "SYNTHESIS_FORMATS", "Redactor", "Snapshot", "SnapshotCoding",
    "SynthesisExportDict",
    "SnapshotDocument", "build_synthesis", "export_synthesis", "expert_label", "headings",
    "load_snapshot", "render_synthesis", "resolve_area", "synthesise",
]  # fmt: skip
