"""The daily lifecycle: decisions with their evidence, the cycle's journal, and its locks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("champion", sa.Integer(), nullable=True),
        sa.Column("challenger", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_decisions_model_day", "decisions", ["model", "day"])
    op.create_table(
        "cycle_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step", sa.String(30), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("model", "day", "step", name="uq_cycle_steps"),
    )
    op.create_table(
        "cycle_locks",
        sa.Column("model", sa.String(63), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cycle_locks")
    op.drop_table("cycle_steps")
    op.drop_index("ix_decisions_model_day", "decisions")
    op.drop_table("decisions")
