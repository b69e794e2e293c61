"""Several coders at once, on SQLite and on PostgreSQL: nothing lost, no error for anyone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from qualcode import quotes
from qualcode.db import Project
from qualcode.models import Coder, Coding, Quote, QuoteEvent
from store.helpers import participant_span, prepare, result_of, start_worker, target_of

CODERS = 4
EACH = 500


def _codings_by_coder(project: Project) -> dict[str, int]:
    with project.session() as s:
        rows = s.exec(
            select(Coder.name, func.count(Coding.id))
            .join(Coding, Coding.coder_id == Coder.id)
            .group_by(Coder.name)
        ).all()
    return {name: n for name, n in rows}


def test_four_coders_coding_at_once_lose_nothing(project: Project, tmp_path: Path) -> None:
    """4 processes x 500 codings on the same spans at the same moment -> exactly 2,000."""
    prepare(project)
    start = tmp_path / "go"
    procs = [
        start_worker("code", target_of(project), f"coder{i}", str(EACH), str(start))
        for i in range(CODERS)
    ]
    start.touch()
    results = [result_of(p) for p in procs]
    assert [r["errors"] for r in results] == [[]] * CODERS
    assert _codings_by_coder(project) == {f"coder{i}": EACH for i in range(CODERS)}
    with project.session() as s:
        spans = s.exec(
            select(Coding.start, Coding.end, func.count()).group_by(Coding.start, Coding.end)
        ).all()
    # Every coder coded the same spans: each span holds one coding per coder, none merged.
    assert spans and all(n % CODERS == 0 for _a, _b, n in spans)


def test_four_coders_through_the_cli_see_no_error(project: Project, tmp_path: Path) -> None:
    """The same through `qualcode code --start --end` (each call opens the project)."""
    prepare(project)
    start = tmp_path / "go"
    each = 40
    procs = [
        start_worker("cli-code", target_of(project), f"cli{i}", str(each), str(start))
        for i in range(CODERS)
    ]
    start.touch()
    results = [result_of(p) for p in procs]
    assert [r["errors"] for r in results] == [[]] * CODERS
    assert _codings_by_coder(project) == {f"cli{i}": each for i in range(CODERS)}


def test_two_answers_to_one_quote_the_later_is_refused(project: Project, tmp_path: Path) -> None:
    """Two people record an answer to the same quote at once: one wins, one is told."""
    prepare(project)
    made = quotes.add_quote(project, 1, *participant_span(project), "1", "editor")
    quote = int(made["id"])
    start = tmp_path / "go"
    procs = [
        start_worker("respond", target_of(project), str(quote), who, str(start))
        for who in ("anna", "bo")
    ]
    start.touch()
    results = sorted((result_of(p) for p in procs), key=lambda r: r["result"])
    assert [r["result"] for r in results] == ["conflict", "ok"]
    assert (
        "changed by someone else" in results[0]["message"]
        or "already answered" in results[0]["message"]
    )
    with project.session() as s:
        row = s.get(Quote, quote)
        events = s.exec(select(QuoteEvent).where(QuoteEvent.quote_id == quote)).all()
    assert row is not None and row.status == "approved" and row.version == 2
    winner = results[1]["who"]
    assert [e.to_status for e in events] == ["candidate", "approved"]
    assert events[-1].who == winner
