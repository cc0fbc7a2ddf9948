"""Reviews moderation: the reported reviews first; hide (with a reason), unhide, keep."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.admin import bp
from app.admin.forms import arg_int, back_to
from app.catalog import reviews as review_service

PAGE_SIZE = 50


@bp.get("/reviews")
def reviews() -> ResponseReturnValue:
    show = request.args.get("show", "reported")
    show = show if show in review_service.MODERATION_FILTERS else "reported"
    offset = arg_int("offset", minimum=0) or 0
    rows, total = review_service.moderation_queue(show, limit=PAGE_SIZE, offset=offset)
    return render_template(
        "admin/reviews.html",
        rows=rows,
        total=total,
        show=show,
        filters=review_service.MODERATION_FILTERS,
        offset=offset,
        page_size=PAGE_SIZE,
    )


def _back() -> ResponseReturnValue:
    return redirect(back_to(url_for("admin.reviews")))


@bp.post("/reviews/<int:review_id>/hide")
def review_hide(review_id: int) -> ResponseReturnValue:
    review_service.hide(review_id, request.form.get("reason", ""), admin_id=current_user.id)
    flash("The review is hidden.", "info")
    return _back()


@bp.post("/reviews/<int:review_id>/unhide")
def review_unhide(review_id: int) -> ResponseReturnValue:
    review_service.unhide(review_id, admin_id=current_user.id)
    flash("The review shows again.", "info")
    return _back()


@bp.post("/reviews/<int:review_id>/keep")
def review_keep(review_id: int) -> ResponseReturnValue:
    resolved = review_service.dismiss_reports(review_id, admin_id=current_user.id)
    flash(f"Kept the review; {resolved} report{'' if resolved == 1 else 's'} closed.", "info")
    return _back()
