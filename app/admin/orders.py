"""Orders: filter, move along the flow (SPEC §4), packing list."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.admin import bp
from app.admin.forms import arg_int, arg_str
from app.core import csv_export
from app.models.orders import ORDER_STATUSES
from app.orders import orders as order_service
from app.orders import promo_codes
from app.orders import queries as order_queries

PAGE_SIZE = 50
ACTIONS = {
    "processing": "Start processing",
    "shipped": "Ship",
    "delivered": "Mark delivered",
    "cancelled": "Cancel (release coins, restock)",
    "refunded": "Refund (coins back)",
}


@bp.get("/orders")
def orders() -> ResponseReturnValue:
    status = request.args.get("status")
    status = status if status in ORDER_STATUSES else None
    term = arg_str("q")
    offset = arg_int("offset", minimum=0) or 0
    rows = order_queries.orders_with_members(status, term, limit=PAGE_SIZE, offset=offset)
    return render_template(
        "admin/orders.html",
        rows=rows,
        status=status,
        q=term or "",
        statuses=ORDER_STATUSES,
        offset=offset,
        page_size=PAGE_SIZE,
        transitions=order_service.TRANSITIONS,
        actions=ACTIONS,
    )


@bp.get("/orders/<code>")
def order_detail(code: str) -> ResponseReturnValue:
    order, member = order_queries.order_with_member(code)
    return render_template(
        "admin/order_detail.html",
        order=order,
        member=member,
        allowed=order_service.TRANSITIONS[order.status],
        actions=ACTIONS,
        discount=promo_codes.order_discount(order.id),
    )


@bp.post("/orders/<code>/status")
def order_status(code: str) -> ResponseReturnValue:
    new_status = request.form.get("status", "")
    order = order_service.change_status(
        code,
        new_status,
        admin_id=current_user.id,
        tracking_number=request.form.get("tracking_number"),
        note=(request.form.get("note") or "").strip() or None,
    )
    flash(f"Order {order.order_code} is now {order.status}.", "info")
    return redirect(request.referrer or url_for("admin.order_detail", code=code))


@bp.get("/orders/packing-list.csv")
def packing_list() -> ResponseReturnValue:
    """Everything in `processing`: one line per item, ready for the warehouse."""
    rows = order_queries.orders_to_pack()
    fields = order_service.ADDRESS_FIELDS
    lines = (
        [
            order.order_code,
            *((order.shipping_address or {}).get(field) or "" for field in fields),
            item.product_snapshot.get("title", ""),
            item.product_snapshot.get("variant") or "",
            item.product_snapshot.get("sku") or "",
            item.quantity,
        ]
        for order in rows
        for item in order.items
    )
    return Response(
        csv_export.csv_text(
            ["order_code", *fields, "product", "variant", "sku", "quantity"], lines
        ),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=packing-list.csv"},
    )
