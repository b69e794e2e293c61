"""The progress callback every long-running domain function accepts.

The CLI turns it into a bar, the TUI into a ``ProgressBar`` fed from a worker, tests pass
nothing. ``done`` of ``total`` steps, with a short label of the current step.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, label: str) -> None:
    """The default: report nothing."""
