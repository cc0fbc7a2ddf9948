"""The fraud queue: flagged days, the evidence, approve / reject, in bulk or one key at a time."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from jinja2_fragments.flask import render_block

from app.admin import bp
from app.admin.forms import arg_date, arg_int, arg_str, back_to, is_htmx
from app.core.errors import DomainError
from app.core.request_values import form_ints
from app.fraud import review
from app.models.steps import SOURCES

PAGE_SIZE = 50
STATUSES = ("open", "pending", "appealed", "approved", "rejected", "all")


def _filters() -> review.QueueFilters:
    status = request.args.get("status", "open")
    source = request.args.get("source")
    return review.QueueFilters(
        status=status if status in STATUSES else "open",
        min_score=arg_int("min_score", minimum=0, maximum=100),
        max_score=arg_int("max_score", minimum=0, maximum=100),
        source=source if source in SOURCES else None,
        date_from=arg_date("date_from"),
        date_to=arg_date("date_to"),
        member=arg_str("member"),
    )


@bp.get("/fraud")
def fraud_queue() -> ResponseReturnValue:
    filters = _filters()
    offset = arg_int("offset", minimum=0) or 0
    context = {
        "cases": review.queue(filters, limit=PAGE_SIZE, offset=offset),
        "filters": filters,
        "total": review.queue_size(filters),
        "open_count": review.queue_size(),
        "offset": offset,
        "page_size": PAGE_SIZE,
        "sources": SOURCES,
        "statuses": STATUSES,
    }
    if is_htmx() and request.headers.get("HX-Target") == "queue":
        return render_block("admin/fraud.html", "queue", **context)
    return render_template("admin/fraud.html", **context)


@bp.get("/fraud/<bigint:validation_id>")
def fraud_evidence(validation_id: int) -> ResponseReturnValue:
    evidence = review.take(validation_id, admin_id=current_user.id)
    if is_htmx():
        return render_template("admin/_fraud_evidence.html", ev=evidence)
    return render_template("admin/fraud_case.html", ev=evidence)


def _after_action(validation_id: int, message: str) -> ResponseReturnValue:
    if is_htmx():
        # The row leaves the list; the counter and a status line update out of band.
        return render_template(
            "admin/_fraud_done.html",
            validation_id=validation_id,
            message=message,
            open_count=review.queue_size(),
        )
    flash(message, "info")
    return redirect(back_to(url_for("admin.fraud_queue")))


@bp.post("/fraud/<bigint:validation_id>/approve")
def fraud_approve(validation_id: int) -> ResponseReturnValue:
    coins = review.approve(validation_id, admin_id=current_user.id, note=request.form.get("note"))
    return _after_action(validation_id, f"Approved: {coins} coins awarded.")


@bp.post("/fraud/<bigint:validation_id>/reject")
def fraud_reject(validation_id: int) -> ResponseReturnValue:
    review.reject(validation_id, admin_id=current_user.id, note=request.form.get("note", ""))
    return _after_action(validation_id, "Rejected; the member has been told why.")


@bp.post("/fraud/bulk")
def fraud_bulk() -> ResponseReturnValue:
    ids = form_ints("ids")
    action = request.form.get("action", "")
    if not ids:
        flash("Select at least one day first.", "error")
        return redirect(url_for("admin.fraud_queue"))
    try:
        outcome = review.bulk(ids, action, admin_id=current_user.id, note=request.form.get("note"))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.fraud_queue"))
    message = f"{len(outcome.done)} day(s) {'approved' if action == 'approve' else 'rejected'}."
    if outcome.skipped:
        message += f" {len(outcome.skipped)} skipped: already reviewed."
    flash(message, "info")
    return redirect(back_to(url_for("admin.fraud_queue")))
