"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 15:11:11.491312
"""

import sqlalchemy as sa
from alembic import op

import kuznia.store.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('workspaces',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('name', name=op.f('uq_workspaces_name'))
    )
    op.create_table('experiments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('archived_at', kuznia.store.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.Column('last_activity', kuznia.store.types.UTCDateTime(), nullable=True),
    sa.Column('run_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_experiments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_experiments_workspace_id_name'))
    )
    op.create_table('runs',
    sa.Column('id', sa.String(length=300), nullable=False),
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('experiment_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('run_type', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('parent_run_id', sa.String(length=300), nullable=True),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.Column('start_time', kuznia.store.types.UTCDateTime(), nullable=True),
    sa.Column('end_time', kuznia.store.types.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', kuznia.store.types.UTCDateTime(), nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_runs_experiment_id_experiments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_run_id'], ['runs.id'], name=op.f('fk_runs_parent_run_id_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_runs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs')),
    sa.UniqueConstraint('experiment_id', 'number', name=op.f('uq_runs_experiment_id_number'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_experiment_id_created_at'), ['experiment_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_parent_run_id'), ['parent_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_workspace_id_created_at'), ['workspace_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_workspace_id_status'), ['workspace_id', 'status'], unique=False)

    op.create_table('metric_chunks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('min_step', sa.BigInteger(), nullable=False),
    sa.Column('max_step', sa.BigInteger(), nullable=False),
    sa.Column('steps', sa.LargeBinary(), nullable=False),
    sa.Column('values', sa.LargeBinary(), nullable=False),
    sa.Column('timestamps', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_metric_chunks_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_chunks'))
    )
    with op.batch_alter_table('metric_chunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_chunks_run_id_name_min_step'), ['run_id', 'name', 'min_step'], unique=False)

    op.create_table('metric_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_metric_records_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_records'))
    )
    with op.batch_alter_table('metric_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_records_run_id_name'), ['run_id', 'name'], unique=False)

    op.create_table('metric_summaries',
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.Column('last_timestamp', sa.Float(), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_metric_summaries_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'name', name=op.f('pk_metric_summaries'))
    )
    with op.batch_alter_table('metric_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_summaries_name_last_value'), ['name', 'last_value'], unique=False)

    op.create_table('run_files',
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_files_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'path', name=op.f('pk_run_files'))
    )
    op.create_table('run_properties',
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_properties_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'key', name=op.f('pk_run_properties'))
    )
    with op.batch_alter_table('run_properties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_properties_key_run_id'), ['key', 'run_id'], unique=False)

    op.create_table('run_tags',
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_tags_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'key', name=op.f('pk_run_tags'))
    )
    with op.batch_alter_table('run_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_tags_key_run_id'), ['key', 'run_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('run_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_tags_key_run_id'))

    op.drop_table('run_tags')
    with op.batch_alter_table('run_properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_properties_key_run_id'))

    op.drop_table('run_properties')
    op.drop_table('run_files')
    with op.batch_alter_table('metric_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_summaries_name_last_value'))

    op.drop_table('metric_summaries')
    with op.batch_alter_table('metric_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_records_run_id_name'))

    op.drop_table('metric_records')
    with op.batch_alter_table('metric_chunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_chunks_run_id_name_min_step'))

    op.drop_table('metric_chunks')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_workspace_id_status'))
        batch_op.drop_index(batch_op.f('ix_runs_workspace_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_runs_parent_run_id'))
        batch_op.drop_index(batch_op.f('ix_runs_experiment_id_created_at'))

    op.drop_table('runs')
    op.drop_table('experiments')
    op.drop_table('workspaces')

