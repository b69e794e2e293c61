"""index undo steps by coder and state: every coding clears its coder's redo steps and
every undo finds its coder's last step; without it both read the whole history

Revision ID: action_log_index
Revises: tokens
Create Date: 2026-11-30 17:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "action_log_index"
down_revision: str | None = "tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_action_log_coder_state", "action_log", ["coder", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_action_log_coder_state", table_name="action_log")
