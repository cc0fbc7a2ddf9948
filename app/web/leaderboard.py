"""Leaderboards: weekly, monthly and all-time, with the member's own row always shown."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.gamification import leaderboards
from app.web import bp
from app.web.rendering import render_page

PERIODS = {"weekly": "This week", "monthly": "This month", "all_time": "All time"}
SHOWN = 100


@bp.get("/leaderboard")
@login_required
def leaderboard() -> ResponseReturnValue:
    period = request.args.get("period", "weekly")
    if period not in PERIODS:
        period = "weekly"
    entries = leaderboards.top_entries(period, SHOWN)
    me = leaderboards.member_rank(current_user.id, period)
    in_list = any(e.user_id == current_user.id for e in entries)
    return render_page(
        "web/leaderboard.html",
        "board",
        period=period,
        periods=PERIODS,
        entries=entries,
        me=me,
        me_outside=me is not None and not in_list,
        generated_at=leaderboards.generated_at(period),
        hidden=current_user.leaderboard_hidden,
    )
