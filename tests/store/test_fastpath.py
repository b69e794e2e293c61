"""The coding fast path on PostgreSQL keeps working when psycopg drops its prepared
statements (it deallocates all of a connection's after DDL on it)."""

from __future__ import annotations

import pytest
from store.helpers import prepare

from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.history import undo


def test_codings_go_on_after_the_prepared_statements_are_dropped(project: Project) -> None:
    if project.is_sqlite:
        pytest.skip("statements are prepared on PostgreSQL only")
    prepare(project)
    first = apply_code(project, 1, "1", 0, 10, "ida")
    for _ in range(3):  # every pooled connection this program holds
        with project.driver_connection() as raw:
            raw.execute("DEALLOCATE ALL")
            raw.commit()
    second = apply_code(project, 1, "1", 20, 30, "ida")
    assert second["id"] != first["id"] and second["text"]
    assert undo(project, "ida") == "code 1 at 20-30"
