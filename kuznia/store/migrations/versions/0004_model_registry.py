"""model registry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:48:47.114926
"""

import sqlalchemy as sa
from alembic import op

import kuznia.store.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('models',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('framework', sa.String(length=100), nullable=True),
    sa.Column('framework_version', sa.String(length=100), nullable=True),
    sa.Column('datasets', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.String(length=300), nullable=True),
    sa.Column('experiment_name', sa.String(length=255), nullable=True),
    sa.Column('root', sa.String(length=255), nullable=False),
    sa.Column('manifest_digest', sa.String(length=64), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_models_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'name', 'version', name=op.f('pk_models'))
    )
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_models_run_id'), ['run_id'], unique=False)

    op.create_table('model_properties',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('model_name', sa.String(length=63), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'model_name', 'model_version'], ['models.workspace_id', 'models.name', 'models.version'], name=op.f('fk_model_properties_workspace_id_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'model_name', 'model_version', 'key', name=op.f('pk_model_properties'))
    )
    with op.batch_alter_table('model_properties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_properties_key_value'), ['key', 'value'], unique=False)

    op.create_table('model_tags',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('model_name', sa.String(length=63), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'model_name', 'model_version'], ['models.workspace_id', 'models.name', 'models.version'], name=op.f('fk_model_tags_workspace_id_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'model_name', 'model_version', 'key', name=op.f('pk_model_tags'))
    )
    with op.batch_alter_table('model_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_tags_key_value'), ['key', 'value'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('model_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_tags_key_value'))

    op.drop_table('model_tags')
    with op.batch_alter_table('model_properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_properties_key_value'))

    op.drop_table('model_properties')
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_models_run_id'))

    op.drop_table('models')

