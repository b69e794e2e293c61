"""compact search index: one ``term`` row per word form, one ``posting`` per term and document

The ``token`` table (a row per word, three indexes) was most of a project file. Its rows
are converted document by document into postings (``qualcode.postings``), so an
existing project keeps its search index without re-annotating.

Revision ID: tokens
Revises: 0002
Create Date: 2026-11-30 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qualcode.postings import DocumentPostings

revision: str = "tokens"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 500


def _create_tables() -> None:
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lower", sa.String(length=200), nullable=False),
        sa.Column("lemma", sa.String(length=200), nullable=False),
        sa.Column("is_stop", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lower", "lemma", name="uq_term_lower_lemma"),
    )
    op.create_index("ix_term_lemma", "term", ["lemma"], unique=False)
    op.create_table(
        "posting",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"]),
        sa.PrimaryKeyConstraint("document_id", "term_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_posting_term", "posting", ["term_id"], unique=False)


def _convert(conn: sa.Connection) -> None:
    term_ids: dict[tuple[str, str], int] = {}
    doc_ids = [int(d) for (d,) in conn.execute(sa.text("SELECT DISTINCT document_id FROM token"))]
    for doc_id in doc_ids:
        rows = conn.execute(
            sa.text(
                'SELECT ordinal, start, "end", lower, lemma, is_stop FROM token '
                "WHERE document_id = :d ORDER BY ordinal"
            ),
            {"d": doc_id},
        ).all()
        built = DocumentPostings()
        built.add((int(o), int(s), int(e), lo, le, bool(st)) for o, s, e, lo, le, st in rows)
        for key in built.terms:
            if key not in term_ids:
                term_ids[key] = int(
                    conn.execute(
                        sa.text(
                            "INSERT INTO term (lower, lemma, is_stop) VALUES (:lo, :le, :st) "
                            "RETURNING id"
                        ),
                        {"lo": key[0], "le": key[1], "st": built.stop[key]},
                    ).scalar_one()
                )
        postings = [
            {"d": doc_id, "t": term_ids[key], "n": w.count, "b": w.payload()}
            for key, w in built.terms.items()
        ]
        for i in range(0, len(postings), _CHUNK):
            conn.execute(
                sa.text(
                    "INSERT INTO posting (document_id, term_id, count, data) "
                    "VALUES (:d, :t, :n, :b)"
                ),
                postings[i : i + _CHUNK],
            )


def upgrade() -> None:
    _create_tables()
    _convert(op.get_bind())
    op.drop_table("token")


def downgrade() -> None:
    """Back to a (then empty) ``token`` table: documents are marked for re-annotation, which
    the first search does (the index is derived data, rebuilt from the texts)."""
    op.create_table(
        "token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("lower", sa.String(length=200), nullable=False),
        sa.Column("lemma", sa.String(length=200), nullable=False),
        sa.Column("is_stop", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_token_document_ordinal", "token", ["document_id", "ordinal"])
    op.create_index("ix_token_lemma", "token", ["lemma"])
    op.create_index("ix_token_lower", "token", ["lower"])
    op.drop_index("ix_posting_term", table_name="posting")
    op.drop_table("posting")
    op.drop_index("ix_term_lemma", table_name="term")
    op.drop_table("term")
    op.execute("UPDATE document SET nlp_version = NULL")
