"""Putting a refused service call's messages next to the form fields they are about."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.core.errors import DomainError


def show_on_fields(form: FlaskForm, exc: DomainError) -> None:
    """Each `{"field", "message"}` detail becomes that field's inline error; else a flash."""
    placed = False
    for detail in exc.details:
        target = form._fields.get(str(detail.get("field")))
        if target is not None and detail.get("message"):
            target.errors = [*target.errors, detail["message"]]
            placed = True
    if not placed:
        flash(exc.message, "error")
