"""The wallet: balances, the filtered ledger with infinite scroll, and a CSV download."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.coins import statements
from app.coins.statements import LedgerFilter
from app.core.request_values import date_range, query_int
from app.orders import promo_codes
from app.steps import sync as steps
from app.web import bp
from app.web.charts import balance_chart
from app.web.rendering import render_page, wants_fragment

PAGE_SIZE = 25


def _filters() -> tuple[LedgerFilter, dict[str, str]]:
    errors: dict[str, str] = {}
    kind = request.args.get("type") or None
    if kind is not None and kind not in statements.TYPE_LABELS:
        errors["type"] = "Pick a type from the list."
        kind = None
    dates = date_range("from", "to")
    errors.update(dates.errors)
    return LedgerFilter(kind, dates.start, dates.end), errors


def _query_args(filters: LedgerFilter) -> dict[str, str]:
    args = {
        "type": filters.transaction_type or "",
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return {k: v for k, v in args.items() if v}


@bp.get("/wallet")
@login_required
def wallet() -> ResponseReturnValue:
    return _wallet_page()


def _wallet_page(*, promo_error: str | None = None, promo_value: str = "") -> Response:
    filters, errors = _filters()
    before = query_int("before", minimum=1)
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
        "promo_error": promo_error,
        "promo_value": promo_value,
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
    status = 422 if errors or promo_error else 200
    return render_page(
        "web/wallet.html", None if promo_error else "ledger", status=status, **context
    )


@bp.post("/wallet/promo-code")
@login_required
def redeem_promo_code() -> ResponseReturnValue:
    typed = (request.form.get("code") or "").strip()[:64]
    if not typed:
        return _wallet_page(promo_error="Type the promo code.")
    try:
        redemption = promo_codes.redeem_coins(current_user.id, typed)
    except promo_codes.PromoCodeRejected as exc:
        return _wallet_page(promo_error=exc.message, promo_value=typed)
    flash(
        f"Promo code {promo_codes.normalise(typed)}: {redemption.coins:,} coins are in your "
        "wallet.",
        "success",
    )
    return redirect(url_for("web.wallet"))


@bp.get("/wallet/export.csv")
@login_required
def wallet_csv() -> ResponseReturnValue:
    filters, errors = _filters()
    if errors:
        # Decided before the first byte: a download that starts is a download that finishes.
        abort(400, description=" ".join(errors.values()))
    lines = statements.csv_lines(current_user.id, filters, timezone=current_user.timezone)
    filename = f"fitkart-coins-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
