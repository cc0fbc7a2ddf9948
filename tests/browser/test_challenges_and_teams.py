"""Challenges and teams on a phone: create a challenge, join one with a stake, read the
standings; start a team and see the team board. 390 px and 360 px wide."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Page, expect

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.gamification import challenges, friends, teams
from app.models.steps import StepRecord
from app.models.wallet import Wallet
from app.steps.sync import member_today
from tests.browser.conftest import PHONE
from tests.browser.test_pages_on_a_phone import OVERFLOW, UNNAMED_CONTROLS
from tests.fixtures.sign_in import sign_in_page

PHONE_390 = {"width": 390, "height": 844}


def frozen_coins(user_id: int) -> int:
    db.session.expire_all()
    frozen = db.session.query(Wallet.frozen_coins).filter(Wallet.user_id == user_id).scalar()
    db.session.commit()
    return frozen


def test_create_a_challenge_join_one_with_a_stake_and_see_the_standings(
    page: Page, member, make_member, artifacts
):
    ann = make_member(full_name="Ann Walker")
    friends.accept(ann.id, friends.invite(member.id, ann.referral_code).id)
    with transaction():
        for person in (member, ann):
            ledger.award_step_coins(person.id, date(2026, 11, 1), 500)
    today = member_today(member)
    # Ann's challenge began yesterday (created and joined the day before), Mia joined it then.
    earlier = datetime.now(UTC) - timedelta(days=2)
    running = challenges.create_challenge(
        ann.id,
        name="Morning miles",
        goal_type="most_steps",
        start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=3),
        stake_coins=20,
        invite_user_ids=[member.id],
        now=earlier,
    )
    challenges.join(member.id, running.id, now=earlier)
    with transaction():
        db.session.add_all(
            [
                StepRecord(user_id=ann.id, recorded_date=today, source="google_fit", steps=6_400),
                StepRecord(
                    user_id=member.id, recorded_date=today, source="google_fit", steps=9_100
                ),
            ]
        )
    upcoming = challenges.create_challenge(
        ann.id,
        name="Weekend walk",
        goal_type="reach_target",
        target_steps=15_000,
        start_date=today + timedelta(days=1),
        end_date=today + timedelta(days=2),
        stake_coins=30,
        invite_user_ids=[member.id],
    )
    member_id, running_id, upcoming_id = member.id, running.id, upcoming.id
    db.session.commit()
    page.set_viewport_size(PHONE_390)
    sign_in_page(page, member.email)

    page.goto("/challenges")
    page.get_by_role("button", name="New challenge").click()
    page.get_by_label("Name").fill("Lunch laps")
    page.get_by_label("Goal").select_option("daily_goal")
    page.get_by_label("Target steps").fill("6000")
    page.get_by_label("First day").fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Last day").fill((today + timedelta(days=5)).isoformat())
    page.get_by_label("Stake per person (coins)").fill("25")
    page.get_by_label("Ann W.").check()
    assert page.evaluate(OVERFLOW) <= 0, "the new-challenge form is wider than the phone"
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.screenshot(path=str(artifacts / "challenge-new-phone.png"), full_page=True)
    page.get_by_role("button", name="Create and join").click()
    expect(page.locator("#flash")).to_contain_text("Challenge created")
    expect(page.locator("h1")).to_have_text("Lunch laps")
    expect(page.locator("#challenge-invited")).to_contain_text("Ann W.")
    assert frozen_coins(member_id) == 20 + 25

    page.goto(f"/challenges/{upcoming_id}")
    page.get_by_role("button", name="Join and stake 30 coins").click()
    expect(page.locator("#flash")).to_contain_text("You are in")
    expect(page.locator("#challenge-standings .standing-row")).to_have_count(2)
    assert frozen_coins(member_id) == 20 + 25 + 30

    page.goto(f"/challenges/{running_id}")
    rows = page.locator("#challenge-standings .standing-row")
    expect(rows.first).to_contain_text("Mia M.")
    expect(rows.first).to_contain_text("9,100 steps")
    expect(rows.nth(1)).to_contain_text("6,400 steps")
    expect(page.locator("#challenge-phase")).to_have_text("Running")
    expect(page.locator("#challenge-standings")).to_contain_text("joined earliest")
    assert page.evaluate(OVERFLOW) <= 0, "the standings are wider than the phone"
    page.screenshot(path=str(artifacts / "challenge-standings-phone.png"), full_page=True)


def test_start_a_team_and_see_the_team_board_on_a_small_phone(page: Page, member, artifacts):
    with transaction():
        db.session.add(
            StepRecord(
                user_id=member.id,
                recorded_date=member_today(member),
                source="google_fit",
                steps=7_300,
            )
        )
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in_page(page, member.email)
    page.goto("/teams")
    page.get_by_label("Team name").fill("x")
    page.get_by_role("button", name="Create team").click()
    expect(page.locator("#team-name-error")).to_contain_text("3 to 60 characters")
    page.get_by_label("Team name").fill("Dawn Patrol")
    page.get_by_role("button", name="Create team").click()
    expect(page.locator("#flash")).to_contain_text("Team created")
    expect(page.locator("#team-code")).to_have_text(team_code_of(member.id))
    board = page.locator("#team-board .team-row")
    expect(board).to_have_count(1)
    expect(board.first).to_contain_text("Dawn Patrol")
    expect(board.first).to_contain_text("7,300 avg")
    assert page.evaluate(OVERFLOW) <= 0, "the team page is wider than the phone"
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.screenshot(path=str(artifacts / "teams-phone.png"), full_page=True)


def team_code_of(user_id: int) -> str:
    code = teams.overview(user_id).team.join_code
    db.session.commit()
    return code
