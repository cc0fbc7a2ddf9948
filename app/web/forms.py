"""Form helpers for member and admin pages: domain errors onto WTForms fields, choices."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.core.errors import DomainError
from app.orders.orders import ADDRESS_FIELDS


def apply_errors(form: FlaskForm, error: DomainError, *, prefix: str = "") -> None:
    """Put each detail's message under its field; anything else becomes a form error."""
    placed = False
    for detail in error.details:
        field = getattr(form, prefix + str(detail.get("field", "")), None)
        if field is not None and hasattr(field, "errors"):
            message = detail.get("message") or error.message
            field.errors = [*list(field.errors), message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class AddressFields:
    """The shipping-address fields, shared by checkout and the settings address form.

    Every field is Optional here; `orders.clean_address` says which are required, so the
    rule lives in one place and its errors land next to the fields via `apply_errors`.
    """

    recipient_name = StringField("Recipient name", validators=[Optional(), Length(max=120)])
    line1 = StringField("Address line 1", validators=[Optional(), Length(max=200)])
    line2 = StringField("Address line 2 (optional)", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    state = StringField("State or region (optional)", validators=[Optional(), Length(max=100)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=20)])
    country = StringField(
        "Country code",
        validators=[Optional()],
        description="Two letters, e.g. DE, GB, IN, NG, US.",
    )
    phone = StringField("Phone (optional)", validators=[Optional(), Length(max=32)])

    def address(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in ADDRESS_FIELDS}
