"""Friends: the weekly board among friends, invitations by code or link, remove and block."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core.errors import DomainError
from app.core.links import external_url
from app.gamification import friends
from app.web import bp
from app.web.rendering import render_page


def _page(status: int = 200, *, code: str = "", code_error: str | None = None) -> Response:
    return render_page(
        "web/friends.html",
        status=status,
        overview=friends.overview(current_user.id),
        my_code=current_user.referral_code,
        share_link=external_url("web.friend_link", code=current_user.referral_code),
        code=code,
        code_error=code_error,
    )


@bp.get("/friends")
@login_required
def friends_page() -> ResponseReturnValue:
    return _page()


@bp.post("/friends/invite")
@login_required
def invite_friend() -> ResponseReturnValue:
    code = request.form.get("code", "")
    try:
        friends.invite(current_user.id, code)
    except DomainError as exc:
        # The form again, with the reason beside the code field.
        return _page(exc.status, code=code, code_error=exc.message)
    flash("Invitation sent.", "success")
    return redirect(url_for("web.friends_page"))


@bp.get("/friends/add/<code>")
@login_required
def friend_link(code: str) -> ResponseReturnValue:
    """An invitation link: it names the member and asks before anything is sent."""
    return render_page("web/friend_link.html", inviter=friends.inviter_for_code(code), code=code)


@bp.post("/friends/invitations/<int:friendship_id>/accept")
@login_required
def accept_friend(friendship_id: int) -> ResponseReturnValue:
    friends.accept(current_user.id, friendship_id)
    flash("You are friends now.", "success")
    return redirect(url_for("web.friends_page"))


@bp.post("/friends/invitations/<int:friendship_id>/decline")
@login_required
def decline_friend(friendship_id: int) -> ResponseReturnValue:
    friends.decline(current_user.id, friendship_id)
    flash("Invitation declined.", "info")
    return redirect(url_for("web.friends_page"))


@bp.post("/friends/<int:user_id>/remove")
@login_required
def remove_friend(user_id: int) -> ResponseReturnValue:
    friends.remove(current_user.id, user_id)
    flash("Removed.", "info")
    return redirect(url_for("web.friends_page"))


@bp.post("/friends/<int:user_id>/block")
@login_required
def block_member(user_id: int) -> ResponseReturnValue:
    friends.block(current_user.id, user_id)
    flash("Blocked: they cannot invite you or see your steps.", "info")
    return redirect(url_for("web.friends_page"))
