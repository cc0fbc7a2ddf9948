"""The admin console, /admin: fraud triage and the back office. Admins only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core.db import discard_unfinished_work
from app.core.errors import DomainError
from app.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin() -> ResponseReturnValue | None:
    """Anonymous visitors go to the login page; signed-in members get a 403; an admin
    passes only with a second factor set up and proven in this session."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    from app.web.second_factor import gate_admin_console

    return gate_admin_console()


# The console's sections, in the order of its navigation (templates/admin/base.html).
SECTIONS = (
    ("admin.overview", "Overview"),
    ("admin.fraud_queue", "Fraud queue"),
    ("admin.users", "Members"),
    ("admin.orders", "Orders"),
    ("admin.products", "Products"),
    ("admin.reviews", "Reviews"),
    ("admin.promo_codes_list", "Promo codes"),
    ("admin.achievements", "Achievements"),
    ("admin.analytics", "Analytics"),
    ("admin.settings", "Settings"),
    ("admin.audit", "Audit log"),
    ("admin.jobs", "Jobs"),
    ("admin.tokens", "API tokens"),
)


@bp.context_processor
def admin_navigation() -> dict[str, Any]:
    """Sections that exist, so the nav never links to a page that is not built."""
    from flask import current_app

    names = {rule.endpoint for rule in current_app.url_map.iter_rules()}

    def admin_sections() -> list[tuple[str, str]]:
        return [(endpoint, label) for endpoint, label in SECTIONS if endpoint in names]

    return {"admin_endpoints": names, "admin_sections": admin_sections}


@bp.after_request
def no_caching(response: Response) -> Response:
    # Admin pages carry personal data: never let a shared proxy or the back button keep them.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Vary", "HX-Request")
    return response


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError) -> ResponseReturnValue:
    """A refused action: the message as the htmx answer, a flash after a form post, or an
    error page for a GET (redirecting a GET to itself would loop)."""
    discard_unfinished_work()
    if request.headers.get("HX-Request"):
        return f'<p class="flash flash-error" role="alert">{_escape(exc.message)}</p>', exc.status
    if request.method == "GET":
        return (
            render_template(
                "admin/error.html", code=exc.status, title="Not possible", message=exc.message
            ),
            exc.status,
        )
    flash(exc.message, "error")
    return redirect(request.referrer or url_for("admin.overview"))


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


from app.admin import fraud, orders, overview, users  # noqa: E402,F401  (routes register on import)

from app.admin import achievements, analytics, audit, jobs, products, settings  # noqa: E402,F401  # isort: skip
from app.admin import tokens  # noqa: E402,F401  # isort: skip
from app.admin import live  # noqa: E402,F401  # isort: skip
from app.admin import promo_codes  # noqa: E402,F401  # isort: skip
from app.admin import reviews  # noqa: E402,F401  # isort: skip
