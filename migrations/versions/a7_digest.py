"""Monthly digest: email preferences on users (opt-out, language) and the sent-month marker

Revision ID: a7_digest
Revises: a6_insights
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7_digest'
down_revision = 'a6_insights'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts get the digest (default on, opt-out), in the site's default language.
    with op.batch_alter_table('users') as batch:
        batch.add_column(
            sa.Column('monthly_digest', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('digest_sent_month', sa.String(length=7), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('digest_sent_month')
        batch.drop_column('locale')
        batch.drop_column('monthly_digest')
