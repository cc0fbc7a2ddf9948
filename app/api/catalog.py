"""The reward catalogue and the member's orders."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response
from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_member
from app.api.members import run_idempotent
from app.api.operations import operation, reply
from app.api.pagination import keyset_page, page_of
from app.api.schemas import (
    CartItemIn,
    CartLineOut,
    CartOut,
    OrderIn,
    OrderItemOut,
    OrderOut,
    OrdersOut,
    PageQuery,
    ProductDetailOut,
    ProductOut,
    ProductsOut,
    ProductsQuery,
    VariantOptionOut,
    VariantOut,
)
from app.catalog import browse as catalogue
from app.core import idempotency
from app.models.orders import Order
from app.orders import cart, orders, promo_codes
from app.orders import queries as order_queries


@operation(
    bp,
    "GET",
    "/products",
    summary="Active reward products: search, category filter, cursor pagination",
    query=ProductsQuery,
    responses={200: ProductsOut},
    tags=["catalogue"],
)
def list_products(query: ProductsQuery) -> ResponseReturnValue:
    page, next_cursor = page_of(
        lambda after_id, count: catalogue.product_listing(
            query.q, query.category, after_id=after_id, limit=count
        ),
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(
        ProductsOut(
            items=[ProductOut(**asdict(product)) for product in page],
            next_cursor=next_cursor,
        )
    )


@operation(
    bp,
    "GET",
    "/products/<int:product_id>",
    summary="One active reward product with its variants (the choices to pick one of)",
    responses={200: ProductDetailOut},
    errors=(404,),
    tags=["catalogue"],
)
def get_product(product_id: int) -> tuple[Response, int]:
    p = catalogue.active_product(product_id)
    return reply(
        ProductDetailOut(
            **asdict(catalogue.listed(p)),
            description=p.description,
            variants=[
                VariantOut(
                    id=v.id,
                    title=v.title,
                    options=[VariantOptionOut(**option) for option in v.options],
                    coin_price=v.coin_price,
                    in_stock=v.in_stock,
                )
                for v in p.active_variants
            ],
        )
    )


def cart_out(user_id: int) -> CartOut:
    current = cart.get(user_id)
    return CartOut(
        items=[
            CartLineOut(
                product_id=line.product.id,
                variant_id=line.variant_id,
                title=line.product.title,
                variant_title=line.variant.title if line.variant is not None else None,
                quantity=line.quantity,
                coin_price=line.unit_price,
                subtotal=line.subtotal,
                problem=line.problem,
            )
            for line in current.lines
        ],
        total_coins=current.total,
    )


@operation(
    bp,
    "GET",
    "/cart",
    summary="The member's cart (kept on the server, shared with the website)",
    responses={200: CartOut},
    tags=["orders"],
)
def get_cart() -> tuple[Response, int]:
    return reply(cart_out(current_member().id))


@operation(
    bp,
    "POST",
    "/cart/items",
    summary="Put a reward in the cart; a product with variants needs an in-stock variant_id "
    "(422 when missing or not one of the product's, 409 when out of stock)",
    body=CartItemIn,
    responses={201: CartOut},
    errors=(404, 409),
    tags=["orders"],
)
def add_cart_item(body: CartItemIn) -> tuple[Response, int]:
    user = current_member()
    cart.add(user.id, body.product_id, body.quantity, variant_id=body.variant_id)
    return reply(cart_out(user.id), 201)


def order_out(order: Order) -> OrderOut:
    discount = promo_codes.order_discount(order.id)
    return OrderOut(
        order_code=order.order_code,
        status=order.status,
        total_coins=order.total_coins,
        promo_code=discount.code if discount else None,
        discount_coins=discount.coins_off if discount else 0,
        items=[
            OrderItemOut(
                product_id=item.product_id,
                title=item.product_snapshot.get("title", ""),
                quantity=item.quantity,
                coin_price=item.coin_price_at_purchase,
                variant_id=item.variant_id,
                variant_title=item.product_snapshot.get("variant"),
            )
            for item in order.items
        ],
        created_at=order.created_at,
        tracking_number=order.tracking_number,
        shipping_address=order.shipping_address,
    )


@operation(
    bp,
    "POST",
    "/orders",
    summary="Redeem coins: reserves stock and freezes the coins until shipment "
    "(403 email_not_verified until the member confirms the e-mail address)",
    body=OrderIn,
    responses={201: OrderOut},
    errors=(403, 404, 409),
    idempotent=True,
    tags=["orders"],
)
def place_order(body: OrderIn) -> ResponseReturnValue:
    user = current_member()

    def work() -> idempotency.Answer:
        order = orders.place_order(
            user.id,
            [(line.product_id, line.quantity, line.variant_id) for line in body.items],
            address_id=body.address_id,
            shipping_address=body.shipping_address.model_dump() if body.shipping_address else None,
            promo_code=body.promo_code,
        )
        return idempotency.Answer(201, order_out(order).model_dump(mode="json"))

    return run_idempotent(work)


@operation(
    bp,
    "GET",
    "/orders",
    summary="The member's own orders, newest first",
    query=PageQuery,
    responses={200: OrdersOut},
    tags=["orders"],
)
def list_orders(query: PageQuery) -> ResponseReturnValue:
    user = current_member()
    page, next_cursor = keyset_page(
        order_queries.member_orders_statement(user.id),
        Order.id,
        limit=query.limit,
        cursor=query.cursor,
        newest_first=True,
    )
    return reply(
        OrdersOut(
            items=[order_out(o) for o in page],
            next_cursor=next_cursor,
        )
    )


@operation(
    bp,
    "GET",
    "/orders/<code>",
    summary="One of the member's orders",
    responses={200: OrderOut},
    errors=(404,),
    tags=["orders"],
)
def get_order(code: str) -> ResponseReturnValue:
    return reply(order_out(orders.member_order(current_member().id, code)))


@operation(
    bp,
    "POST",
    "/orders/<code>/cancel",
    summary="Cancel a pending or processing order: coins released, stock restored",
    responses={200: OrderOut},
    errors=(404, 409),
    tags=["orders"],
)
def cancel_order(code: str) -> ResponseReturnValue:
    order = orders.cancel_by_member(current_member().id, code)
    return reply(order_out(order))
