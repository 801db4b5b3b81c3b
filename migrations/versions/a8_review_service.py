"""Reviews name the agency service their project was about (nullable taxonomy slug)

Revision ID: a8_review_service
Revises: a7_digest
Create Date: 2026-12-06 04:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8_review_service'
down_revision = 'a7_digest'
branch_labels = None
depends_on = None


def upgrade():
    # Existing reviews keep NULL: the profile filter falls back to their text (docs/reviews.md).
    with op.batch_alter_table('reviews') as batch:
        batch.add_column(sa.Column('service', sa.String(length=64), nullable=True))
    with op.batch_alter_table('review_submissions') as batch:
        batch.add_column(sa.Column('service', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('review_submissions') as batch:
        batch.drop_column('service')
    with op.batch_alter_table('reviews') as batch:
        batch.drop_column('service')
