"""The wallet: balances, the filtered ledger with infinite scroll, and a CSV download."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, request, stream_with_context
from flask_login import current_user, login_required

from app.services import statements, steps
from app.services.statements import LedgerFilter
from app.web import bp
from app.web.charts import balance_chart
from app.web.rendering import render_page, wants_fragment

PAGE_SIZE = 25


def _date_arg(name: str) -> tuple[date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, "Use a date like 2026-05-31."


def _filters() -> tuple[LedgerFilter, dict[str, str]]:
    errors: dict[str, str] = {}
    kind = request.args.get("type") or None
    if kind is not None and kind not in statements.TYPE_LABELS:
        errors["type"] = "Pick a type from the list."
        kind = None
    date_from, problem = _date_arg("from")
    if problem:
        errors["from"] = problem
    date_to, problem = _date_arg("to")
    if problem:
        errors["to"] = problem
    if date_from and date_to and date_from > date_to:
        errors["to"] = "The end date is before the start date."
        date_to = None
    return LedgerFilter(kind, date_from, date_to), errors


def _query_args(filters: LedgerFilter) -> dict[str, str]:
    args = {
        "type": filters.transaction_type or "",
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return {k: v for k, v in args.items() if v}


@bp.get("/wallet")
@login_required
def wallet():
    filters, errors = _filters()
    before = request.args.get("before", type=int)
    page = statements.page(
        current_user.id,
        filters,
        timezone=current_user.timezone,
        before_id=before,
        limit=PAGE_SIZE,
    )
    context = {
        "wallet": current_user.wallet,
        "page": page,
        "filters": filters,
        "filter_args": _query_args(filters),
        "errors": errors,
        "type_labels": statements.TYPE_LABELS,
        "is_filtered": bool(_query_args(filters)),
        "timezone": current_user.timezone,
    }
    if before is not None and wants_fragment():
        # The next page of an infinite scroll: only more rows.
        return render_page("web/wallet.html", "rows", **context)
    today = steps.member_today(current_user)
    history = statements.balance_history(
        current_user.id, today - timedelta(days=89), current_user.timezone
    )
    context["matching"] = statements.count(current_user.id, filters, timezone=current_user.timezone)
    context["chart"] = balance_chart(history) if len(history) > 1 else None
    return render_page("web/wallet.html", "ledger", status=422 if errors else 200, **context)


@bp.get("/wallet/export.csv")
@login_required
def wallet_csv():
    filters, _ = _filters()
    lines = statements.csv_lines(current_user.id, filters, timezone=current_user.timezone)
    filename = f"fitkart-coins-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
