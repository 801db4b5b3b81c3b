"""Search analytics

Revision ID: a4_search_analytics
Revises: a2_sessions
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4_search_analytics'
down_revision = 'a2_sessions'
branch_labels = None
depends_on = None


def upgrade():
    # Daily counts per normalised query; nothing about the visitor (docs/search.md).
    op.create_table(
        'search_query_stats',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('zero_results', sa.Integer(), nullable=False),
        sa.Column('clicks', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'query'),
    )


def downgrade():
    op.drop_table('search_query_stats')
