"""script runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:36:37.845205
"""

import sqlalchemy as sa
from alembic import op

import kuznia.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('compute_targets',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_compute_targets_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'name', name=op.f('pk_compute_targets'))
    )
    op.create_table('snapshots',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_snapshots_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_snapshots'))
    )
    op.create_table('workspace_blobs',
    sa.Column('workspace_id', sa.String(length=36), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_workspace_blobs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'digest', name=op.f('pk_workspace_blobs'))
    )
    op.create_table('run_log_chunks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('stream', sa.String(length=255), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_log_chunks_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_log_chunks')),
    sa.UniqueConstraint('run_id', 'stream', 'offset', name=op.f('uq_run_log_chunks_run_id_stream_offset'))
    )
    op.create_table('run_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=300), nullable=False),
    sa.Column('created_at', kuznia.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_tokens_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_run_tokens'))
    )
    with op.batch_alter_table('run_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_tokens_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compute_target', sa.String(length=63), nullable=True))
        batch_op.add_column(sa.Column('snapshot_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('definition', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('timeline', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('process_host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('process_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('process_started', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('script_pid', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_runs_compute_target_status_created_at'), ['compute_target', 'status', 'created_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_compute_target_status_created_at'))
        batch_op.drop_column('script_pid')
        batch_op.drop_column('process_started')
        batch_op.drop_column('process_id')
        batch_op.drop_column('process_host')
        batch_op.drop_column('timeline')
        batch_op.drop_column('definition')
        batch_op.drop_column('snapshot_id')
        batch_op.drop_column('compute_target')

    with op.batch_alter_table('run_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_tokens_run_id'))

    op.drop_table('run_tokens')
    op.drop_table('run_log_chunks')
    op.drop_table('workspace_blobs')
    op.drop_table('snapshots')
    op.drop_table('compute_targets')

