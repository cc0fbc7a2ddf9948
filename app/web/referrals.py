"""Referrals: my code, a share link, the friends I invited and their bonus status."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.backoffice.settings import get_settings
from app.core.links import external_url
from app.gamification.queries import invited_by
from app.gamification.referrals import HELD_BODY, held_bonuses
from app.web import bp
from app.web.rendering import render_page


@bp.get("/referrals")
@login_required
def referrals() -> ResponseReturnValue:
    invited = invited_by(current_user.id)
    holds = {held.referral.id: held.hold for held in held_bonuses(current_user.id)}
    settings = get_settings()
    converted = sum(1 for referral, _ in invited if referral.status == "converted")
    return render_page(
        "web/referrals.html",
        code=current_user.referral_code,
        share_link=external_url("auth.register", ref=current_user.referral_code),
        invited=invited,
        holds=holds,
        converted=converted,
        earned=converted * settings.referral_referrer_bonus,
        referrer_bonus=settings.referral_referrer_bonus,
        referred_bonus=settings.referral_referred_bonus,
        held_explanation=HELD_BODY,
    )
