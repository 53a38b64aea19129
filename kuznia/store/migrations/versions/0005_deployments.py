"""deployments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:07:00.639890
"""

import sqlalchemy as sa
from alembic import op

import kuznia.store.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('deployments',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('models', sa.JSON(), nullable=False),
    sa.Column('inference', sa.JSON(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('local', sa.Boolean(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('serving_generation', sa.Integer(), nullable=True),
    sa.Column('desired_replicas', sa.Integer(), nullable=False),
    sa.Column('keys', sa.LargeBinary(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('host_pid', sa.Integer(), nullable=True),
    sa.Column('telemetry', sa.JSON(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_deployments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'name', name=op.f('pk_deployments'))
    )
    op.create_table('deployment_replicas',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('deployment', sa.String(length=63), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('port', sa.Integer(), nullable=True),
    sa.Column('restarts', sa.Integer(), nullable=False),
    sa.Column('started_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'deployment'], ['deployments.workspace_id', 'deployments.name'], name=op.f('fk_deployment_replicas_workspace_id_deployments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_replicas'))
    )
    with op.batch_alter_table('deployment_replicas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_replicas_workspace_id_deployment'), ['workspace_id', 'deployment'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('deployment_replicas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deployment_replicas_workspace_id_deployment'))

    op.drop_table('deployment_replicas')
    op.drop_table('deployments')

