"""The reward catalogue and the member's orders."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_member
from app.api.members import run_idempotent
from app.api.operations import operation, reply
from app.api.pagination import keyset_page
from app.api.schemas import (
    OrderIn,
    OrderItemOut,
    OrderOut,
    OrdersOut,
    PageQuery,
    ProductOut,
    ProductsOut,
    ProductsQuery,
)
from app.catalog.browse import matching_products
from app.core import idempotency
from app.models.catalog import RewardProduct
from app.models.orders import Order
from app.orders import orders, promo_codes
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
    page, next_cursor = keyset_page(
        matching_products(query.q, query.category),
        RewardProduct.id,
        limit=query.limit,
        cursor=query.cursor,
        newest_first=False,
    )
    return reply(
        ProductsOut(
            items=[
                ProductOut(
                    id=p.id,
                    title=p.title,
                    category=p.category,
                    coin_price=p.coin_price,
                    in_stock=p.in_stock,
                    image_url=p.image_url,
                )
                for p in page
            ],
            next_cursor=next_cursor,
        )
    )


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
            [(line.product_id, line.quantity) for line in body.items],
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
