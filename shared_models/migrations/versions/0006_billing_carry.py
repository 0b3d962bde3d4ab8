"""billing carry: the unrounded remainder of each meter's billed cost

Revision ID: 0006_billing_carry
Revises: 0005_notifications
Create Date: 2026-11-29 01:30:00.000000

Each meter's state keeps the part of its exact cost not yet posted (below a cent), so the
sum of its postings is always its whole history's exact cost rounded once.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0006_billing_carry'
down_revision = '0005_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
