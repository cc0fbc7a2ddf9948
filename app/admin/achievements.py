"""Achievement definitions: list, create, edit, activate and deactivate."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.admin import bp
from app.admin.forms import back_to, is_htmx
from app.core.errors import DomainError, NotFound
from app.gamification import achievement_admin
from app.gamification.streaks import STREAK_MIN_STEPS
from app.models.gamification import CRITERIA_KEYS, Achievement
from app.web.forms import apply_errors

CRITERIA_HELP = {
    "total_steps": "credited steps in total",
    "daily_steps": "credited steps in one day",
    "streak_days": f"days in a row with at least {STREAK_MIN_STEPS:,} steps",
    "orders_count": "orders shipped or delivered",
    "referrals_count": "friends invited who joined",
    "team_size": "members on the member's current team",
    "team_week_average": "the team's best weekly average of verified steps per member",
}


class AchievementForm(FlaskForm):
    code = StringField("Code", validators=[Length(max=50)])
    name = StringField("Name", validators=[InputRequired(), Length(max=100)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    icon = StringField("Icon name", validators=[Length(max=50)], default="badge")
    unlock_criteria = TextAreaField("Unlock criteria (JSON)", validators=[InputRequired()])
    reward_coins = IntegerField("Reward (coins)", validators=[InputRequired()], default=0)
    sort_order = IntegerField("Position in lists", validators=[Optional()], default=0)
    is_active = BooleanField("Active: members can unlock it", default=True)


def _values(form: AchievementForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "description": form.description.data,
        "icon": form.icon.data,
        "unlock_criteria": form.unlock_criteria.data,
        "reward_coins": form.reward_coins.data,
        "sort_order": form.sort_order.data,
        "is_active": bool(form.is_active.data),
    }


def _render_form(form: AchievementForm, achievement: Achievement | None = None) -> tuple[str, int]:
    status = 422 if any(f.errors for f in form) else 200
    return render_template(
        "admin/achievement_form.html",
        form=form,
        achievement=achievement,
        criteria_help=CRITERIA_HELP,
        criteria_keys=CRITERIA_KEYS,
    ), status


@bp.get("/achievements")
def achievements() -> ResponseReturnValue:
    return render_template("admin/achievements.html", rows=achievement_admin.list_achievements())


@bp.route("/achievements/new", methods=["GET", "POST"])
def achievement_new() -> ResponseReturnValue:
    form = AchievementForm()
    if request.method == "GET":
        form.unlock_criteria.data = '{"total_steps": 100000}'
    if form.validate_on_submit():
        try:
            achievement = achievement_admin.create_achievement(
                _values(form), admin_id=current_user.id
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Created the achievement “{achievement.name}”.", "info")
            return redirect(url_for("admin.achievements"))
    return _render_form(form)


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
def achievement_edit(achievement_id: int) -> ResponseReturnValue:
    try:
        achievement = achievement_admin.get_achievement(achievement_id)
    except NotFound:
        abort(404)
    form = AchievementForm(obj=achievement)
    if request.method == "GET":
        form.unlock_criteria.data = json.dumps(achievement.unlock_criteria)
    form.code.data = achievement.code
    if form.validate_on_submit():
        try:
            changes = achievement_admin.update_achievement(
                achievement_id, _values(form), admin_id=current_user.id
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            if changes:
                flash(f"Saved “{achievement.name}”: {', '.join(changes)} changed.", "info")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("admin.achievements"))
    return _render_form(form, achievement)


@bp.post("/achievements/<int:achievement_id>/active")
def achievement_active(achievement_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    achievement = achievement_admin.set_active(achievement_id, active, admin_id=current_user.id)
    if is_htmx():
        (row,) = achievement_admin.list_achievements(achievement_id=achievement_id)
        return render_block("admin/achievements.html", "achievement_row", row=row)
    flash(f"“{achievement.name}” is {'active' if achievement.is_active else 'inactive'}.", "info")
    return redirect(back_to(url_for("admin.achievements")))
