"""Quote commands (add, list, edit, respond, withdraw, sweep) and packets (make, read, list)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.bulk import FROM_HELP, quotes_from
from qualcode.cli.common import (
    JSON_OPTION,
    default_coder_name,
    emit_json,
    open_from,
    progress_bar,
    say,
    warn,
)
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.quotes import QuoteRow


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise QualcodeError(f"{option} {value!r} is not a date", "Write it as YYYY-MM-DD.") from exc


def _line(q: QuoteRow) -> str:
    due = f" due {q['due_date']}" if q["due_date"] else ""
    text = q["final_wording"].replace("\n", " ")
    return (
        f"Q{q['id']:<4} {q['status']:<22} {q['attribution'][:28]:<28} {q['code'] or '-':<12}"
        f"{due}  {text[:60]}"
    )


def quotes_add(
    ctx: typer.Context,
    doc: str | None = typer.Argument(
        None, metavar="[DOC]", help="Document id or title (not with --coding)."
    ),
    match: str | None = typer.Option(None, help="Exact text of the passage (occurs once)."),
    coding: int | None = typer.Option(
        None, "--coding", help="Quote this coding's passage (its code by default)."
    ),
    start: int | None = typer.Option(None, help="Start offset (characters)."),
    end: int | None = typer.Option(None, help="End offset (exclusive)."),
    code: str | None = typer.Option(None, "--code", help="Code the quote supports."),
    wording: str | None = typer.Option(
        None, help="Wording for the report (light edits; default: the source text)."
    ),
    draft: str = typer.Option("", help="The draft paragraph the quote will stand in."),
    coder: str | None = typer.Option(None, help="Who adds it (default: your user name)."),
    from_file: Path | None = typer.Option(None, "--from", metavar="FILE", help=FROM_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a candidate quote of a passage; the speaker turn says whose words they are."""
    from qualcode.quotes import add_quote, add_quote_by_match, add_quote_from_coding

    if from_file is not None:
        single = {"DOC": doc, "--match": match, "--coding": coding, "--code": code}
        single |= {"--start": start, "--end": end, "--wording": wording, "--draft": draft}
        return quotes_from(ctx, from_file, coder, as_json, single)
    who = coder or default_coder_name()
    either = QualcodeError(
        "give a document, or --coding ID", "e.g. `quotes add 3 --match 'exact words'`."
    )
    if coding is not None:
        if doc is not None:
            raise either
        if match is not None or start is not None or end is not None:
            raise QualcodeError("--coding already gives the passage; drop --match/--start")
        with open_from(ctx) as project:
            q = add_quote_from_coding(project, coding, who, wording, draft, code=code)
    elif doc is None:
        raise either
    elif match is not None:
        if start is not None or end is not None:
            raise QualcodeError("give either --match or --start/--end, not both")
        with open_from(ctx) as project:
            q = add_quote_by_match(project, doc, match, code, who, wording, draft)
    elif start is not None and end is not None:
        with open_from(ctx) as project:
            q = add_quote(project, doc, start, end, code, who, wording, draft)
    else:
        raise QualcodeError(
            "say which passage to quote",
            "Give --match 'exact text', --start/--end, or --coding ID.",
        )
    if as_json:
        emit_json(q)
        return
    say(f"quote Q{q['id']} ({q['attribution']}) is a candidate")
    check = q["fidelity"].get("wording", {})
    if check and not check.get("identical"):
        (warn if check.get("flags") else say)(f"wording check: {check['summary']}")


