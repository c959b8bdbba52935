"""auth: usernames unique and indexed without regard to case

Revision ID: 0007_username_lower
Revises: 0006_rollups
Create Date: 2026-11-24 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_username_lower'
down_revision = '0006_rollups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_users_username_lower', table_name='users')
