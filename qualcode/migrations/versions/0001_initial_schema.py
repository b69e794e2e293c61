"""initial schema: every table of the first release

Revision ID: 0001
Revises:
Create Date: 2026-11-23 03:57:20.925008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label_da", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("description_da", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("guiding_question_da", sa.Text(), nullable=False),
        sa.Column("guiding_question_en", sa.Text(), nullable=False),
        sa.Column("use_when", sa.Text(), nullable=False),
        sa.Column("not_when", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("colour", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["code.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_code_guid"), ["guid"], unique=True)
        batch_op.create_index(batch_op.f("ix_code_key"), ["key"], unique=True)

    op.create_table(
        "coder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coder_name"), ["name"], unique=True)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("nlp_version", sa.String(length=50), nullable=True),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=True)
        batch_op.create_index(batch_op.f("ix_document_title"), ["title"], unique=True)

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("organisation", sa.String(length=500), nullable=False),
        sa.Column("expertise", sa.String(length=500), nullable=False),
        sa.Column("consent", sa.String(length=20), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_name"), ["name"], unique=True)

    op.create_table(
        "project_setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "trained_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trained_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trained_model_kind"), ["kind"], unique=False)

    op.create_table(
        "coding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coder.id"],
        ),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.create_index("ix_coding_code", ["code_id"], unique=False)
        batch_op.create_index("ix_coding_document_start", ["document_id", "start"], unique=False)

    op.create_table(
        "document_participant",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "participant_id"),
    )
    op.create_table(
        "memo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coder.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("memo", schema=None) as batch_op:
        batch_op.create_index("ix_memo_target", ["target_kind", "target_id"], unique=False)

    op.create_table(
        "packet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("packet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packet_token"), ["token"], unique=True)

    op.create_table(
        "sentence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "ordinal"),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_suggestion_document_start", ["document_id", "start"], unique=False
        )

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
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.create_index("ix_token_document_ordinal", ["document_id", "ordinal"], unique=False)
        batch_op.create_index("ix_token_lemma", ["lemma"], unique=False)
        batch_op.create_index("ix_token_lower", ["lower"], unique=False)

    op.create_table(
        "turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=300), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("media_start", sa.Float(), nullable=True),
        sa.Column("media_end", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.create_index("ix_turn_document_start", ["document_id", "start"], unique=False)

    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("approved_wording", sa.Text(), nullable=True),
        sa.Column("draft_paragraph", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("packet_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("response_note", sa.Text(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fidelity", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["packet_id"], ["packet.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_status"), ["status"], unique=False)

    op.create_table(
        "quote_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quote_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_event_quote_id"), ["quote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quote_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_event_quote_id"))

    op.drop_table("quote_event")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_status"))

    op.drop_table("quote")
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.drop_index("ix_turn_document_start")

    op.drop_table("turn")
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index("ix_token_lower")
        batch_op.drop_index("ix_token_lemma")
        batch_op.drop_index("ix_token_document_ordinal")

    op.drop_table("token")
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestion_document_start")

    op.drop_table("suggestion")
    op.drop_table("sentence")
    with op.batch_alter_table("packet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packet_token"))

    op.drop_table("packet")
    with op.batch_alter_table("memo", schema=None) as batch_op:
        batch_op.drop_index("ix_memo_target")

    op.drop_table("memo")
    op.drop_table("document_participant")
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.drop_index("ix_coding_document_start")
        batch_op.drop_index("ix_coding_code")

    op.drop_table("coding")
    with op.batch_alter_table("trained_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trained_model_kind"))

    op.drop_table("trained_model")
    op.drop_table("project_setting")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_name"))

    op.drop_table("participant")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_title"))
        batch_op.drop_index(batch_op.f("ix_document_sha256"))

    op.drop_table("document")
    with op.batch_alter_table("coder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coder_name"))

    op.drop_table("coder")
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_key"))
        batch_op.drop_index(batch_op.f("ix_code_guid"))

    op.drop_table("code")
    op.drop_table("action_log")