def quotes_list(
    ctx: typer.Context,
    status: list[str] = typer.Option(None, "--status", help="Only this status (repeatable)."),
    participant: str | None = typer.Option(None, help="Only this participant."),
    document: str | None = typer.Option(None, help="Only this document."),
    code: str | None = typer.Option(
        None, "--code", help="Only this code and the codes below it (an area: its points)."
    ),
    only: bool = typer.Option(False, "--only", help="With --code: that code alone."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Quotes with status, attribution (by consent), code, due date and history."""
    from qualcode.quotes import list_quotes

    with open_from(ctx) as project:
        rows = list_quotes(
            project, status=status or None, participant=participant, document=document,
            code=code, only=only,
        )  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for q in rows:
        say(_line(q))
    if not rows:
        say("no quotes")


def quotes_edit(
    ctx: typer.Context,
    quote: str = typer.Argument(..., metavar="QUOTE", help="Quote id (12 or Q12)."),
    wording: str | None = typer.Option(None, help="New wording (candidates only)."),
    draft: str | None = typer.Option(None, help="New draft paragraph."),
    code: str | None = typer.Option(None, "--code", help="The code it supports ('' for none)."),
    coder: str | None = typer.Option(None, help="Who edits (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a candidate's wording (fidelity checked), a draft paragraph or the code."""
    from qualcode.quotes import edit_quote

    if wording is None and draft is None and code is None:
        raise QualcodeError(
            "nothing to change", "Give --wording TEXT, --draft TEXT and/or --code CODE."
        )
    with open_from(ctx) as project:
        q = edit_quote(project, quote, coder or default_coder_name(), wording, draft, code=code)
    if as_json:
        emit_json(q)
        return
    say(f"quote Q{q['id']} updated")
    check = q["fidelity"].get("wording", {})
    if wording is not None and check:
        (warn if check.get("flags") else say)(f"wording check: {check['summary']}")


def quotes_respond(
    ctx: typer.Context,
    quote: str = typer.Argument(..., metavar="QUOTE", help="Quote id (12 or Q12)."),
    approve: bool = typer.Option(False, "--approve", help="The expert approved."),
    revise: str | None = typer.Option(
        None, "--revise", metavar="TEXT", help="Approved with changes: the new wording."
    ),
    reject: bool = typer.Option(False, "--reject", help="The expert rejected the quote."),
    note: str = typer.Option("", help="A note (how and when the answer came)."),
    if_version: int | None = typer.Option(
        None, "--if-version", help="Refuse if the quote changed since this version."
    ),
    coder: str | None = typer.Option(None, help="Who records it (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record an answer given by mail or phone."""
    from qualcode.quotes import respond

    chosen = [a for a, on in (("approve", approve), ("revise", revise is not None),
                              ("reject", reject)) if on]  # fmt: skip
    if len(chosen) != 1:
        raise QualcodeError(
            "give exactly one answer", "Use --approve, --revise 'new wording' or --reject."
        )
    with open_from(ctx) as project:
        q = respond(
            project, quote, chosen[0], coder or default_coder_name(), text=revise,
            note=note, expected_version=if_version,
        )  # fmt: skip
    if as_json:
        emit_json(q)
        return
    say(f"quote Q{q['id']} is {q['status']}")
    check = q["fidelity"].get("approved_wording")
    if chosen[0] == "revise" and check:
        (warn if check.get("flags") else say)(f"new wording check: {check['summary']}")


def quotes_withdraw(
    ctx: typer.Context,
    quote: str = typer.Argument(..., metavar="QUOTE", help="Quote id (12 or Q12)."),
    note: str = typer.Option("", help="Why."),
    coder: str | None = typer.Option(None, help="Who (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Take a quote out of the approval process (its history stays)."""
    from qualcode.quotes import withdraw

    with open_from(ctx) as project:
        q = withdraw(project, quote, coder or default_coder_name(), note)
    if as_json:
        emit_json(q)
    else:
        say(f"quote Q{q['id']} withdrawn")


def quotes_sweep(
    ctx: typer.Context,
    today: str | None = typer.Option(None, help="Take this date as today (YYYY-MM-DD)."),
    coder: str | None = typer.Option(None, help="Who runs it (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Overdue sent quotes become deemed_accepted when silence counts as consent."""
    from qualcode.quotes import sweep

    with open_from(ctx) as project:
        result = sweep(project, _date(today, "--today"), who=coder or default_coder_name())
    if as_json:
        emit_json(result)
        return
    if result["silence_as_consent"]:
        ids = result["deemed_accepted"]
        say(f"{len(ids)} overdue quote(s) deemed accepted" + (
            ": " + ", ".join(f"Q{i}" for i in ids) if ids else ""))  # fmt: skip
    else:
        ids = result["overdue"]
        say(f"{len(ids)} quote(s) overdue; silence does not count as consent in this project")


def packets_make(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Folder for the packet files."),
    due: str = typer.Option(..., "--due", help="Answer deadline (YYYY-MM-DD)."),
    fmt: str = typer.Option("docx", "--format", help="docx, html or md."),
    participant: str | None = typer.Option(None, help="Only this participant."),
    resend: bool = typer.Option(False, help="Also send quotes already sent."),
    researcher_copies: bool = typer.Option(
        True, help="Also write the researcher's copies (with wording checks)."
    ),
    today: str | None = typer.Option(None, help="Take this date as today (YYYY-MM-DD)."),
    coder: str | None = typer.Option(None, help="Who sends (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One packet per expert with open quotes; marks the quotes sent with the due date."""
    from qualcode.packets import make_packets

    due_date = _date(due, "--due")
    assert due_date is not None
    with open_from(ctx) as project, progress_bar("packets", enabled=not as_json) as bar:
        rows = make_packets(
            project, out, due_date, fmt=fmt, participant=participant,
            who=coder or default_coder_name(), resend=resend,
            researcher_copies=researcher_copies, today=_date(today, "--today"), progress=bar,
        )  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        say(f"{r['path']}  ({len(r['quotes'])} quote(s), due {r['due_date']})")
    if researcher_copies:
        say(f"researcher's copies (do not send) in {out / 'researcher-copies'}")


def packets_read(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Returned .docx packets."),
    coder: str | None = typer.Option(None, help="Who records (default: your user name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the answers in packets the experts sent back (all or nothing per call)."""
    from qualcode.packets import read_packets

    with open_from(ctx) as project:
        reports = read_packets(project, list(files), who=coder or default_coder_name())
    if as_json:
        emit_json(reports)
        return
    for r in reports:
        say(f"{r['file']}: {len(r['recorded'])} answer(s) recorded, "
            f"{len(r['unanswered'])} unanswered, {len(r['problems'])} problem(s)")  # fmt: skip
        for rec in r["recorded"]:
            say(f"  Q{rec['quote_id']}: {rec['status']}")
        if r["unanswered"]:
            say("  unanswered: " + ", ".join(f"Q{i}" for i in r["unanswered"]))
        for p in r["problems"]:
            warn(f"  {p['ref']}: {p['problem']} (nothing changed)")


def packets_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Packets made so far: recipient, due date, file, and the state of their quotes."""
    from qualcode.packets import list_packets

    with open_from(ctx) as project:
        rows = list_packets(project)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        states = ", ".join(f"{k} {v}" for k, v in sorted(r["quotes"].items()))
        say(f"{r['packet_id']:>4}  {r['participant'][:28]:<28} due {r['due_date']}  {states}")


def register(app: typer.Typer) -> None:
    quotes_app = typer.Typer(help="Quotes and their approval by the experts.", no_args_is_help=True)
    packets_app = typer.Typer(help="Quote-approval packets for the experts.", no_args_is_help=True)
    app.add_typer(quotes_app, name="quotes")
    app.add_typer(packets_app, name="packets")
    quotes_app.command("add")(quotes_add)
    quotes_app.command("list")(quotes_list)
    quotes_app.command("edit")(quotes_edit)
    quotes_app.command("respond")(quotes_respond)
    quotes_app.command("withdraw")(quotes_withdraw)
    quotes_app.command("sweep")(quotes_sweep)
    packets_app.command("make")(packets_make)
    packets_app.command("read")(packets_read)
    packets_app.command("list")(packets_list)
