"""Rewards: the catalogue with live search, a product page, the cart and checkout."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import Length, Optional

from app.accounts import profile
from app.backoffice import events
from app.backoffice.settings import get_settings
from app.catalog import browse as catalogue
from app.core.errors import (
    DomainError,
    EmailNotVerified,
    InsufficientCoins,
    OutOfStock,
    ValidationFailed,
)
from app.core.request_values import INT_MAX, OutOfRange, form_int, is_htmx, parse_int, query_int
from app.orders import cart as cart_service
from app.orders import promo_codes
from app.web import bp
from app.web.forms import AddressFields, apply_errors
from app.web.rendering import CART_CHANGED, render_page, safe_next
from app.web.wishlist import product_extras

NEW_ADDRESS = "new"


@bp.get("/rewards")
@login_required
def rewards() -> ResponseReturnValue:
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


def _in_cart(product_id: int) -> int:
    return sum(
        line.quantity
        for line in cart_service.get(current_user.id).lines
        if line.product.id == product_id
    )


def _render_product(
    product_id: int,
    *,
    status: int = 200,
    variant_error: str | None = None,
    chosen: int | None = None,
) -> Response:
    item = catalogue.active_product(product_id)
    return render_page(
        "web/product.html",
        status=status,
        product=item,
        in_cart=_in_cart(item.id),
        balance=current_user.wallet.available_coins,
        max_quantity=cart_service.MAX_QUANTITY,
        steps_per_coin=get_settings().steps_per_coin,
        variant_error=variant_error,
        chosen_variant=chosen,
        **product_extras(current_user.id, item.id),
    )


@bp.get("/rewards/<int:product_id>")
@login_required
def product(product_id: int) -> ResponseReturnValue:
    events.record(events.REWARD_VIEWED, current_user.id, {"product_id": product_id})
    return _render_product(product_id)


def _quantity(default: int = 1) -> int:
    try:
        quantity = form_int("quantity") if request.form.get("quantity") else default
    except OutOfRange:
        quantity = None
    if quantity is None:
        raise ValidationFailed("Choose a quantity of 1 or more.", details=[{"field": "quantity"}])
    return quantity


def _variant_id() -> int | None:
    """The chosen variant from the form; an unusable value is "not a known variant" (0)."""
    if not request.form.get("variant_id"):
        return None
    try:
        return form_int("variant_id") or 0
    except OutOfRange:
        return 0


@bp.post("/cart/add/<int:product_id>")
@login_required
def add_to_cart(product_id: int) -> ResponseReturnValue:
    variant_id = _variant_id()
    try:
        quantity = cart_service.add(current_user.id, product_id, _quantity(), variant_id=variant_id)
    except DomainError as exc:
        if is_htmx() or not any(d.get("field") == "variant_id" for d in exc.details):
            raise
        # Without JavaScript: the page again, the message next to the choices.
        return _render_product(
            product_id, status=exc.status, variant_error=exc.message, chosen=variant_id
        )
    item = catalogue.active_product(product_id)
    events.record(events.ADDED_TO_CART, current_user.id, {"product_id": item.id})
    if request.form.get("then") == "checkout":
        return redirect(url_for("web.checkout"))
    if is_htmx():
        return render_page(
            "web/product.html",
            "added",
            triggers=(CART_CHANGED,),
            product=item,
            in_cart=_in_cart(item.id),
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
def cart() -> ResponseReturnValue:
    return render_page("web/cart.html", "cart_body", **_cart_context())


@bp.post("/cart/<int:product_id>/quantity")
@login_required
def set_cart_quantity(product_id: int) -> ResponseReturnValue:
    cart_service.set_quantity(current_user.id, product_id, _quantity(), variant_id=_variant_id())
    if is_htmx():
        return render_page(
            "web/cart.html", "cart_body", triggers=(CART_CHANGED,), **_cart_context()
        )
    return redirect(url_for("web.cart"))


@bp.post("/cart/<int:product_id>/remove")
@login_required
def remove_from_cart(product_id: int) -> ResponseReturnValue:
    cart_service.remove(current_user.id, product_id, variant_id=_variant_id())
    if is_htmx():
        return render_page(
            "web/cart.html", "cart_body", triggers=(CART_CHANGED,), **_cart_context()
        )
    flash("Removed from your cart.", "info")
    return redirect(url_for("web.cart"))


class CheckoutForm(AddressFields, FlaskForm):
    """Either a saved address (its id) or `new` with the address fields."""

    address_id = RadioField("Ship to", validate_choice=False)
    save_address = BooleanField("Save this address for next time", default=True)
    promo_code = StringField("Promo code", validators=[Optional(), Length(max=32)])


def _discount(form: CheckoutForm) -> promo_codes.Discount | None:
    """What the typed code takes off the cart now; its refusal goes next to the field."""
    typed = (form.promo_code.data or "").strip()
    if not typed or form.promo_code.errors:
        return None
    try:
        return promo_codes.preview_discount(
            current_user.id, typed, cart_service.get(current_user.id).total
        )
    except promo_codes.PromoCodeRejected as exc:
        form.promo_code.errors = [*form.promo_code.errors, exc.message]
        return None


def _render_checkout(
    form: CheckoutForm, *, status: int = 200, problem: str | None = None
) -> Response:
    saved = profile.addresses(current_user.id)
    discount = _discount(form)
    if form.promo_code.errors and status == 200:
        status = 422
    return render_page(
        "web/checkout.html",
        status=status,
        form=form,
        addresses=saved,
        problem=problem,
        problem_in_cart=status == 409,
        new_address=NEW_ADDRESS,
        discount=discount,
        **_cart_context(),
    )


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout() -> ResponseReturnValue:
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
    if request.form.get("action") == "apply_code":
        # "Apply": show the discounted total (or why not); nothing is ordered yet.
        return _render_checkout(form)
    choice = form.address_id.data or (str(saved[0].id) if saved else NEW_ADDRESS)
    promo_code = (form.promo_code.data or "").strip() or None
    try:
        if choice == NEW_ADDRESS:
            order = cart_service.checkout(
                current_user.id,
                new_address=form.address(),
                save_address=bool(form.save_address.data),
                promo_code=promo_code,
            )
        else:
            try:
                address_id = parse_int(choice, limit=INT_MAX)
            except OutOfRange:
                address_id = None
            if address_id is None or address_id < 1:
                raise ValidationFailed("Choose where to ship your order.")
            order = cart_service.checkout(
                current_user.id, address_id=address_id, promo_code=promo_code
            )
    except promo_codes.PromoCodeRejected:
        # Shown next to the field by the preview the page re-runs.
        return _render_checkout(form, status=422)
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
    return redirect(url_for("web.order_detail", code=order.order_code))
