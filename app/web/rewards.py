"""Rewards: the catalogue with live search, a product page, the cart and checkout."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from app.accounts import profile
from app.backoffice import events
from app.backoffice.settings import get_settings
from app.catalog import browse as catalogue
from app.core.errors import (
    EmailNotVerified,
    InsufficientCoins,
    OutOfStock,
    ValidationFailed,
)
from app.core.request_values import INT_MAX, OutOfRange, form_int, parse_int, query_int
from app.orders import cart as cart_service
from app.web import bp
from app.web.forms import AddressFields, apply_errors
from app.web.rendering import CART_CHANGED, WALLET_CHANGED, render_page, safe_next
from app.web.wishlist import product_extras

NEW_ADDRESS = "new"


@bp.get("/rewards")
@login_required
def rewards():
    query = (request.args.get("q") or "").strip()[: catalogue.MAX_QUERY]
    category = (request.args.get("category") or "").strip()
    page_number = query_int("page", 1, minimum=1, limit=INT_MAX)
    results = catalogue.search(query, category or None, page=page_number)
    return render_page(
        "web/rewards.html",
        "results",
        results=results,
        query=query,
        category=category,
        categories=catalogue.categories(),
        balance=current_user.wallet.available_coins,
    )


@bp.get("/rewards/<int:product_id>")
@login_required
def product(product_id: int):
    item = catalogue.active_product(product_id)
    events.record(events.REWARD_VIEWED, current_user.id, {"product_id": item.id})
    in_cart = next(
        (
            line.quantity
            for line in cart_service.get(current_user.id).lines
            if line.product.id == item.id
        ),
        0,
    )
    return render_page(
        "web/product.html",
        product=item,
        in_cart=in_cart,
        balance=current_user.wallet.available_coins,
        max_quantity=cart_service.MAX_QUANTITY,
        steps_per_coin=get_settings().steps_per_coin,
        **product_extras(current_user.id, item.id),
    )


def _quantity(default: int = 1) -> int:
    try:
        quantity = form_int("quantity") if request.form.get("quantity") else default
    except OutOfRange:
        quantity = None
    if quantity is None:
        raise ValidationFailed("Choose a quantity of 1 or more.", details=[{"field": "quantity"}])
    return quantity


@bp.post("/cart/add/<int:product_id>")
@login_required
def add_to_cart(product_id: int):
    quantity = cart_service.add(current_user.id, product_id, _quantity())
    item = catalogue.active_product(product_id)
    events.record(events.ADDED_TO_CART, current_user.id, {"product_id": item.id})
    if request.form.get("then") == "checkout":
        return redirect(url_for("web.checkout"))
    if request.htmx:
        return render_page(
            "web/product.html",
            "added",
            triggers=(CART_CHANGED,),
            product=item,
            in_cart=quantity,
        )
    flash(f"“{item.title}” is in your cart ({quantity}).", "success")
    return redirect(safe_next(request.form.get("back"), default="web.cart"))


def _cart_context() -> dict:
    current = cart_service.get(current_user.id)
    balance = current_user.wallet.available_coins
    return {
        "cart": current,
        "balance": balance,
        "shortfall": max(0, current.total - balance),
        "max_quantity": cart_service.MAX_QUANTITY,
    }


@bp.get("/cart")
@login_required
def cart():
    return render_page("web/cart.html", "cart_body", **_cart_context())


@bp.post("/cart/<int:product_id>/quantity")
@login_required
def set_cart_quantity(product_id: int):
    cart_service.set_quantity(current_user.id, product_id, _quantity())
    if request.htmx:
        return render_page(
            "web/cart.html", "cart_body", triggers=(CART_CHANGED,), **_cart_context()
        )
    return redirect(url_for("web.cart"))


@bp.post("/cart/<int:product_id>/remove")
@login_required
def remove_from_cart(product_id: int):
    cart_service.remove(current_user.id, product_id)
    if request.htmx:
        return render_page(
            "web/cart.html", "cart_body", triggers=(CART_CHANGED,), **_cart_context()
        )
    flash("Removed from your cart.", "info")
    return redirect(url_for("web.cart"))


class CheckoutForm(AddressFields, FlaskForm):
    """Either a saved address (its id) or `new` with the address fields."""

    address_id = RadioField("Ship to", validate_choice=False)
    save_address = BooleanField("Save this address for next time", default=True)


def _render_checkout(form: CheckoutForm, *, status: int = 200, problem: str | None = None):
    saved = profile.addresses(current_user.id)
    return render_page(
        "web/checkout.html",
        status=status,
        form=form,
        addresses=saved,
        problem=problem,
        problem_in_cart=status == 409,
        new_address=NEW_ADDRESS,
        **_cart_context(),
    )


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout():
    form = CheckoutForm()
    saved = profile.addresses(current_user.id)
    if request.method == "GET":
        if cart_service.get(current_user.id).is_empty:
            flash("Your cart is empty. Pick a reward first.", "info")
            return redirect(url_for("web.rewards"))
        form.address_id.data = str(saved[0].id) if saved else NEW_ADDRESS
        form.recipient_name.data = current_user.full_name
        events.record(events.CHECKOUT_STARTED, current_user.id)
        return _render_checkout(form)
    if not form.validate_on_submit():
        return _render_checkout(form, status=422)
    choice = form.address_id.data or (str(saved[0].id) if saved else NEW_ADDRESS)
    try:
        if choice == NEW_ADDRESS:
            order = cart_service.checkout(
                current_user.id,
                new_address=form.address(),
                save_address=bool(form.save_address.data),
            )
        else:
            try:
                address_id = parse_int(choice, limit=INT_MAX)
            except OutOfRange:
                address_id = None
            if address_id is None or address_id < 1:
                raise ValidationFailed("Choose where to ship your order.")
            order = cart_service.checkout(current_user.id, address_id=address_id)
    except EmailNotVerified as exc:
        return _render_checkout(form, status=403, problem=exc.message)
    except InsufficientCoins as exc:
        message = (
            f"Not enough coins: this order needs {exc.needed:,} and you have "
            f"{exc.available:,}. Remove something, or walk a little more first."
        )
        return _render_checkout(form, status=409, problem=message)
    except OutOfStock as exc:
        return _render_checkout(
            form, status=409, problem=f"{exc.message} Lower the quantity in your cart."
        )
    except ValidationFailed as exc:
        if any(d.get("field") == "cart" for d in exc.details):
            flash(exc.message, "info")
            return redirect(url_for("web.cart"))
        apply_errors(form, exc)
        return _render_checkout(form, status=422, problem=exc.message)
    flash(
        f"Order {order.order_code} is placed: {order.total_coins:,} coins are held until it ships.",
        "success",
    )
    response = redirect(url_for("web.order_detail", code=order.order_code))
    response.headers["HX-Trigger"] = f"{CART_CHANGED}, {WALLET_CHANGED}"
    return response
