"""A coder writing fast sends fewer notifications (PostgreSQL), and an open screen still
sees their last coding: a held-back NOTIFY follows every commit (``engine.Announcer``)."""

from __future__ import annotations

import threading

import pytest

from qualcode.coding import apply_code, list_codings
from qualcode.db import ChangeFeed, Project, open_project
from qualcode.store.announcer import Announcer
from store.helpers import prepare, target_of

WAIT_S = 20.0  # an upper bound for a busy machine; the test waits on an event


def test_a_held_back_coding_still_reaches_the_screen(project: Project) -> None:
    """The colleague's second coding falls inside the gap after their first one's NOTIFY:
    only the held-back notification can tell the screen about it."""
    if project.is_sqlite:
        pytest.skip("SQLite screens poll; there is no NOTIFY to hold back")
    prepare(project)
    seen: list[int] = []
    changed = threading.Event()

    def on_change() -> None:
        seen.append(len(list_codings(project, coder="hurtig")))
        changed.set()

    feed = ChangeFeed(project, on_change=on_change)
    feed.start()
    try:
        assert feed.listening.wait(WAIT_S)
        with open_project(target_of(project)) as colleague:
            colleague.announcer.gap_s = 3600.0  # nothing but the held-back one may tell
            apply_code(colleague, 1, "1", 0, 4, "hurtig")
            assert changed.wait(WAIT_S)
            changed.clear()
            apply_code(colleague, 1, "1", 4, 8, "hurtig")
            assert colleague.announcer.due() is False  # held back: a timer is pending
            colleague.announcer.flush()  # what the timer does once the gap is over
            assert changed.wait(WAIT_S), f"the screen saw {seen}, not the second coding"
        assert seen[-1] == 2
    finally:
        feed.stop()


def test_a_burst_of_codings_reaches_the_screen_up_to_the_last(project: Project) -> None:
    if project.is_sqlite:
        pytest.skip("SQLite screens poll; there is no NOTIFY to hold back")
    prepare(project)
    burst = 30
    seen: list[int] = []
    complete = threading.Event()

    def on_change() -> None:
        seen.append(len(list_codings(project, coder="hurtig")))
        if seen[-1] == burst:
            complete.set()

    feed = ChangeFeed(project, on_change=on_change)
    feed.start()
    try:
        assert feed.listening.wait(WAIT_S)
        with open_project(target_of(project)) as colleague:
            for j in range(burst):
                apply_code(colleague, 1, "1", j, j + 4, "hurtig")
            # The colleague stays open (closing sends what is held back).
            assert complete.wait(WAIT_S), f"the screen saw {seen}, not all {burst} codings"
    finally:
        feed.stop()


def test_the_announcer_holds_back_within_the_gap_and_sends_once_after(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = threading.Event()
    calls: list[str] = []

    def notify(self: Announcer) -> None:
        calls.append("notify")
        sent.set()

    monkeypatch.setattr(Announcer, "_notify", notify)
    announcer = Announcer(project.engine, project.token)
    assert announcer.due() is True  # the first commit carries its own notification
    assert announcer.due() is False  # within the gap: held back
    announcer.held_back()
    announcer.held_back()  # one pending notification covers both
    assert announcer.due() is False  # still pending: this commit is covered too
    assert sent.wait(WAIT_S)
    announcer.flush()  # nothing pending: nothing more sent
    assert calls == ["notify"]
    # Closing with a notification pending sends it at once (or waits for the one going out).
    announcer.held_back()
    announcer.flush()
    assert calls == ["notify", "notify"]
