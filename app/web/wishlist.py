"""The wishlist page and its buttons, and the saving goal."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.catalog import browse, reviews, wishlist
from app.web import bp
from app.web.rendering import render_page, safe_next


def product_extras(user_id: int, product_id: int) -> dict[str, Any]:
    """What the reward page shows beyond the product: wishlist state, goal, reviews."""
    goal = wishlist.progress(user_id)
    mine = reviews.my_review(user_id, product_id)
    return {
        "wished": product_id in wishlist.wished_product_ids(user_id),
        "is_goal": goal is not None and goal.product.id == product_id,
        "review_summary": reviews.summary(product_id),
        "product_reviews": reviews.visible_reviews(product_id),
        "my_review": mine,
        "can_review": mine is not None or reviews.has_received(user_id, product_id),
    }


def _back() -> ResponseReturnValue:
    """Back where the button was (the reward page, the wishlist): works without JavaScript."""
    return redirect(safe_next(request.form.get("back"), default="web.wishlist_page"))


@bp.get("/wishlist")
@login_required
def wishlist_page() -> ResponseReturnValue:
    return render_page(
        "web/wishlist.html",
        wished=wishlist.items(current_user.id),
        goal=wishlist.progress(current_user.id),
        balance=current_user.wallet.available_coins,
    )


@bp.post("/wishlist/<int:product_id>/add")
@login_required
def wishlist_add(product_id: int) -> ResponseReturnValue:
    added = wishlist.add(current_user.id, product_id)
    title = browse.active_product(product_id).title
    flash(f"“{title}” is on your wishlist." if added else "Already on your wishlist.", "success")
    return _back()


@bp.post("/wishlist/<int:product_id>/remove")
@login_required
def wishlist_remove(product_id: int) -> ResponseReturnValue:
    wishlist.remove(current_user.id, product_id)
    flash("Removed from your wishlist.", "info")
    return _back()


@bp.post("/wishlist/<int:product_id>/goal")
@login_required
def goal_set(product_id: int) -> ResponseReturnValue:
    goal = wishlist.set_goal(current_user.id, product_id)
    if goal is not None:
        flash(f"Saving toward “{goal.product.title}”: it shows on your dashboard.", "success")
    return _back()


@bp.post("/goal/clear")
@login_required
def goal_clear() -> ResponseReturnValue:
    wishlist.clear_goal(current_user.id)
    flash("Your saving goal is cleared.", "info")
    return _back()
