"""ChangeFeed: other coders' commits reach an open screen; its own never do, and a
colleague's commit is not lost when the screen writes at the same moment."""

from __future__ import annotations

import threading
import time

from qualcode.coding import apply_code
from qualcode.db import ChangeFeed, Project, open_project
from store.helpers import prepare, target_of

WAIT_S = 20.0  # an upper bound for a busy machine; the tests wait on events, not on time


def test_check_tells_others_changes_from_our_own(project: Project) -> None:
    prepare(project)
    feed = ChangeFeed(project, on_change=lambda: None)
    assert feed.check() is False
    apply_code(project, 1, "1", 0, 10, "skærm")
    assert feed.check() is False  # our own commit
    with open_project(target_of(project)) as colleague:
        apply_code(colleague, 1, "1", 20, 30, "kollega")
        assert feed.check() is True
        assert feed.check() is False
        # The old race: we write, they write, we write; then we look. Not missed.
        apply_code(project, 1, "1", 40, 50, "skærm")
        apply_code(colleague, 1, "1", 60, 70, "kollega")
        apply_code(project, 1, "1", 80, 90, "skærm")
        assert feed.check() is True


def test_a_colleagues_commit_arrives_while_we_keep_writing(project: Project) -> None:
    """The screen's own writes run non-stop in a thread; the colleague's one commit still
    calls back, and calls back for nothing else."""
    prepare(project)
    arrived = threading.Event()
    calls: list[float] = []

    def on_change() -> None:
        calls.append(time.perf_counter())
        arrived.set()

    feed = ChangeFeed(project, on_change=on_change, poll_s=0.05)
    feed.start()
    stop = threading.Event()

    def keep_writing() -> None:
        j = 0
        while not stop.is_set():
            apply_code(project, 1, "1", j % 500, j % 500 + 5, "skærm")
            j += 1

    writer = threading.Thread(target=keep_writing)
    try:
        assert feed.listening.wait(WAIT_S)
        writer.start()
        with open_project(target_of(project)) as colleague:
            apply_code(colleague, 1, "1", 700, 720, "kollega")
        assert arrived.wait(WAIT_S), "the colleague's coding never reached the screen"
    finally:
        stop.set()
        if writer.is_alive():
            writer.join()
        feed.stop()
    assert len(calls) == 1


def test_own_writes_alone_never_call_back(project: Project) -> None:
    prepare(project)
    arrived = threading.Event()
    calls: list[str] = []

    def on_change() -> None:
        calls.append("change")
        arrived.set()

    feed = ChangeFeed(project, on_change=on_change, poll_s=0.05)
    feed.start()
    try:
        assert feed.listening.wait(WAIT_S)
        for j in range(5):
            apply_code(project, 1, "1", j, j + 5, "skærm")
        # A colleague's commit after ours: when it has arrived, ours have been seen too.
        with open_project(target_of(project)) as colleague:
            apply_code(colleague, 1, "1", 100, 110, "kollega")
        assert arrived.wait(WAIT_S)
    finally:
        feed.stop()
    assert calls == ["change"]
