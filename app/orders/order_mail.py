"""Order e-mails: placed, shipped (with tracking), delivered, cancelled and refunded.

Composed from `templates/mail/order_update.{txt,html}` when the order changes and queued in
the outbox in the same transaction (app/core/outbox.py): sent after commit, retried by a
job, never in the way of the change. Members who turned them off in /settings get the
in-app notification only.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.core import outbox
from app.core.links import external_url
from app.extensions import db
from app.models.orders import Order
from app.models.users import User
from app.orders import promo_codes

SUBJECTS = {
    "placed": "Your FitKart order {code} is placed",
    "shipped": "Your FitKart order {code} is on its way",
    "delivered": "Your FitKart order {code} has arrived",
    "cancelled": "Your FitKart order {code} is cancelled",
    "refunded": "Your FitKart order {code} is refunded",
}


def _render(template: str, context: dict[str, Any]) -> str:
    # The bare environment: no request-bound context processors (jobs change orders too).
    return current_app.jinja_env.get_template(template).render(**context)


def queue_order_mail(order: Order, event: str) -> bool:
    """Queue the e-mail for `event` on `order` (no mail for other events, or when the
    member said no). Returns whether one was queued."""
    if event not in SUBJECTS:
        return False
    member = db.session.get(User, order.user_id)
    if member is None or not member.order_emails or member.deleted_at is not None:
        return False
    context = {
        "event": event,
        "first_name": (member.full_name.split() or ["there"])[0],
        "order": order,
        "items": [
            {
                "title": item.product_snapshot.get("title", ""),
                "quantity": item.quantity,
                "coins": item.quantity * item.coin_price_at_purchase,
            }
            for item in order.items
        ],
        "discount": promo_codes.order_discount(order.id),
        "order_url": external_url("web.order_detail", code=order.order_code),
        "settings_url": external_url("web.settings") + "#emails",
    }
    outbox.queue(
        to=member.email,
        subject=SUBJECTS[event].format(code=order.order_code),
        text_body=_render("mail/order_update.txt", context),
        html_body=_render("mail/order_update.html", context),
        kind=f"order_{event}",
        reference=order.order_code,
        user_id=member.id,
    )
    return True
