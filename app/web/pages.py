"""Landing, health and the member's dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.backoffice.settings import get_settings
from app.catalog import wishlist
from app.fraud import appeals
from app.gamification import leaderboards, streaks
from app.gamification import queries as gamification_queries
from app.steps import sync as steps
from app.web import bp
from app.web.charts import steps_chart
from app.web.rendering import render_page

CHART_RANGES = (7, 30, 90)


@bp.get("/")
def landing() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    settings = get_settings()
    return render_template("web/landing.html", settings=settings)


def chart_range() -> int:
    value = request.args.get("range", type=int)
    return value if value in CHART_RANGES else 30


@bp.get("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    settings = get_settings()
    today = steps.member_today(current_user)
    days_shown = chart_range()
    days = steps.daily_totals(current_user.id, today - timedelta(days=89), today)
    shown = days[-days_shown:]
    latest = gamification_queries.latest_unlocked(current_user.id, limit=3)
    flagged = steps.recent_validations(current_user.id, limit=5)
    # Live updates refresh today's figures (#today-stats); the range links, the chart.
    block = "stats" if request.headers.get("HX-Target") == "today-stats" else "chart"
    return render_page(
        "web/dashboard.html",
        block,
        wallet=current_user.wallet,
        today=days[-1],
        cap=settings.daily_step_cap,
        steps_per_coin=settings.steps_per_coin,
        streak=streaks.member_current_streak(current_user.id, today),
        streak_minimum=streaks.STREAK_MIN_STEPS,
        chart=steps_chart(shown, settings.daily_step_cap),
        chart_days=shown,
        days_shown=days_shown,
        ranges=CHART_RANGES,
        total_shown=sum(d.credited_steps for d in shown),
        flagged=flagged,
        appealable={case.id for case in flagged if appeals.can_appeal([case])},
        latest_achievements=latest,
        weekly_rank=leaderboards.member_rank(current_user.id, "weekly"),
        goal=wishlist.progress(current_user.id),
    )
