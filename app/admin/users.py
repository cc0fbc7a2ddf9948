"""Members: search, one member's whole story, status changes and coin adjustments."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from jinja2_fragments.flask import render_block

from app.accounts import queries as account_queries
from app.admin import bp
from app.admin.forms import arg_int, arg_str, is_htmx
from app.backoffice import member_admin
from app.coins import queries as coin_queries
from app.core.errors import InsufficientCoins, ValidationFailed
from app.fraud import linked_accounts
from app.fraud import queries as fraud_queries
from app.gamification import queries as gamification_queries
from app.gamification import referrals
from app.orders import queries as order_queries
from app.steps import queries as step_queries
from app.web.second_factor import recent_second_factor

PAGE_SIZE = 50


@bp.get("/users")
def users() -> ResponseReturnValue:
    term = arg_str("q")
    offset = arg_int("offset", minimum=0) or 0
    context = {
        "members": member_admin.search(term, limit=PAGE_SIZE, offset=offset),
        "q": term or "",
        "offset": offset,
        "page_size": PAGE_SIZE,
    }
    if is_htmx() and request.headers.get("HX-Target") == "member-list":
        return render_block("admin/users.html", "member_list", **context)
    return render_template("admin/users.html", **context)


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int) -> ResponseReturnValue:
    return _render_user_detail(user_id)


def _render_user_detail(
    user_id: int,
    *,
    status: int = 200,
    adjust_error: str | None = None,
    adjust_form: dict[str, str] | None = None,
) -> ResponseReturnValue:
    member = member_admin.get_member(user_id)
    return render_template(
        "admin/user_detail.html",
        member=member,
        wallet=member.wallet,
        ledger=coin_queries.latest_transactions(user_id, 50),
        steps=step_queries.latest_records(user_id, 30),
        flags=fraud_queries.latest_validations(user_id, 30),
        orders=order_queries.latest_orders(user_id, 30),
        referred=gamification_queries.invited_by(user_id),
        tokens=account_queries.latest_refresh_tokens(user_id, 20),
        adjust_error=adjust_error,
        adjust_form=adjust_form or {},
        linked=linked_accounts.linked_accounts(user_id),
        signup_address=linked_accounts.signup_address(user_id),
        devices=linked_accounts.devices_with_dates(user_id),
        held_bonuses=referrals.held_bonuses(user_id),
    ), status


@bp.post("/referral-holds/<int:hold_id>/approve")
def referral_hold_approve(hold_id: int) -> ResponseReturnValue:
    referral = referrals.approve_held_bonus(
        hold_id, admin_id=current_user.id, note=request.form.get("note")
    )
    flash("Approved: the referral bonus was paid to both members.", "info")
    return redirect(url_for("admin.user_detail", user_id=referral.referred_id))


@bp.post("/referral-holds/<int:hold_id>/reject")
def referral_hold_reject(hold_id: int) -> ResponseReturnValue:
    referrals.reject_held_bonus(
        hold_id, admin_id=current_user.id, note=request.form.get("note", "")
    )
    flash("Rejected: both members have been told why.", "info")
    return redirect(request.referrer or url_for("admin.users"))


@bp.post("/users/<int:user_id>/status")
@recent_second_factor
def user_status(user_id: int) -> ResponseReturnValue:
    status = request.form.get("status", "")
    member = member_admin.set_status(
        user_id, status, admin_id=current_user.id, reason=request.form.get("reason", "")
    )
    flash(f"{member.full_name} is now {member.status}.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")


@bp.post("/users/<int:user_id>/adjust")
@recent_second_factor
def user_adjust(user_id: int) -> ResponseReturnValue:
    raw = (request.form.get("amount") or "").strip().replace(",", "")
    reason = request.form.get("reason", "")
    try:
        # ASCII digits with an optional sign: int() alone would take "1_000" or other scripts.
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValidationFailed(member_admin.ADJUSTMENT_RULE, details=[{"field": "amount"}])
        row = member_admin.adjust_coins(user_id, int(raw), reason, admin_id=current_user.id)
    except (ValidationFailed, InsufficientCoins) as exc:
        message = exc.message
        if isinstance(exc, InsufficientCoins):
            message = (
                f"This member has {exc.available:,} coins available: you can take away "
                f"at most {exc.available:,}."
            )
        return _render_user_detail(
            user_id,
            status=422,
            adjust_error=message,
            adjust_form={"amount": request.form.get("amount", ""), "reason": reason},
        )
    flash(f"Adjusted by {row.amount:+,} coins; available now {row.available_after:,}.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/password-reset")
def user_password_reset(user_id: int) -> ResponseReturnValue:
    """E-mail the member a fresh reset link (for "I never got the e-mail" tickets)."""
    member = member_admin.send_password_reset(user_id, admin_id=current_user.id)
    flash(f"A password reset link was sent to {member.email}.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))
