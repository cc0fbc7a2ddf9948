"""The member's orders: the list, one order's timeline, and cancelling while allowed."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core.request_values import INT_MAX, query_int
from app.models.orders import Order
from app.orders import orders as order_service
from app.orders import promo_codes
from app.orders import queries as order_queries
from app.web import bp
from app.web.rendering import render_page

PAGE_SIZE = 20
STATUS_WORDS = {
    "pending": "Placed",
    "processing": "Being packed",
    "shipped": "On its way",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}


def timeline(order: Order) -> list[dict]:
    """The steps an order went through, and the ones still ahead of it."""
    done = [
        ("Placed", order.created_at, f"{order.total_coins:,} coins held for this order."),
        ("Being packed", order.processing_at, None),
        (
            "Shipped",
            order.shipped_at,
            f"Tracking number {order.tracking_number}." if order.tracking_number else None,
        ),
        ("Delivered", order.delivered_at, None),
    ]
    steps = [
        {"label": label, "at": at, "note": note, "done": at is not None} for label, at, note in done
    ]
    if order.cancelled_at is not None:
        steps = [s for s in steps if s["done"]]
        steps.append(
            {
                "label": "Cancelled",
                "at": order.cancelled_at,
                "note": f"{order.total_coins:,} coins went back to your wallet.",
                "done": True,
            }
        )
    if order.refunded_at is not None:
        steps = [s for s in steps if s["done"]]
        steps.append(
            {
                "label": "Refunded",
                "at": order.refunded_at,
                "note": f"{order.total_coins:,} coins went back to your wallet.",
                "done": True,
            }
        )
    return steps


@bp.get("/orders")
@login_required
def orders() -> ResponseReturnValue:
    page = query_int("page", 1, minimum=1, limit=INT_MAX)
    rows, total = order_queries.member_orders_page(current_user.id, page=page, page_size=PAGE_SIZE)
    return render_page(
        "web/orders.html",
        orders=rows,
        page=page,
        has_more=page * PAGE_SIZE < total,
        status_words=STATUS_WORDS,
    )


@bp.get("/orders/<code>")
@login_required
def order_detail(code: str) -> ResponseReturnValue:
    order = order_service.member_order(current_user.id, code)
    return render_page(
        "web/order.html",
        order=order,
        timeline=timeline(order),
        status_words=STATUS_WORDS,
        cancellable=order.status in order_service.MEMBER_CANCELLABLE,
        discount=promo_codes.order_discount(order.id),
    )


@bp.post("/orders/<code>/cancel")
@login_required
def cancel_order(code: str) -> ResponseReturnValue:
    order = order_service.cancel_by_member(current_user.id, code)
    flash(
        f"Order {order.order_code} is cancelled. {order.total_coins:,} coins are back in "
        "your wallet.",
        "success",
    )
    return redirect(url_for("web.order_detail", code=order.order_code))
