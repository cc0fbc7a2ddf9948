"""Settings (SPEC §5): one form, every field validated, nothing saved unless all are valid."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.widgets import NumberInput

from app.admin import bp
from app.backoffice import settings as settings_service
from app.core.errors import ValidationFailed
from app.web.second_factor import recent_second_factor

# One text field per setting; the settings service, not WTForms, decides what is valid.
SettingsForm = type(
    "SettingsForm",
    (FlaskForm,),
    {
        spec.key: StringField(
            spec.key.replace("_", " ").capitalize(),
            validators=[InputRequired("Enter a whole number.")],
            widget=NumberInput(step=1, min=spec.minimum, max=spec.maximum),
        )
        for spec in settings_service.SPECS
    },
)


@bp.route("/settings", methods=["GET", "POST"])
@recent_second_factor
def settings() -> ResponseReturnValue:
    current = settings_service.get_settings()
    form = SettingsForm(
        data={spec.key: str(getattr(current, spec.key)) for spec in settings_service.SPECS}
    )
    if form.is_submitted():
        form.validate()
        values = {}
        for spec in settings_service.SPECS:
            field = form[spec.key]
            if field.errors:
                continue
            try:
                values[spec.key] = settings_service.validate_setting(spec.key, field.data)
            except ValidationFailed as exc:
                field.errors = [*field.errors, exc.message]
        if not form.errors:
            changed = settings_service.update_settings(values, admin_id=current_user.id)
            if changed:
                summary = ", ".join(f"{key} {old} → {new}" for key, (old, new) in changed.items())
                flash(f"Saved: {summary}.", "info")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, specs=settings_service.SPECS), (
        422 if form.errors else 200
    )
