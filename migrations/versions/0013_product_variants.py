"""Product variants: a reward's choices (size, colour…) with their own stock and coin price.

`product_variants` (one row per Shopify variant, or added by an admin); cart lines and
order lines carry the chosen `variant_id` (NULL for a product without variants). A cart
holds one line per product, or per variant: the single unique constraint becomes two
partial unique indexes, because NULLs never collide in a unique constraint.

Revision ID: 0013_product_variants
Revises: 0012_promo_codes
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0013_product_variants'
down_revision = '0012_promo_codes'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    op.create_table('product_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('options', JSON, nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('coin_price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('position', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('shopify_variant_id', sa.String(length=64), nullable=True),
    sa.Column('price_set_by_admin', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('coin_price > 0', name=op.f('ck_product_variants_coin_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_non_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['reward_products.id'], name=op.f('fk_product_variants_product_id_reward_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('shopify_variant_id', name=op.f('uq_product_variants_shopify_variant_id'))
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cart_items_variant_id_product_variants'), 'product_variants', ['variant_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('uq_cart_items_user_id_product_id'), type_='unique')
        batch_op.create_index('uq_cart_items_user_product', ['user_id', 'product_id'], unique=True, sqlite_where=sa.text('variant_id IS NULL'), postgresql_where=sa.text('variant_id IS NULL'))
        batch_op.create_index('uq_cart_items_user_variant', ['user_id', 'variant_id'], unique=True, sqlite_where=sa.text('variant_id IS NOT NULL'), postgresql_where=sa.text('variant_id IS NOT NULL'))

    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_order_items_variant_id_product_variants'), 'product_variants', ['variant_id'], ['id'])


def downgrade():
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_column('variant_id')

    # Lines of several variants of one product cannot fit the old one-line-per-product rule.
    op.execute('DELETE FROM cart_items WHERE variant_id IS NOT NULL')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_index('uq_cart_items_user_variant')
        batch_op.drop_index('uq_cart_items_user_product')
        batch_op.create_unique_constraint(batch_op.f('uq_cart_items_user_id_product_id'), ['user_id', 'product_id'])
        batch_op.drop_constraint(batch_op.f('fk_cart_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_column('variant_id')

    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))

    op.drop_table('product_variants')
