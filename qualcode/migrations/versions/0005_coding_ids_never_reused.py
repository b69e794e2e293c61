"""coding ids are never given out twice on SQLite either (AUTOINCREMENT)

SQLite gives a new row the largest id + 1, so the id of the newest coding, once deleted
(undo of a coding, removing a coding), went to the next coding anyone made; redoing or
undoing the step that deleted it then found its id taken. PostgreSQL's sequence never
gives an id out twice; ``AUTOINCREMENT`` makes SQLite do the same (its counter lives in
``sqlite_sequence``). The counter starts above every coding id the undo history names
too, so a coding deleted before this upgrade can still come back under its own id.
PostgreSQL: nothing to do.

Revision ID: coding_ids_never_reused
Revises: action_log_index
Create Date: 2026-12-01 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "coding_ids_never_reused"
down_revision: str | None = "action_log_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The largest coding id the undo history names (codings it added or removed).
_LOGGED = (
    "SELECT max(CAST(json_extract(item.value, '$.id') AS INTEGER)) FROM action_log,"
    " json_each(action_log.payload, '$.{part}') AS item"
    " WHERE json_valid(action_log.payload)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "coding", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    bind = op.get_bind()
    highest = [
        bind.exec_driver_sql(_LOGGED.format(part=part)).scalar() for part in ("added", "removed")
    ]
    stored = bind.exec_driver_sql("SELECT max(id) FROM coding").scalar()
    top = max([int(n) for n in (*highest, stored) if n is not None], default=0)
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'coding'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('coding', ?)", (top,))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "coding", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
