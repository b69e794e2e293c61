"""Source commands: import files, list documents, import and list participants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.common import (
    JSON_OPTION,
    emit_json,
    open_from,
    progress_bar,
    say,
    state,
    warn,
)
from qualcode.cli.words import plural
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.db import Project
    from qualcode.store.light_write import LightWriteProject


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise QualcodeError(f"--date {value!r} is not a date", "Use YYYY-MM-DD.") from exc


def _import_target(ctx: typer.Context, files: list[Path]) -> Project | LightWriteProject:
    """Where an import writes: plain files into a current SQLite project through
    ``store.light_write`` (sqlite3 alone: no ORM in memory), else the full project."""
    from qualcode.formats import EXCHANGE_SUFFIXES

    if not any(f.suffix.lower() in EXCHANGE_SUFFIXES for f in files):
        from qualcode.store.light_write import open_light_writer

        light = open_light_writer(state(ctx).target())
        if light is not None:
            return light
    return open_from(ctx)


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(
            ..., help="Files: .txt .md .docx .vtt .srt .pdf; REFI-QDA .qdpx .qde .qdc"
        ),
        kind: str | None = typer.Option(None, help="interview | notes | document"),
        participant: list[str] = typer.Option(
            [], "--participant", help="A participant in these files (repeat for two)."
        ),
        language: str | None = typer.Option(None, help="da | en (default: detected)"),
        title: str | None = typer.Option(None, help="Title (one file only)."),
        date: str | None = typer.Option(None, help="Interview date YYYY-MM-DD."),
        annotate: bool = typer.Option(
            True,
            "--annotate/--no-annotate",
            help="Index words and lemmas now (default), or later: `qualcode annotate` or the "
            "first search does it.",
        ),
        hierarchy: bool | None = typer.Option(
            None,
            "--hierarchy/--flat",
            help="REFI-QDA: 'Group::Code' names become a group with children "
            "(default: on for files ATLAS.ti wrote, off otherwise).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Import files, each in one transaction; already imported bytes are skipped."""
        from qualcode.importing import import_files

        with _import_target(ctx, files) as project:
            with progress_bar("importing", enabled=len(files) > 1 and not as_json) as progress:
                outcomes = import_files(
                    project,
                    files,
                    kind=kind,
                    participants=participant or None,
                    language=language,
                    title=title,
                    date=_parse_date(date),
                    progress=progress,
                    annotate=annotate,
                    groups=hierarchy,
                )
        failed = [o for o in outcomes if o.status == "failed"]
        if as_json:
            emit_json([o.as_dict() for o in outcomes])
        else:
            for o in outcomes:
                if o.status == "failed":
                    warn(f"error: {o.message}")
                    warn(f"hint: {o.hint or 'see `qualcode import --help` for the formats'}")
                    continue
                say(o.message)
                if o.status == "duplicate" and o.hint:
                    say(f"  {o.hint}")
                for link in o.speaker_links:
                    if link["method"] == "fuzzy":
                        say(
                            f"  speaker {link['speaker']!r} linked to {link['participant']!r} "
                            f"(fuzzy match, {link['score']:.0f}%)"
                        )
                    elif link["method"] == "none":
                        say(
                            f"  speaker {link['speaker']!r} matches no participant: not linked "
                            f"(later: qualcode documents link-speaker {o.document_id} "
                            f"{link['speaker']!r} NAME)"
                        )
            if failed and len(outcomes) > 1:
                warn(f"{len(failed)} of {len(outcomes)} files failed; the others were imported")
        if failed:
            raise typer.Exit(1)

    _register_participants(app)


def _register_participants(app: typer.Typer) -> None:
    participants_app = typer.Typer(help="Import and list participants.", no_args_is_help=True)
    app.add_typer(participants_app, name="participants")

    @participants_app.command("import")
    def participants_import(
        ctx: typer.Context,
        csv_file: Path = typer.Argument(..., metavar="CSV"),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Create or update participants from a CSV (`,` or `;`, UTF-8 or cp1252)."""
        from qualcode.participants import import_participants

        with open_from(ctx) as project:
            result = import_participants(project, csv_file)
        if as_json:
            emit_json(result.as_dict())
        else:
            say(
                f"{plural(len(result.created), 'participant', 'participants')} created, "
                f"{len(result.updated)} updated"
            )

    @participants_app.command("list")
    def participants_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
        """Participants with title, organisation, expertise and consent."""
        from qualcode.participants import list_participants

        with open_from(ctx) as project:
            people = list_participants(project)
        if as_json:
            emit_json(people)
            return
        if not people:
            say("no participants yet (qualcode participants import experts.csv)")
            return
        say(f"{'id':>4}  {'name':<28} {'consent':<10} title, organisation (expertise)")
        for p in people:
            say(
                f"{p['id']:>4}  {p['name']:<28} {p['consent']:<10} {p['title']}, "
                f"{p['organisation']} ({p['expertise']})"
            )
