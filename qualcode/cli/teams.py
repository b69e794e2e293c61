"""Team commands: backup and copy of a project in use; agreement between coders; the audit
log; blind coding."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say
from qualcode.errors import QualcodeError

if TYPE_CHECKING:  # the domain is imported by the commands that use it (start-up time)
    from qualcode.agreement import AgreementReport, Figures
    from qualcode.visibility import BlindSettings

# The audit log's kinds, for --help without importing the database layer; the `log`
# command checks them against qualcode.audit.KINDS.
LOG_KINDS = ("coding", "review", "codebook", "import", "quote")


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _pair(f: Figures) -> str:
    return f"{_fmt(f['cohen_kappa'])} {_fmt(f['krippendorff_alpha'])}"


def _three(f: Figures) -> str:
    return f"{_fmt(f['percent_agreement'])} {_pair(f)}"


def _print_summary(report: AgreementReport) -> None:
    sources = ", ".join(f"{n} by {k}" for k, n in report.unit_sources.items())
    say(
        f"coders {', '.join(report.coders)}: {len(report.documents)} documents, "
        f"{report.units} sentence units ({sources})"
    )
    say(f"{'code':<14} {'label':<40} {'agree':>6} {'kappa':>6} {'alpha':>6} {'diff':>5}")
    for row in report.codes:
        say(
            f"{row['code'][:14]:<14} {row['label'][:40]:<40} "
            f"{_fmt(row['percent_agreement'])} {_fmt(row['cohen_kappa'])} "
            f"{_fmt(row['krippendorff_alpha'])} {row['disagreements']:>5}"
        )
    o = report.overall
    say(
        f"{'overall':<14} {'(pooled over units x codes)':<40} "
        f"{_fmt(o['percent_agreement'])} {_fmt(o['cohen_kappa'])} "
        f"{_fmt(o['krippendorff_alpha'])} {len(report.disagreements):>5}"
    )


def _print_by_code(report: AgreementReport) -> None:
    """Per code and per area, both unit sets side by side, named."""
    say(f"coders {', '.join(report.coders)}: {report.units} sentence units")
    say(f"{'':<21} {'units':>7}  {'all units':^13}  {'coded units':^20}")
    say(
        f"{'code':<12} {'area':<8} {'coded':>7}  {'kappa  alpha':>13}  "
        f"{'agree  kappa  alpha':>20} diff"
    )
    for row in report.codes:
        coded = "/".join(str(n) for n in row["units_coded"].values())
        say(
            f"{row['code'][:12]:<12} {row['area'][:8]:<8} {coded:>7}  "
            f"{_pair(row['all_units'])}  {_three(row['coded_units'])} {row['disagreements']:>4}"
        )
    for area in report.areas:
        if area["codes"] == [area["area"]]:
            continue  # a code without sub-codes: its line above says it all
        say(
            f"{'area ' + area['area'][:14]:<20} {len(area['codes']):>2} codes  "
            f"{_pair(area['all_units'])}  {_three(area['coded_units'])} {area['disagreements']:>4}"
        )
    say("all units: every sentence of the shared documents; coded units: only the sentences")
    say("a coder marked with the code (not inflated by text nobody coded). units coded: per")
    say(f"coder ({' / '.join(report.coders)}). '-': undefined (e.g. no variation to compare).")


def _print_disagreements(report: AgreementReport, limit: int) -> None:
    if not report.disagreements or limit <= 0:
        return
    say("")
    say(f"disagreements ({len(report.disagreements)}; first {limit}):")
    for d in report.disagreements[:limit]:
        text = " ".join(d.text.split())
        text = text if len(text) <= 90 else text[:89] + "…"
        done = f" [resolved: {d.resolution['decision']}]" if d.resolution else ""
        say(
            f"  {d.document[:30]} {d.start}-{d.end} {d.code}: "
            f"coded by {', '.join(d.coded_by)}, not by {', '.join(d.not_coded_by)}{done}"
        )
        say(f"    {text}")


def _describe(settings: BlindSettings) -> str:
    if not settings.enabled:
        state = "off"
    elif settings.project_wide:
        state = "on for everyone"
    else:
        state = "on for " + ", ".join(sorted(settings.coders))
    leads = ", ".join(sorted(settings.leads)) or "none"
    review = "open (everyone sees everyone)" if settings.review_open else "not open"
    return f"blind coding {state}; leads: {leads}; review {review}"


def register(app: typer.Typer) -> None:
    @app.command()
    def backup(
        ctx: typer.Context,
        file: Path = typer.Argument(..., metavar="FILE", help="The backup file to write."),
        force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Copy the whole project to FILE (a SQLite project file), safely while in use.

        Works on a SQLite project and on a PostgreSQL database (--db-url) alike; open the
        copy with `qualcode --project FILE`.
        """
        from qualcode.db import backup as backup_project

        with open_from(ctx) as project:
            with progress_bar("backing up", enabled=not as_json) as progress:
                result = backup_project(project, file, overwrite=force, progress=progress)
        if as_json:
            emit_json(result.as_dict())
        else:
            rows = sum(result.tables.values())
            say(
                f"backed up {result.backend} project to {result.path} "
                f"({result.bytes / 1_000_000:.1f} MB, {rows} rows, {result.seconds:.1f} s)"
            )

    @app.command()
    def copy(
        ctx: typer.Context,
        target: str = typer.Argument(
            ..., metavar="TARGET", help="A new project file, or the URL of an empty database."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Copy the project, every row with its id, into a new file or an empty database.

        How a study that began as a file moves onto the team's PostgreSQL server:
        `qualcode -p study.qualcode copy postgresql+psycopg://ida@db.example.org/kraeftplan`.
        """
        from qualcode.db import copy_project
        from qualcode.store.copying import copy_report

        with open_from(ctx) as project:
            with progress_bar("copying", enabled=not as_json) as progress:
                rows = copy_project(project, target, progress=progress)
        if as_json:
            emit_json(copy_report(target, rows))
        else:
            say(f"copied {sum(rows.values())} rows in {len(rows)} tables to the target")

    _register_agreement(app)
    _register_log(app)
    _register_blind(app)


def _register_agreement(app: typer.Typer) -> None:
    @app.command("agreement")
    def agreement(
        ctx: typer.Context,
        coders: list[str] = typer.Argument(
            None, metavar="CODER...", help="Two or more coder names (also: --coders A B)."
        ),
        coders_flag: bool = typer.Option(
            False, "--coders", help="Marks the coder names that follow (A B ...)."
        ),
        code: list[str] = typer.Option([], "--code", help="Only this code (repeatable)."),
        document: list[str] = typer.Option(
            [], "--document", help="Only this document (repeatable)."
        ),
        by_code: bool = typer.Option(
            False,
            "--by-code",
            help="Per code and per area: kappa and alpha on all units and on coded units.",
        ),
        limit: int = typer.Option(20, "--limit", help="Disagreements to list (text output)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall,
        on sentences of the documents all the coders worked on, plus the disagreements.

        Any pair (or more) of coders; --by-code shows each code and area twice, on all
        units and on the units someone coded. The TUI's review screen (R) walks the
        disagreement passages one key at a time.
        """
        names = [n for raw in coders or [] for n in raw.split(",") if n.strip()]
        from qualcode.agreement import compute_agreement

        with open_from(ctx) as project:
            report = compute_agreement(
                project, names, codes=code or None, documents=document or None
            )
        if as_json:
            emit_json(report.as_dict())
            return
        if by_code:
            _print_by_code(report)
        else:
            _print_summary(report)
        _print_disagreements(report, limit)


def _register_log(app: typer.Typer) -> None:
    @app.command("log")
    def log(
        ctx: typer.Context,
        coder: str = typer.Option("", "--coder", help="Only what this coder did."),
        since: str = typer.Option(
            "",
            "--since",
            help="Only since then: today, yesterday, 2026-11-30, 2026-11-30T09:00, 6h, 2d.",
        ),
        kind: list[str] = typer.Option(
            [], "--kind", help="Only this kind (repeatable): " + ", ".join(LOG_KINDS) + "."
        ),
        limit: int = typer.Option(200, "--limit", help="At most this many lines (0: all)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Who did what when: codings, reviews, codebook edits, imports and quote answers,
        newest first (undone actions are marked)."""
        from qualcode.audit import KINDS, audit_log, parse_since

        unknown = [k for k in kind if k not in KINDS]
        if unknown:
            raise QualcodeError(f"unknown kind {unknown[0]!r}", "Kinds: " + ", ".join(KINDS))
        when = parse_since(since) if since else None
        with open_from(ctx) as project:
            entries = audit_log(
                project, coder=coder or None, since=when, kinds=tuple(kind) or None, limit=limit
            )
        if as_json:
            emit_json(entries)
            return
        if not entries:
            say(
                "nothing logged"
                + (f" for {coder}" if coder else "")
                + (" in that time" if since else "")
            )
            return
        for e in entries:
            state = f" [{e['state']}]" if e["state"] and e["state"] != "done" else ""
            when = e["at"][:19].replace("T", " ")
            say(f"{when}  {e['who'][:16]:<16} {e['kind']:<8} {e['what']}{state}")


def _register_blind(app: typer.Typer) -> None:
    blind = typer.Typer(help="Blind coding: coders see only their own codings until review.")
    app.add_typer(blind, name="blind")

    @blind.command("status")
    def blind_status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
        """Whether blind coding is on, for whom, who leads, whether review is open."""
        from qualcode import visibility

        with open_from(ctx) as project:
            if as_json:
                emit_json(visibility.blind_status(project))
            else:
                say(_describe(visibility.read_settings(project)))

    @blind.command("on")
    def blind_on(
        ctx: typer.Context,
        coder: str = typer.Option("", "--coder", help="Only for this coder."),
    ) -> None:
        """Hide other coders' codings (for everyone, or one --coder) until a lead opens review."""
        from qualcode import visibility

        with open_from(ctx) as project:
            say(_describe(visibility.set_blind(project, True, coder or None)))

    @blind.command("off")
    def blind_off(
        ctx: typer.Context,
        coder: str = typer.Option("", "--coder", help="Only for this coder."),
    ) -> None:
        """Everyone sees everyone's codings again (or: this --coder does)."""
        from qualcode import visibility

        with open_from(ctx) as project:
            say(_describe(visibility.set_blind(project, False, coder or None)))

    @blind.command("lead")
    def blind_lead(
        ctx: typer.Context,
        name: str = typer.Argument(..., metavar="NAME", help="The coder who leads."),
        remove: bool = typer.Option(False, "--remove", help="No longer a lead."),
    ) -> None:
        """Make NAME a lead: sees every coder's codings and opens review."""
        from qualcode import visibility

        with open_from(ctx) as project:
            say(_describe(visibility.set_lead(project, name, not remove)))

    @blind.command("review")
    def blind_review(
        ctx: typer.Context,
        close: bool = typer.Option(False, "--close", help="Blind again (a new round)."),
        lead: str = typer.Option("", "--as", help="The lead (default: $QUALCODE_CODER)."),
    ) -> None:
        """A lead opens review: the blind phase ends and everyone sees everyone."""
        from qualcode import visibility
        from qualcode.coding import default_coder_name

        with open_from(ctx) as project:
            say(_describe(visibility.open_review(project, lead or default_coder_name(), not close)))
