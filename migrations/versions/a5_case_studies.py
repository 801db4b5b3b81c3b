"""Case studies (portfolio) of agencies, and stored files of purpose 'image' for their pictures

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
    op.create_table(
        'case_studies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('client_or_sector', sa.String(length=120), nullable=True),
        sa.Column('services', sa.JSON(), nullable=False),
        sa.Column('challenge', sa.Text(), nullable=True),
        sa.Column('results', sa.Text(), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('image', sa.JSON(), nullable=True),
        sa.Column('image_alt', sa.String(length=160), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['agency_id'], ['agencies.id'],
            name=op.f('fk_case_studies_agency_id_agencies'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_studies')),
        sa.UniqueConstraint('agency_id', 'key', name=op.f('uq_case_studies_agency_id_key')),
    )
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_studies_agency_id'), ['agency_id'], unique=False)
    # Case-study pictures are public files of their own purpose (served like logos).
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stored_files_purpose'), type_='check')
        batch_op.create_check_constraint('purpose', "purpose IN ('logo', 'proof', 'image')")


def downgrade():
    op.execute("DELETE FROM stored_files WHERE purpose = 'image'")
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stored_files_purpose'), type_='check')
        batch_op.create_check_constraint('purpose', "purpose IN ('logo', 'proof')")
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_studies_agency_id'))
    op.drop_table('case_studies')
