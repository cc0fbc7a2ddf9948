"""Promo codes: the list with usage, creating one, pausing and resuming."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField

# types-WTForms (3.2) predates SelectChoice, added in WTForms 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length, Optional

from app.admin import bp
from app.admin.forms import back_to
from app.core.errors import DomainError
from app.orders import promo_codes
from app.web.forms import apply_errors


class PromoCodeForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired(), Length(max=32)])
    kind = SelectField(
        "What it does",
        choices=[SelectChoice(value, label) for value, label in promo_codes.KIND_LABELS.items()],
        default="coins",
    )
    value = IntegerField("Value", validators=[InputRequired(message="Enter a whole number.")])
    starts_on = DateField("Valid from (UTC)", validators=[Optional()])
    ends_on = DateField("Valid until, inclusive (UTC)", validators=[Optional()])
    max_uses = IntegerField("Total uses", validators=[Optional()])
    max_uses_per_member = IntegerField("Uses per member", validators=[Optional()], default=1)
    min_order_coins = IntegerField("Minimum order (coins)", validators=[Optional()], default=0)
    first_order_only = BooleanField("Only for a member's first order")


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _values(form: PromoCodeForm) -> dict:
    return {
        "code": form.code.data,
        "kind": form.kind.data,
        "value": form.value.data,
        "starts_at": _start(form.starts_on.data),
        # Inclusive end day: the code works until that day's midnight UTC.
        "ends_at": _start(form.ends_on.data + timedelta(days=1)) if form.ends_on.data else None,
        "max_uses": form.max_uses.data,
        "max_uses_per_member": form.max_uses_per_member.data,
        "min_order_coins": form.min_order_coins.data,
        "first_order_only": bool(form.first_order_only.data),
    }


# The domain names datetimes; the form has days.
FIELD_NAMES = {"starts_at": "starts_on", "ends_at": "ends_on"}


@bp.get("/promo-codes")
def promo_codes_list() -> ResponseReturnValue:
    return render_template(
        "admin/promo_codes.html",
        rows=promo_codes.list_codes(),
        kind_labels=promo_codes.KIND_LABELS,
        describe=promo_codes.describe,
        last_day=promo_codes.last_valid_day,
    )


@bp.route("/promo-codes/new", methods=["GET", "POST"])
def promo_code_new() -> ResponseReturnValue:
    form = PromoCodeForm()
    if form.validate_on_submit():
        try:
            promo = promo_codes.create_code(_values(form), admin_id=current_user.id)
        except DomainError as exc:
            for detail in exc.details:
                if detail.get("field") in FIELD_NAMES:
                    detail["field"] = FIELD_NAMES[detail["field"]]
            apply_errors(form, exc)
        else:
            flash(f"Created the promo code {promo.code} ({promo_codes.describe(promo)}).", "info")
            return redirect(url_for("admin.promo_codes_list"))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("admin/promo_code_form.html", form=form), status


@bp.post("/promo-codes/<int:code_id>/active")
def promo_code_active(code_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    promo = promo_codes.set_active(code_id, active, admin_id=current_user.id)
    flash(f"{promo.code} is {'active again' if promo.is_active else 'paused'}.", "info")
    return redirect(back_to(url_for("admin.promo_codes_list")))
