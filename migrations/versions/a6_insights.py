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
    # One counter per agency, day, metric and (for badges and referrals) other site's host;
    # nothing about the visitor (docs/insights.md).
    op.create_table(
        'agency_daily_stats',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('metric', sa.String(length=20), nullable=False),
        sa.Column('host', sa.String(length=100), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ['agency_id'], ['agencies.id'],
            name=op.f('fk_agency_daily_stats_agency_id_agencies'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'agency_id', 'day', 'metric', 'host', name=op.f('pk_agency_daily_stats')
        ),
    )


def downgrade():
    op.drop_table('agency_daily_stats')
