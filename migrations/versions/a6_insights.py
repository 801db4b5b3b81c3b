"""Agency insights: daily counters per agency

Revision ID: a6_insights
Revises: a5_case_studies
Create Date: 2026-12-06 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6_insights'
down_revision = 'a5_case_studies'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
