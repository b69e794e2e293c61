"""Every test here works on a fresh project (SQLite file or PostgreSQL database)."""

from __future__ import annotations

import pytest

from qualcode.db import Project


@pytest.fixture(autouse=True)
def _fresh_project(request: pytest.FixtureRequest) -> None:
    """Create the project the `cli` fixture names (asking for `project` creates it)."""
    if "cli" in request.fixturenames and "project_path" not in request.fixturenames:
        project: Project = request.getfixturevalue("project")
        assert project is not None
