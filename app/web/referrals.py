"""Referrals: my code, a share link, the friends I invited and their bonus status."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from app.backoffice.settings import get_settings
from app.core.links import external_url
from app.extensions import db
from app.gamification.referrals import HELD_BODY, held_bonuses
from app.models.users import Referral, User
from app.web import bp
from app.web.rendering import render_page


@bp.get("/referrals")
@login_required
def referrals() -> ResponseReturnValue:
    invited = db.session.execute(
        select(Referral, User)
        .join(User, User.id == Referral.referred_id)
        .where(Referral.referrer_id == current_user.id)
        .order_by(Referral.id.desc())
    ).all()
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
