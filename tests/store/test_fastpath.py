"""The coding fast path on PostgreSQL: its one message goes to libpq as it is, on a
connection the project keeps between codings. It keeps working when psycopg drops its
prepared statements (it deallocates all of a connection's after DDL on it), when the kept
connection dies or sits idle, and when two threads code at once; what a coder types
arrives exactly as typed."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlmodel import select

from qualcode import models
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.history import undo
from qualcode.store import engine
from store.helpers import prepare


def _postgres_only(project: Project) -> None:
    if project.is_sqlite:
        pytest.skip("the one-message path and the kept connection are PostgreSQL's")


def _backend_pid(project: Project) -> int:
    with project.coding_connection() as raw:
        return int(raw.info.backend_pid)


def test_codings_go_on_after_the_prepared_statements_are_dropped(project: Project) -> None:
    _postgres_only(project)
    prepare(project)
    first = apply_code(project, 1, "1", 0, 10, "ida")
    with project.coding_connection() as raw:  # the connection the codings went through
        raw.execute("DEALLOCATE ALL")
        raw.commit()
    for _ in range(3):  # and every pooled connection this program holds
        with project.driver_connection() as raw:
            raw.execute("DEALLOCATE ALL")
            raw.commit()
    second = apply_code(project, 1, "1", 20, 30, "ida")
    assert second["id"] != first["id"] and second["text"]
    assert undo(project, "ida") == "code 1 at 20-30"


TRICKY = "O'Brien \\ {start} %(key)s %s $1 ''; -- æøå \u201cdit\u201d \U0001f600"


def test_what_a_coder_types_arrives_as_typed(project: Project) -> None:
    """Names and memos travel as literals in the message: quotes, backslashes, braces,
    placeholders and characters outside ASCII come back unchanged."""
    prepare(project)
    row = apply_code(project, 1, "1", 5, 15, TRICKY, memo=TRICKY + "\nsecond line")
    assert row["coder"] == TRICKY and row["memo"] == TRICKY + "\nsecond line"
    with project.session() as s:
        coding = s.get(models.Coding, row["id"])
        assert coding is not None and coding.memo == TRICKY + "\nsecond line"
        coder = s.exec(select(models.Coder).where(models.Coder.id == coding.coder_id)).one()
        assert coder.name == TRICKY
    assert undo(project, TRICKY) == "code 1 at 5-15"
    with project.session() as s:
        assert s.get(models.Coding, row["id"]) is None


def test_a_memo_with_a_nul_character_is_refused_and_nothing_is_written(
    project: Project,
) -> None:
    _postgres_only(project)
    prepare(project)
    apply_code(project, 1, "1", 0, 4, "ida")  # the coder exists: the fast path is taken
    with pytest.raises(psycopg.DataError, match="NUL"):
        apply_code(project, 1, "1", 5, 15, "ida", memo="before\x00after")
    with project.session() as s:
        assert len(s.exec(select(models.Coding)).all()) == 1
    assert apply_code(project, 1, "1", 5, 15, "ida", memo="before after")["memo"]


def test_the_kept_connection_serves_one_coding_after_another(project: Project) -> None:
    _postgres_only(project)
    prepare(project)
    apply_code(project, 1, "1", 0, 4, "ida")
    pid = _backend_pid(project)
    for n in range(3):
        apply_code(project, 1, "1", 10 + n, 20, "ida")
    assert _backend_pid(project) == pid


def test_an_idle_kept_connection_is_pinged_and_a_dead_one_replaced_unseen(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unused for a while (a coder at lunch, the server restarted meanwhile), the kept
    connection is pinged before the next coding: alive it is used again, dead it is
    replaced, and the coder sees no error either way."""
    _postgres_only(project)
    prepare(project)
    monkeypatch.setattr(engine, "PG_PING_AFTER_IDLE_S", -1.0)  # every use finds it idle
    apply_code(project, 1, "1", 0, 4, "ida")
    pid = _backend_pid(project)
    apply_code(project, 1, "1", 5, 9, "ida")
    assert _backend_pid(project) == pid  # alive: kept
    project.announcer.flush()  # a held-back notification borrows a connection meanwhile
    status = project.engine.pool.status()
    with project.driver_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        other.commit()
    row = apply_code(project, 1, "1", 10, 14, "ida")
    assert row["text"] and _backend_pid(project) != pid
    project.announcer.flush()
    assert project.engine.pool.status() == status  # the dead one thrown away, none leaked
    assert undo(project, "ida") == "code 1 at 10-14"


def test_a_kept_connection_the_server_ended_is_replaced(project: Project) -> None:
    """The server ends the kept connection's session (a restart, an administrator):
    the coding that finds it dead fails as the driver says (nothing written), the next
    one goes through on a fresh connection."""
    _postgres_only(project)
    prepare(project)
    apply_code(project, 1, "1", 0, 4, "ida")
    pid = _backend_pid(project)
    with project.driver_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        other.commit()
    try:
        apply_code(project, 1, "1", 5, 9, "ida")
    except psycopg.OperationalError:
        pass  # it was the dead one: nothing was written
    row = apply_code(project, 1, "1", 10, 14, "ida")
    assert row["text"] and _backend_pid(project) != pid
    with project.session() as s:
        starts = sorted(c.start for c in s.exec(select(models.Coding)).all())
    assert starts in ([0, 5, 10], [0, 10])


def test_two_threads_of_one_program_code_at_once(project: Project) -> None:
    """One thread has the kept connection, the other takes one from the pool: every
    coding is stored once, and each coder's undo takes back their own last one."""
    _postgres_only(project)
    prepare(project)
    for coder in ("ida", "bo"):
        apply_code(project, 1, "1", 0, 2, coder)
    errors: list[BaseException] = []
    go = threading.Barrier(2)

    def code(coder: str, offset: int) -> None:
        try:
            go.wait()
            for n in range(40):
                apply_code(project, 1, "1", offset + n, offset + n + 3, coder)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=code, args=(c, o)) for c, o in (("ida", 10), ("bo", 60))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with project.session() as s:
        assert len(s.exec(select(models.Coding)).all()) == 2 + 80
    assert undo(project, "ida") == "code 1 at 49-52"
    assert undo(project, "bo") == "code 1 at 99-102"
