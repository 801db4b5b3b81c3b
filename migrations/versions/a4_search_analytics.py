"""Search analytics

Revision ID: a4_search_analytics
Revises: a3_privacy
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4_search_analytics'
down_revision = 'a3_privacy'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
