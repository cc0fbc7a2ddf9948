"""Reads for the order pages: the member's list, the admin's filter, the packing list."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app.core.errors import NotFound
from app.core.search import any_contains
from app.extensions import db
from app.models.orders import Order
from app.models.users import User


def member_orders_statement(user_id: int) -> Select:
    """The member's own orders, unordered (the caller pages them)."""
    return select(Order).where(Order.user_id == user_id)


def member_orders_page(user_id: int, *, page: int, page_size: int) -> tuple[list[Order], int]:
    """One page of the member's orders, newest first, and how many there are in all."""
    base = member_orders_statement(user_id)
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(
        base.order_by(Order.id.desc()).limit(page_size).offset((page - 1) * page_size)
    ).scalars()
    return list(rows), total


def latest_orders(user_id: int, limit: int = 30) -> list[Order]:
    return list(
        db.session.execute(
            member_orders_statement(user_id).order_by(Order.id.desc()).limit(limit)
        ).scalars()
    )


def orders_with_members(
    status: str | None, term: str | None, *, limit: int, offset: int
) -> list[tuple[Order, User]]:
    """Orders for the admin list, newest first: by status, and `term` in code or e-mail."""
    stmt = select(Order, User).join(User, User.id == Order.user_id)
    if status:
        stmt = stmt.where(Order.status == status)
    if term:
        stmt = stmt.where(any_contains(term, Order.order_code, User.email))
    rows = db.session.execute(stmt.order_by(Order.id.desc()).limit(limit).offset(offset)).all()
    return [(order, member) for order, member in rows]


def order_with_member(code: str) -> tuple[Order, User]:
    row = db.session.execute(
        select(Order, User).join(User, User.id == Order.user_id).where(Order.order_code == code)
    ).first()
    if row is None:
        raise NotFound("No such order.")
    order, member = row
    return order, member


def orders_to_pack() -> list[Order]:
    """Everything in `processing`, oldest first: what the warehouse packs next."""
    return list(
        db.session.execute(
            select(Order).where(Order.status == "processing").order_by(Order.id)
        ).scalars()
    )
