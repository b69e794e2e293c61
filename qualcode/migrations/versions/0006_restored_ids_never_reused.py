"""ids of the rows a document delete takes are never given out twice on SQLite either

Deleting a document takes its turns, quotes (with their events), memos and suggestions,
and ``qualcode undo`` puts them all back under their own ids. SQLite gives a new row the
largest id + 1, so when the deleted document was the newest, the next import took its id
(and its turns' ids) and the undo stopped with "document 2 has been taken by a newer
document". ``AUTOINCREMENT`` makes SQLite keep a counter (``sqlite_sequence``) as
PostgreSQL's sequences do. Each counter starts above every id the table holds and every
id the undo history names for it, so a document deleted before this upgrade still comes
back. PostgreSQL: nothing to do.

The tables are rebuilt (SQLite cannot add AUTOINCREMENT in place). ``store.schema.upgrade``
runs migrations with foreign keys off, as SQLite's own procedure for a rebuild asks:
dropping the old ``document`` with them on would cascade into every turn and coding.

Revision ID: restored_ids_never_reused
Revises: coding_ids_never_reused
Create Date: 2026-12-01 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "restored_ids_never_reused"
down_revision: str | None = "coding_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows ``documents.delete_document`` snapshots for undo, parents first.
TABLES = ("document", "turn", "quote", "quote_event", "memo", "suggestion")

# The largest id the undo history names for a table: rows a document delete took with it
# (``codebook.deleted_rows``: a list of ``[table, fields]``).
_LOGGED = (
    "SELECT max(CAST(json_extract(item.value, '$[1].id') AS INTEGER)) FROM action_log,"
    " json_each(action_log.payload, '$.codebook.deleted_rows') AS item"
    " WHERE json_valid(action_log.payload) AND json_extract(item.value, '$[0]') = ?"
)


def _rebuild(table: str, autoincrement: bool) -> None:
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
        logged = bind.exec_driver_sql(_LOGGED, (table,)).scalar()
        stored = bind.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar()
        top = max([int(n) for n in (logged, stored) if n is not None], default=0)
        bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, top))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in reversed(TABLES):
        _rebuild(table, autoincrement=False)
