"""One rule for "overdue", and the state counts the dashboard shows."""

from __future__ import annotations

import datetime as dt

import pytest

from qualcode import quotes
from qualcode.db import Project
from qualcode.packets import make_packets
from tests.packets.test_packets import DUE, TODAY, _study

D = dt.date(2030, 5, 1)


@pytest.mark.parametrize(
    ("status", "due", "today", "expected"),
    [
        ("sent", D, D, False),  # the due day itself is still in time
        ("sent", D, D + dt.timedelta(days=1), True),
        ("sent", D.isoformat(), D + dt.timedelta(days=3), True),
        ("sent", None, D, False),
        ("approved", D, D + dt.timedelta(days=9), False),
        ("candidate", D, D + dt.timedelta(days=9), False),
    ],
)
def test_overdue_rule(status: str, due: object, today: dt.date, expected: bool) -> None:
    assert quotes.overdue(status, due, today) is expected  # type: ignore[arg-type]


def test_sweep_list_and_counts_agree(project: Project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    study = _study(project)
    with study.session() as s:
        assert quotes.status_counts(s)["candidate"] == 5
        assert quotes.status_counts(s)["approved"] == 0
    make_packets(study, tmp_path / "out", DUE, today=TODAY)
    late = DUE + dt.timedelta(days=1)
    assert quotes.overdue_quotes(study, today=DUE) == []
    listed = {q["id"] for q in quotes.overdue_quotes(study, today=late)}
    assert len(listed) == 5
    swept = quotes.sweep(study, today=late)
    assert set(swept["deemed_accepted"]) == listed
    with study.session() as s:
        assert quotes.status_counts(s)["deemed_accepted"] == 5
