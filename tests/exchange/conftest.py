"""Fixtures shared by the exchange tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.db import open_project


@pytest.fixture(scope="module")
def empty_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty project file, copied per Hypothesis example (migrating takes a
    second each time)."""
    path = tmp_path_factory.mktemp("empty") / "empty.qualcode"
    open_project(path, create=True).close()
    return path
