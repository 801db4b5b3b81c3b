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
    # No DDL: agencies.version and agency_drafts.revision already exist (NOT NULL, integer).
    # What changed is their use: both are now SQLAlchemy version counters checked in every
    # UPDATE and DELETE (compare-and-swap), which needs no schema change. Existing rows keep
    # their values as the starting version.
    pass


def downgrade():
    pass
