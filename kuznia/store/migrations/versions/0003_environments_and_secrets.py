"""environments and secrets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:31:19.146040
"""

import sqlalchemy as sa
from alembic import op

import kuznia.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('environments',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_environments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'name', 'version', name=op.f('pk_environments'))
    )
    op.create_table('secrets',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=127), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_secrets_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'name', name=op.f('pk_secrets'))
    )



def downgrade() -> None:

    op.drop_table('secrets')
    op.drop_table('environments')

