"""Referrals, notifications, achievements and the leaderboard pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import profile
from app.core import notifications
from app.extensions import db
from app.gamification import leaderboards
from app.models.gamification import Achievement
from app.models.notifications import Notification
from app.models.users import Referral
from app.steps import sync as steps

# --- referrals ---------------------------------------------------------------------------------


def test_referrals_page_has_my_code_a_share_link_and_an_empty_state(signed_in):
    code = signed_in.user.referral_code
    page = signed_in.get("/referrals").text

    assert code in page
    assert f"/register?ref={code}" in page
    assert "No one yet" in page


def test_referrals_page_lists_invited_people_and_their_bonus_status(signed_in, make_member):
    make_member(full_name="Ben Invited", referral_code=signed_in.user.referral_code)
    paid = make_member(full_name="Cara Paid", referral_code=signed_in.user.referral_code)
    referral = db.session.execute(
        select(Referral).where(Referral.referred_id == paid.id)
    ).scalar_one()
    referral.status = "converted"
    referral.converted_at = referral.created_at
    db.session.commit()

    page = signed_in.get("/referrals").text

    assert "Ben I." in page and "Cara P." in page
    assert "Waiting for their first reward to ship" in page
    assert "Bonus paid" in page
    assert "1 of 2 bonuses paid" in page and "500 coins earned" in page


# --- notifications -----------------------------------------------------------------------------


def test_notifications_are_listed_and_marked_read(signed_in):
    user_id = signed_in.user.id
    notifications.notify(user_id, "order", "Order FK-1 placed", "Coins held.", link="/orders")
    notifications.notify(user_id, "flag", "Your steps are being reviewed")
    db.session.commit()
    first = db.session.execute(select(Notification).order_by(Notification.id)).scalars().first()

    page = signed_in.get("/notifications").text
    assert "Order FK-1 placed" in page and "Mark all as read" in page
    assert "Notifications, 2 unread" in page

    answer = signed_in.htmx_post(f"/notifications/{first.id}/read")
    assert answer.status_code == 200
    assert answer.headers["HX-Trigger"] == "notifications-changed"
    assert 'class="notification"' in answer.text and "Mark as read" not in answer.text
    assert notifications.unread_count(user_id) == 1

    signed_in.post("/notifications/read-all")
    assert notifications.unread_count(user_id) == 0
    assert "Notifications, 0 unread" in signed_in.get("/notifications").text


def test_someone_elses_notification_cannot_be_touched(signed_in, make_member):
    other = make_member()
    notifications.notify(other.id, "order", "Theirs")
    db.session.commit()
    theirs = db.session.execute(select(Notification)).scalar_one()

    assert signed_in.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert notifications.unread_count(other.id) == 1


def test_no_notifications_is_an_empty_state(signed_in):
    assert "All quiet" in signed_in.get("/notifications").text


# --- achievements ------------------------------------------------------------------------------


def test_achievements_show_progress_toward_locked_badges_and_unlocked_ones(signed_in, walk):
    db.session.add_all(
        [
            Achievement(
                code="first",
                name="First Steps",
                unlock_criteria={"total_steps": 1},
                reward_coins=10,
                sort_order=1,
            ),
            Achievement(
                code="hundred_k",
                name="100K Club",
                unlock_criteria={"total_steps": 100_000},
                reward_coins=100,
                sort_order=2,
            ),
        ]
    )
    db.session.commit()
    walk(signed_in.user, 25_000 // 2)

    page = signed_in.get("/achievements").text

    assert "1 of 2 unlocked" in page
    assert "First Steps" in page and "Unlocked" in page
    assert '<progress value="12" max="100"' in page
    assert "12,500 / 100,000 steps in total" in page


# --- leaderboard -------------------------------------------------------------------------------


def test_leaderboard_highlights_me_even_outside_the_top_list(signed_in, walk, make_member):
    from app.web import leaderboard as page_module

    for n in range(3):
        walk(make_member(full_name=f"Fast Walker{n}"), 15_000 + n)
    walk(signed_in.user, 1_000)
    leaderboards.rebuild_leaderboards()
    db.session.commit()

    page_module.SHOWN, shown = 2, page_module.SHOWN
    try:
        page = signed_in.get("/leaderboard").text
    finally:
        page_module.SHOWN = shown

    assert "Fast W." in page
    assert '<tr class="me" aria-current="true">' in page
    assert "Mia M. <strong>(you)</strong>" in page
    assert 'class="gap"' in page


def test_leaderboard_periods_switch_by_htmx_and_respect_hiding(signed_in, walk):
    walk(signed_in.user, 5_000, steps.member_today(signed_in.user) - timedelta(days=1))
    leaderboards.rebuild_leaderboards()
    db.session.commit()

    monthly = signed_in.htmx_get("/leaderboard?period=monthly")
    assert monthly.text.lstrip().startswith('<section id="board">')
    assert 'aria-current="true">This month' in monthly.text.replace("\n", "").replace("  ", "")

    profile.set_privacy(signed_in.user, hidden=True, show_full_name=False)
    hidden = signed_in.get("/leaderboard?period=all_time").text
    assert "You are hidden from the leaderboards" in hidden
    assert "(you)" not in hidden


def test_an_unbuilt_leaderboard_says_when_to_come_back(signed_in):
    assert "No ranking yet" in signed_in.get("/leaderboard").text
