"""Landing, health and the member's dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text

from app.extensions import db
from app.models.wallet import CoinTransaction
from app.services import steps
from app.services.notifications import unread_count
from app.services.settings import get_settings
from app.web import bp


@bp.get("/")
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return render_template("web/landing.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the point of a health check is to report, not to raise
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": database})


@bp.get("/dashboard")
@login_required
def dashboard():
    settings = get_settings()
    today = steps.member_today(current_user)
    days = steps.daily_totals(current_user.id, today - timedelta(days=29), today)
    recent = (
        db.session.execute(
            select(CoinTransaction)
            .where(CoinTransaction.user_id == current_user.id)
            .order_by(CoinTransaction.id.desc())
            .limit(5)
        )
        .scalars()
        .all()
    )
    today_row = days[-1]
    return render_template(
        "web/dashboard.html",
        wallet=current_user.wallet,
        today=today_row,
        days=days,
        cap=settings.daily_step_cap,
        streak=steps.streak(days),
        recent=recent,
        unread=unread_count(current_user.id),
    )
