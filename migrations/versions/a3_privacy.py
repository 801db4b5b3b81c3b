"""Privacy requests

Revision ID: a3_privacy
Revises: a2_sessions
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3_privacy'
down_revision = 'a2_sessions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
