"""handoff event outbox: events written with their ticket change, deleted once RabbitMQ has them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoff_event_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=32), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    with op.batch_alter_table('handoff_event_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_event_outbox_next_try_at'), ['next_try_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handoff_event_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_event_outbox_next_try_at'))
    op.drop_table('handoff_event_outbox')
