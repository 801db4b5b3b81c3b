"""Concurrency: conflict detection columns

Revision ID: a1_concurrency
Revises: 6902c03f59dc
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1_concurrency'
down_revision = '6902c03f59dc'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
