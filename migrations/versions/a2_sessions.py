"""Revocable sessions and sign-in backoff

Revision ID: a2_sessions
Revises: a1_concurrency
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2_sessions'
down_revision = 'a1_concurrency'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
