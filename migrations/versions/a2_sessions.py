"""Revocable sessions and sign-in backoff

Revision ID: a2_sessions
Revises: 6902c03f59dc
Create Date: 2026-12-06 00:50:00

Server-side sessions (``user_sessions``) replace the per-user session version as what a cookie
names; per-client sign-in backoff (``login_throttles``) replaces the per-account hard lock
(``users.failed_logins`` and ``users.locked_until`` go); an agency has at most one owner.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2_sessions'
down_revision = '6902c03f59dc'
branch_labels = None
depends_on = None

OWNER = sa.text("role = 'owner'")


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')

    # Before the index can exist, keep the earliest owner of each agency and make the
    # others managers (two owners could be created by racing claims or transfers).
    op.execute(
        "UPDATE memberships SET role = 'manager' WHERE role = 'owner' AND EXISTS ("
        " SELECT 1 FROM memberships AS earlier WHERE earlier.agency_id = memberships.agency_id"
        " AND earlier.role = 'owner' AND (earlier.created_at < memberships.created_at"
        " OR (earlier.created_at = memberships.created_at"
        " AND earlier.user_id < memberships.user_id)))"
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(
            'uq_memberships_owner', ['agency_id'], unique=True,
            sqlite_where=OWNER, postgresql_where=OWNER,
        )


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_memberships_owner')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    op.drop_table('login_throttles')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
