"""handoff tickets: queued/claimed/handed_back/closed/message_left, kind, callback, notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

NEW_STATUSES = "status IN ('queued', 'claimed', 'handed_back', 'closed', 'message_left')"
OLD_STATUSES = "status IN ('open', 'claimed', 'closed')"


def upgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_constraint('ck_tickets_status', type_='check')
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='live', nullable=False))
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('callback_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    # The table was unused before this revision; map the old open state anyway.
    op.execute("UPDATE handoff_tickets SET status = 'queued' WHERE status = 'open'")
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_tickets_status', NEW_STATUSES)
        batch_op.create_check_constraint('ck_tickets_kind', "kind IN ('live', 'message')")

    op.create_table('ticket_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_notes_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_notes_ticket_id'))
    op.drop_table('ticket_notes')
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_constraint('ck_tickets_kind', type_='check')
        batch_op.drop_constraint('ck_tickets_status', type_='check')
    op.execute("UPDATE handoff_tickets SET status = 'open' WHERE status IN ('queued', 'message_left')")
    op.execute("UPDATE handoff_tickets SET status = 'closed' WHERE status = 'handed_back'")
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('callback_phone')
        batch_op.drop_column('message')
        batch_op.drop_column('kind')
        batch_op.create_check_constraint('ck_tickets_status', OLD_STATUSES)
