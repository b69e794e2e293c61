"""Document commands: list, show, fix (title, kind, date, language, text), link speakers,
delete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from qualcode.cli.common import (
    JSON_OPTION,
    default_coder_name,
    emit_json,
    open_from,
    open_light_from,
    say,
    warn,
)
from qualcode.cli.words import plural

if TYPE_CHECKING:  # the domain is imported by the commands that use it (start-up)
    from qualcode.document_text import DocumentView, TextEditDict


def _date(value: str | None) -> dt.date | None:
    from qualcode.documents import DocumentError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DocumentError(f"--date {value!r} is not a date", "Use YYYY-MM-DD.") from exc


def _list_documents(ctx: typer.Context, viewer: str) -> list[Any]:
    """The listing through the light read path when the project allows it, else in full."""
    light = open_light_from(ctx)
    if light is not None:
        from qualcode.document_list import list_documents_with

        with light:
            return list(list_documents_with(light, viewer))
    from qualcode.documents import list_documents

    with open_from(ctx) as project:
        return list(list_documents(project, viewer=viewer))


def register(app: typer.Typer) -> None:
    documents_app = typer.Typer(help="List, show, fix and delete documents.", no_args_is_help=True)
    app.add_typer(documents_app, name="documents")

    @documents_app.command("list")
    def documents_list(
        ctx: typer.Context,
        viewer: str = typer.Option(
            "", "--as", help="Count codings as this coder sees them (default: $QUALCODE_CODER)."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Documents with kind, participants, words and codings."""
        docs = _list_documents(ctx, viewer or default_coder_name())
        if as_json:
            emit_json(docs)
            return
        if not docs:
            say("no documents yet (qualcode import FILE...)")
            return
        say(f"{'id':>4}  {'title':<50}  {'kind':<9}  {'words':>13}  {'codings':>12}  participants")
        for d in docs:
            people = ", ".join(d["participants"]) or "-"
            say(
                f"{d['id']:>4}  {d['title'][:50]:<50}  {d['kind']:<9}  "
                f"{plural(d['words'], 'word'):>13}  {plural(d['codings'], 'coding'):>12}  {people}"
            )

    @documents_app.command("show")
    def documents_show(
        ctx: typer.Context,
        doc: str = typer.Argument(..., metavar="DOC", help="Document id or title."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """A document's text with its speaker turns and codings."""
        from qualcode.document_text import document_view

        with open_from(ctx) as project:
            data = document_view(project, doc)
        if as_json:
            emit_json(data)
            return
        _print_show(data)

    _register_fixes(documents_app)


def _register_fixes(documents_app: typer.Typer) -> None:
    @documents_app.command("edit")
    def documents_edit(
        ctx: typer.Context,
        doc: str = typer.Argument(..., metavar="DOC", help="Document id or title."),
        title: str | None = typer.Option(None, help="New title."),
        kind: str | None = typer.Option(None, help="interview | notes | document"),
        date: str | None = typer.Option(None, help="Date YYYY-MM-DD."),
        language: str | None = typer.Option(None, help="da | en"),
        text_file: Path | None = typer.Option(
            None, "--text-file", help="The corrected text (.txt .md .docx ...): codings follow."
        ),
        coder: str | None = typer.Option(None, help="Coder (default: $QUALCODE_CODER or you)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Fix a document: title, kind, date, language, or its text (codings re-anchored)."""
        from qualcode.document_text import edit_text, edited_document
        from qualcode.documents import DocumentError, resolve_document, update_document
        from qualcode.formats import parse_bytes
        from qualcode.importing import read_source

        if all(v is None for v in (title, kind, date, language, text_file)):
            raise DocumentError(
                "say what to change", "Give --title, --kind, --date, --language or --text-file."
            )
        parsed = None
        if text_file is not None:
            parsed = parse_bytes(str(text_file), read_source(text_file))
        with open_from(ctx) as project:
            with project.session() as s:
                doc_id = resolve_document(s, doc).id
            assert doc_id is not None
            update_document(project, doc_id, title, kind, _date(date), language)
            report = None
            if parsed is not None:
                report = edit_text(
                    project,
                    doc_id,
                    parsed.text,
                    coder or default_coder_name(),
                    parsed.turns or None,
                )
        if as_json:
            emit_json(edited_document(doc_id, report))
            return
        say(f"document {doc_id} updated")
        if report is not None:
            _print_text_report(report.as_dict())

    _register_speakers(documents_app)


def _register_speakers(documents_app: typer.Typer) -> None:
    @documents_app.command("speakers")
    def documents_speakers(
        ctx: typer.Context,
        doc: str = typer.Argument(..., metavar="DOC", help="Document id or title."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The speaker labels of a document and the participant each is linked to."""
        from qualcode.documents import speakers

        with open_from(ctx) as project:
            rows = speakers(project, doc)
        if as_json:
            emit_json(rows)
            return
        if not rows:
            say("no speaker turns in this document")
            return
        say(f"{'speaker':<30} {'turns':>9}  participant")
        for r in rows:
            say(
                f"{r['speaker'][:30]:<30} {plural(r['turns'], 'turn'):>9}  "
                f"{r['participant'] or '- (not linked)'}"
            )

    @documents_app.command("link-speaker")
    def documents_link_speaker(
        ctx: typer.Context,
        doc: str = typer.Argument(..., metavar="DOC", help="Document id or title."),
        speaker: str = typer.Argument(..., help="The speaker label as in the text."),
        participant: str | None = typer.Argument(None, help="Participant name (or --unlink)."),
        unlink: bool = typer.Option(False, "--unlink", help="Link the speaker to nobody."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Link a speaker label to a participant (codings and candidate quotes follow)."""
        from qualcode.documents import DocumentError, link_speaker

        if (participant is None) != unlink:
            raise DocumentError(
                "name the participant, or give --unlink",
                "e.g. documents link-speaker 2 Ekspert 'Ida Holm'",
            )
        with open_from(ctx) as project:
            result = link_speaker(project, doc, speaker, participant)
        if as_json:
            emit_json(result.as_dict())
            return
        who = result.participant or "nobody"
        say(f"{result.speaker!r} linked to {who} ({plural(result.turns, 'turn')})")
        if result.quotes_updated:
            say(f"  {plural(len(result.quotes_updated), 'quote')} now attributed to {who}")
        if result.quotes_kept:
            warn(
                f"  {plural(len(result.quotes_kept), 'quote')} kept their expert (already sent): "
                + ", ".join(f"Q{i}" for i in result.quotes_kept)
            )

    @documents_app.command("delete")
    def documents_delete(
        ctx: typer.Context,
        doc: str = typer.Argument(..., metavar="DOC", help="Document id or title."),
        force: bool = typer.Option(False, "--force", help="Also when quotes went to experts."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would go."),
        coder: str | None = typer.Option(None, help="Coder (for undo)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Delete a document with its codings, quotes, memos (undoable: qualcode undo)."""
        from qualcode.documents import delete_document, deleted_document, deletion_impact

        with open_from(ctx) as project:
            if dry_run:
                impact = deletion_impact(project, doc)
            else:
                impact = delete_document(project, doc, coder or default_coder_name(), force)
        if as_json:
            emit_json(deleted_document(impact, deleted=not dry_run))
            return
        verb = "would delete" if dry_run else "deleted"
        say(
            f"{verb} {impact['title']!r} with {plural(impact['codings'], 'coding')}, "
            f"{plural(impact['quotes'], 'quote')}, {plural(impact['memos'], 'memo')}, "
            f"{plural(impact['suggestions'], 'suggestion')}"
            + ("" if dry_run else " (undo: qualcode undo)")
        )


def _print_show(data: DocumentView) -> None:
    say(
        f"{data['id']}  {data['title']}  "
        f"({data['kind']}, {data['date'] or 'no date'}, {data['language']})"
    )
    text: str = data["text"]
    starts = {t["start"]: t for t in data["turns"]}
    pos = 0
    for line in text.split("\n"):
        turn = starts.get(pos)
        if turn is not None:
            say(f"[{pos}] --- {turn['speaker']} ({turn['participant'] or 'not linked'})")
        say(f"{pos:>7}  {line}")
        pos += len(line) + 1
    say("")
    say(plural(len(data["codings"]), "coding") + ":")
    for c in data["codings"]:
        say(f"{c['id']:>5}  {c['start']:>6}-{c['end']:<6} {c['code']:<10} {c['coder'] or ''}")


def _print_text_report(report: TextEditDict) -> None:
    say(
        f"text replaced ({report['characters']} characters, {plural(report['turns'], 'turn')}); "
        f"{report['unchanged']} codings/quotes in place, {len(report['moved'])} moved, "
        f"{len(report['unplaced'])} not found"
    )
    if report["history_cleared"]:
        say(
            f"  {plural(report['history_cleared'], 'undo step')} on this document forgotten "
            "(old offsets)"
        )
    for m in report["moved"]:
        say(
            f"  {m['kind']} {m['id']} ({m['code']}): {m['old'][0]}-{m['old'][1]} -> "
            f"{m['new'][0]}-{m['new'][1]} [{m['method']}, {m['score']:.0f}%]"
        )
    for m in report["unplaced"]:
        warn(
            f"  {m['kind']} {m['id']} ({m['code']}) not found: {m['text'][:60]!r} — kept at "
            f"{m['new'][0]}-{m['new'][1]}, its old text noted in its memo"
        )
