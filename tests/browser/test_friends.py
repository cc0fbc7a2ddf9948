"""Friends on a 360 px phone: follow a friend link, get accepted, see the board."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.extensions import db
from app.gamification import friends
from tests.browser.conftest import PHONE
from tests.browser.test_pages_on_a_phone import OVERFLOW, UNNAMED_CONTROLS
from tests.fixtures.sign_in import sign_in_page


def test_a_friend_link_leads_to_a_shared_weekly_board(
    page: Page, member, make_member, walk_today, artifacts
):
    ann = make_member(full_name="Ann Walker")
    walk_today(ann, 7_500)
    ann_id, code = ann.id, ann.referral_code
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in_page(page, member.email)

    page.goto(f"/friends/add/{code}")
    expect(page.locator("main")).to_contain_text("Be friends with Ann W.?")
    page.get_by_role("button", name="Send a friend request").click()
    expect(page.locator("#flash")).to_contain_text("Invitation sent")
    (invitation,) = friends.overview(ann_id).incoming
    friends.accept(ann_id, invitation.friendship_id)
    db.session.commit()

    page.goto("/friends")
    board = page.locator("#friends-board .friend-row")
    expect(board).to_have_count(2)
    expect(board.first).to_contain_text("Ann W.")
    expect(board.first).to_contain_text("7,500 steps")
    assert page.evaluate(OVERFLOW) <= 0, "the friends page is wider than the phone"
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.screenshot(path=str(artifacts / "friends-phone.png"), full_page=True)

    page.fill("#friend-code", "ZZZZZZZZ")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#friend-code-error")).to_have_text("No member has that code.")
