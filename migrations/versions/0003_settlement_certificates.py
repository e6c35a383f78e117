"""settlement certificates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settlement_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=32), nullable=False),
    sa.Column('verification_code', sa.String(length=24), nullable=False),
    sa.Column('download_token', sa.String(length=64), nullable=False),
    sa.Column('masked_name', sa.String(length=64), nullable=False),
    sa.Column('product_name', sa.String(length=32), nullable=False),
    sa.Column('product_description', sa.String(length=64), nullable=False),
    sa.Column('credit_limit', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.CheckConstraint("state IN ('closed', 'settled')", name='ck_certificates_state'),
    sa.ForeignKeyConstraint(['account_id'], ['credit_accounts.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('download_token'),
    sa.UniqueConstraint('verification_code')
    )
    with op.batch_alter_table('settlement_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_certificates_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('settlement_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_certificates_customer_id'))
    op.drop_table('settlement_certificates')
