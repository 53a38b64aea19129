"""metric block aggregates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 17:57:51.428696
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL would try to compress every chunk with pglz: float values barely shrink,
    # and it costs ~150 ms per 50,000-point chunk. Chunks compress themselves where it pays.
    if op.get_bind().dialect.name == "postgresql":
        for column in ("steps", "values", "timestamps"):
            op.execute(f'ALTER TABLE metric_chunks ALTER COLUMN "{column}" SET STORAGE EXTERNAL')

    with op.batch_alter_table('metric_chunks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_step_order', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('aggregates', sa.LargeBinary(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('metric_chunks', schema=None) as batch_op:
        batch_op.drop_column('aggregates')
        batch_op.drop_column('in_step_order')


