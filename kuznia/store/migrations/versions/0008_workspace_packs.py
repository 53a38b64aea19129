"""workspace packs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 01:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workspace_packs',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('pack', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_workspace_packs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'pack', name=op.f('pk_workspace_packs'))
    )


def downgrade() -> None:
    op.drop_table('workspace_packs')
