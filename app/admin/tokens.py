"""Personal access tokens for the admin API: create (shown once), list with last use, revoke."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

# types-WTForms (3.2) predates SelectChoice, added in WTForms 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length

from app.admin import bp
from app.backoffice import admin_tokens
from app.core.errors import ValidationFailed
from app.models.base import utcnow
from app.web.second_factor import recent_second_factor


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            InputRequired("Name the token after the script that uses it."),
            Length(max=admin_tokens.MAX_NAME),
        ],
    )
    scope = SelectField(
        "Scope",
        choices=[
            SelectChoice("read", "read: look only"),
            SelectChoice("write", "write: also act (review, adjust, ban)"),
        ],
        default="read",
    )
    expires_in_days = SelectField(
        "Expires after",
        choices=[SelectChoice(str(d), f"{d} days") for d in admin_tokens.EXPIRY_CHOICES],
        default="30",
    )


def _page(form: TokenForm, *, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "admin/tokens.html",
            form=form,
            tokens=admin_tokens.list_tokens(current_user.id),
            secret=secret,
            now=utcnow(),
        ),
        status,
    )


@bp.get("/tokens")
def tokens() -> ResponseReturnValue:
    return _page(TokenForm())


@bp.post("/tokens")
@recent_second_factor
def token_create() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate():
        return _page(form, status=422)
    assert form.name.data is not None  # InputRequired passed
    try:
        created = admin_tokens.create_token(
            current_user.id, form.name.data, form.scope.data, int(form.expires_in_days.data)
        )
    except ValidationFailed as exc:
        field = (exc.details or [{}])[0].get("field", "name")
        getattr(form, field, form.name).errors = [exc.message]
        return _page(form, status=422)
    # Rendered, not redirected: the secret exists only in this answer.
    return _page(TokenForm(formdata=None), secret=created.secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int) -> ResponseReturnValue:
    token = admin_tokens.revoke_token(token_id, admin_id=current_user.id)
    flash(f"Token “{token.name}” is revoked; scripts using it now get 401.", "info")
    return redirect(url_for("admin.tokens"))
