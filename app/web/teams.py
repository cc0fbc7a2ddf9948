"""Teams: the weekly team board, your team with its join code; create, join by code, leave."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.errors import DomainError
from app.gamification import teams
from app.web import bp
from app.web.rendering import render_page


def _page(status: int = 200, **form_state: str | None) -> Response:
    return render_page(
        "web/teams.html",
        status=status,
        overview=teams.overview(current_user.id),
        name=form_state.get("name") or "",
        name_error=form_state.get("name_error"),
        code=form_state.get("code") or "",
        code_error=form_state.get("code_error"),
    )


@bp.get("/teams")
@login_required
def teams_page() -> Response:
    return _page()


@bp.post("/teams/create")
@login_required
def create_team() -> Response:
    name = request.form.get("name", "")
    try:
        teams.create_team(current_user.id, name)
    except DomainError as exc:
        return _page(exc.status, name=name, name_error=exc.message)
    flash("Team created: share its code with your teammates.", "success")
    return redirect(url_for("web.teams_page"))


@bp.post("/teams/join")
@login_required
def join_team() -> Response:
    code = request.form.get("code", "")
    try:
        teams.join_team(current_user.id, code)
    except DomainError as exc:
        return _page(exc.status, code=code, code_error=exc.message)
    flash("Welcome to the team.", "success")
    return redirect(url_for("web.teams_page"))


@bp.post("/teams/leave")
@login_required
def leave_team() -> Response:
    teams.leave_team(current_user.id)
    flash("You left the team.", "info")
    return redirect(url_for("web.teams_page"))
