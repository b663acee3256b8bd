"""Monitoring results: every statistic of every monitoring run, with its threshold and status.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("method", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_monitoring_results_run", "monitoring_results", ["model", "day", "window_days"]
    )
    op.create_index(
        "ix_monitoring_results_series", "monitoring_results", ["model", "kind", "subject", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_results_series", "monitoring_results")
    op.drop_index("ix_monitoring_results_run", "monitoring_results")
    op.drop_table("monitoring_results")
