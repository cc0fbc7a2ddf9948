"""The audit log: every admin action, newest first, filtered, a page at a time."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block

from app.admin import bp
from app.admin.forms import arg_date, arg_int, arg_str, is_htmx
from app.backoffice import audit_log
from app.core.request_values import BIGINT_MAX

PAGE_SIZE = 50


def _filters() -> audit_log.AuditFilters:
    return audit_log.AuditFilters(
        admin_id=arg_int("admin", minimum=1),
        action=arg_str("action", max_length=64),
        entity_type=arg_str("entity_type", max_length=40),
        entity_id=arg_str("entity_id", max_length=64),
        date_from=arg_date("from"),
        date_to=arg_date("to"),
    )


@bp.get("/audit")
def audit() -> ResponseReturnValue:
    filters = _filters()
    before = arg_int("before", minimum=1, limit=BIGINT_MAX)
    context = {
        "page": audit_log.search(filters, before_id=before, limit=PAGE_SIZE),
        "filters": filters,
        "before": before,
    }
    if is_htmx() and request.headers.get("HX-Target") == "audit-more":
        return render_block("admin/audit.html", "entries", **context)
    return render_template("admin/audit.html", choices=audit_log.filter_choices(), **context)
