"""Exchange commands: export qdpx|csv|xlsx, and inter-coder agreement."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say, warn
from qualcode.errors import QualcodeError
from qualcode.exchange import EXPORT_UNITS, export_csv, export_qdpx, export_xlsx
from qualcode.exchange.redact import describe_redactions

EXPORT_FORMATS = ("qdpx", "csv", "xlsx")


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _export_summary(kind: str, file: Path, result: Mapping[str, Any]) -> str:
    redactions = describe_redactions(result["redactions"])
    if kind == "qdpx":
        return (
            f"wrote {file}: {result['documents']} documents, {result['codes']} codes, "
            f"{result['codings']} codings, {result['cases']} cases, {result['notes']} notes, "
            f"{result['quotes']} quotes; positions {result['positions']}; {redactions}"
        )
    return f"wrote {file}: {result['rows']} codings; {redactions}"


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str = typer.Argument(
            ..., metavar="qdpx|csv|xlsx", help="qdpx (REFI-QDA), csv or xlsx."
        ),
        file: Path = typer.Argument(..., metavar="FILE", help="The file to write."),
        full: bool = typer.Option(
            False, "--full", help="Real names in everything (the team's own copy; not for sharing)."
        ),
        positions: str = typer.Option(
            "codepoints", "--positions", help="qdpx positions: codepoints (standard) or utf16."
        ),
        for_tool: str = typer.Option(
            "", "--for", help="qdpx for a tool: nvivo (= --positions utf16, CRLF text)."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Export the project as REFI-QDA (.qdpx), or the codings as CSV or Excel; names are
        redacted as consent requires unless --full."""
        kind = fmt.lower().lstrip(".")
        if kind not in EXPORT_FORMATS:
            raise QualcodeError(
                f"unknown export format {fmt!r}",
                "Use `qualcode export qdpx|csv|xlsx FILE`.",
            )
        if for_tool:
            if for_tool.lower() != "nvivo":
                raise QualcodeError(f"unknown tool {for_tool!r}", "Use --for nvivo.")
            positions = "utf16"
        if positions not in EXPORT_UNITS:
            raise QualcodeError(f"unknown position unit {positions!r}", "Use codepoints or utf16.")
        if full:
            warn(
                f"{file}: full export: real names of every participant are in this file, "
                "whatever their consent; keep it inside the team."
            )
        with open_from(ctx) as project:
            result: Mapping[str, Any]
            if kind == "qdpx":
                with progress_bar("exporting", enabled=not as_json) as progress:
                    result = export_qdpx(project, file, progress, full=full, positions=positions)
            elif kind == "xlsx":
                result = export_xlsx(project, file, full=full)
            else:
                result = export_csv(project, file, full=full)
        if as_json:
            emit_json({"format": kind, **result})
        else:
            say(_export_summary(kind, file, result))

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
        limit: int = typer.Option(20, "--limit", help="Disagreements to list (text output)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall,
        on sentences of the documents all the coders worked on, plus the disagreements."""
        from qualcode.agreement import compute_agreement

        names = [n for raw in coders or [] for n in raw.split(",") if n.strip()]
        with open_from(ctx) as project:
            report = compute_agreement(
                project, names, codes=code or None, documents=document or None
            )
        if as_json:
            emit_json(report.as_dict())
            return
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
            f"{_fmt(o.get('percent_agreement'))} {_fmt(o.get('cohen_kappa'))} "
            f"{_fmt(o.get('krippendorff_alpha'))} {len(report.disagreements):>5}"
        )
        if report.disagreements and limit > 0:
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
