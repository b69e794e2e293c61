"""index codings by coder: `codings list --coder`, agreement and review read by coder

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 05:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_coding_coder", "coding", ["coder_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coding_coder", table_name="coding")
