"""Settings: profile, privacy, addresses, download my data, delete my account.

Each form posts to its own URL; on a mistake the whole page comes back with that form's
errors and what was typed, the other forms as they were.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Response, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.accounts import profile
from app.core.errors import ValidationFailed
from app.web import bp
from app.web.forms import AddressFields, apply_errors, timezone_choices
from app.web.rendering import render_page


class ProfileForm(FlaskForm):
    full_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(
        "Time zone",
        validate_choice=False,
        description="Your days (and their step totals) start at midnight here.",
    )


class PrivacyForm(FlaskForm):
    leaderboard_hidden = BooleanField("Hide me from the leaderboards")
    show_full_name = BooleanField("Show my full name on leaderboards (instead of “Mia M.”)")


class EmailsForm(FlaskForm):
    order_emails = BooleanField(
        "E-mail me when an order is placed, shipped, delivered, cancelled or refunded"
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=256)],
        description=(
            "At least 8 characters; not a common password, your e-mail or your name. "
            "Other devices will be signed out."
        ),
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class AddressForm(AddressFields, FlaskForm):
    class Meta:
        csrf = False  # prefixed form: the app-wide CSRFProtect checks the plain csrf_token

    label = StringField("Label (optional)", validators=[Optional(), Length(max=40)])
    make_default = BooleanField("Make this my default address")


class DeleteAccountForm(FlaskForm):
    class Meta:
        csrf = False  # prefixed form: the app-wide CSRFProtect checks the plain csrf_token

    password = PasswordField("Your password", validators=[DataRequired()])
    confirm = BooleanField(
        "I understand: my account and personal data are removed for good.",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )


def _zone_choices() -> list[tuple[str, str]]:
    choices = timezone_choices()
    if current_user.timezone not in {value for value, _ in choices}:
        choices = [(current_user.timezone, current_user.timezone), *choices]
    return choices


def render_settings(status: int = 200, **forms: FlaskForm) -> Response:
    """The settings page; forms passed in (with their errors) replace the fresh ones."""
    profile_form = forms.get("profile_form") or ProfileForm(
        formdata=None, full_name=current_user.full_name, timezone=current_user.timezone
    )
    profile_form.timezone.choices = _zone_choices()
    privacy_form = forms.get("privacy_form") or PrivacyForm(
        formdata=None,
        leaderboard_hidden=current_user.leaderboard_hidden,
        show_full_name=current_user.show_full_name,
    )
    emails_form = forms.get("emails_form") or EmailsForm(
        formdata=None, order_emails=current_user.order_emails
    )
    return render_page(
        "web/settings.html",
        status=status,
        profile_form=profile_form,
        privacy_form=privacy_form,
        emails_form=emails_form,
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        address_form=forms.get("address_form")
        or AddressForm(formdata=None, prefix="address", recipient_name=current_user.full_name),
        delete_form=forms.get("delete_form") or DeleteAccountForm(formdata=None, prefix="delete"),
        addresses=profile.addresses(current_user.id),
    )


@bp.get("/settings")
@login_required
def settings() -> ResponseReturnValue:
    return render_settings()


@bp.post("/settings/profile")
@login_required
def update_profile() -> ResponseReturnValue:
    form = ProfileForm()
    form.timezone.choices = _zone_choices()
    if form.validate_on_submit():
        try:
            profile.update_profile(current_user, form.full_name.data or "", form.timezone.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("web.settings") + "#profile")
    return render_settings(422, profile_form=form)


@bp.post("/settings/privacy")
@login_required
def update_privacy() -> ResponseReturnValue:
    form = PrivacyForm()
    if form.validate_on_submit():
        profile.set_privacy(
            current_user,
            hidden=bool(form.leaderboard_hidden.data),
            show_full_name=bool(form.show_full_name.data),
        )
        flash("Your leaderboard privacy is saved.", "success")
        return redirect(url_for("web.settings") + "#privacy")
    return render_settings(422, privacy_form=form)


@bp.post("/settings/emails")
@login_required
def update_emails() -> ResponseReturnValue:
    form = EmailsForm()
    if form.validate_on_submit():
        profile.set_order_emails(current_user, enabled=bool(form.order_emails.data))
        flash(
            "Order e-mails are on." if form.order_emails.data else "Order e-mails are off.",
            "success",
        )
        return redirect(url_for("web.settings") + "#emails")
    return render_settings(422, emails_form=form)


@bp.post("/settings/addresses")
@login_required
def add_address() -> ResponseReturnValue:
    form = AddressForm(prefix="address")
    if form.validate_on_submit():
        try:
            profile.add_address(
                current_user.id,
                form.address(),
                label=form.label.data,
                make_default=bool(form.make_default.data),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash("Address saved.", "success")
            return redirect(url_for("web.settings") + "#addresses")
    return render_settings(422, address_form=form)


@bp.post("/settings/addresses/<int:address_id>/default")
@login_required
def make_default_address(address_id: int) -> ResponseReturnValue:
    profile.set_default_address(current_user.id, address_id)
    flash("Default address changed.", "success")
    return redirect(url_for("web.settings") + "#addresses")


@bp.post("/settings/addresses/<int:address_id>/delete")
@login_required
def delete_address(address_id: int) -> ResponseReturnValue:
    profile.delete_address(current_user.id, address_id)
    flash("Address deleted. Orders already placed keep their own copy.", "info")
    return redirect(url_for("web.settings") + "#addresses")


@bp.get("/settings/export")
@login_required
def export_data() -> ResponseReturnValue:
    body = json.dumps(profile.export_data(current_user), indent=2, ensure_ascii=False)
    filename = f"fitkart-my-data-{date.today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/settings/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    form = DeleteAccountForm(prefix="delete")
    if form.validate_on_submit():
        try:
            profile.delete_account(current_user, form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            logout_user()
            flash("Your account is deleted. Thank you for walking with us.", "info")
            return redirect(url_for("web.landing"))
    return render_settings(422, delete_form=form)
