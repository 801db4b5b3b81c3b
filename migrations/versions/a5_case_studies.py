"""Case studies (portfolio) of agencies: filled in by the case-studies work

Revision ID: a5_case_studies
Revises: a4_search_analytics
Create Date: 2026-12-06 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5_case_studies'
down_revision = 'a4_search_analytics'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
