"""Writing a review of a delivered reward, and reporting someone else's."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField

# types-WTForms (3.2) predates SelectChoice, added in WTForms 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length

from app.catalog import browse, reviews
from app.core.errors import Forbidden, ValidationFailed
from app.models.shop import REPORT_REASON_MAX_CHARS, REVIEW_MAX_CHARS
from app.web import bp
from app.web.forms import apply_errors
from app.web.rendering import render_page

RATING_CHOICES = [SelectChoice(str(n), f"{n} star{'' if n == 1 else 's'}") for n in range(5, 0, -1)]


class ReviewForm(FlaskForm):
    rating = RadioField(
        "Your rating",
        choices=RATING_CHOICES,
        validators=[InputRequired("Choose 1 to 5 stars.")],
    )
    body = TextAreaField(
        "Your review (optional)",
        validators=[
            Length(max=REVIEW_MAX_CHARS, message=f"At most {REVIEW_MAX_CHARS} characters.")
        ],
    )


class ReportForm(FlaskForm):
    reason = StringField(
        "What is wrong with it?",
        validators=[Length(max=REPORT_REASON_MAX_CHARS)],
    )


@bp.route("/rewards/<int:product_id>/review", methods=["GET", "POST"])
@login_required
def review_form(product_id: int) -> ResponseReturnValue:
    product = browse.active_product(product_id)
    mine = reviews.my_review(current_user.id, product_id)
    if mine is None and not reviews.has_received(current_user.id, product_id):
        raise Forbidden("You can review a reward once an order of it has been delivered to you.")
    form = ReviewForm()
    if not form.is_submitted() and mine is not None:
        form.rating.data, form.body.data = str(mine.rating), mine.body
    status = 200
    if form.validate_on_submit():
        try:
            _, created = reviews.save_review(
                current_user.id, product_id, int(form.rating.data), form.body.data
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash("Thanks for your review." if created else "Your review is updated.", "success")
            return redirect(url_for("web.product", product_id=product_id) + "#reviews")
    if form.is_submitted():
        status = 422
    return render_page(
        "web/review_form.html", status=status, form=form, product=product, my_review=mine
    )


@bp.post("/reviews/<int:review_id>/report")
@login_required
def review_report(review_id: int) -> ResponseReturnValue:
    form = ReportForm()
    if not form.validate_on_submit():
        raise ValidationFailed(form.reason.errors[0] if form.reason.errors else "Try again.")
    product_id = reviews.report_product_id(review_id)
    if reviews.report(current_user.id, review_id, form.reason.data):
        flash("Thanks: a moderator will look at this review.", "success")
    else:
        flash("You have already reported this review.", "info")
    return redirect(url_for("web.product", product_id=product_id) + "#reviews")
