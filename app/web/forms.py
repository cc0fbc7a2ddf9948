"""Form helpers: domain validation errors onto WTForms fields, shared choices."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm

from app.services.errors import DomainError

FORM_ERRORS = "_form"


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
