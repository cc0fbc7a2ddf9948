"""/admin/achievements: list, create, edit, activate and deactivate definitions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.coins import ledger
from app.core.db import transaction
from app.core.errors import ValidationFailed
from app.extensions import db
from app.gamification import achievements as achievement_service
from app.gamification.achievement_admin import parse_criteria
from app.models.gamification import Achievement, UserAchievement
from app.models.wallet import CoinTransaction
from tests.admin.audit_trail import admin_logs
from tests.fixtures.sign_in import csrf_token


@pytest.fixture
def make_achievement(app):
    def make(code: str = "ten_k_day", **overrides) -> Achievement:
        values = {
            "code": code,
            "name": "10K Day",
            "description": "Walk 10,000 steps in a day.",
            "icon": "flame",
            "unlock_criteria": {"daily_steps": 10_000},
            "reward_coins": 50,
            **overrides,
        }
        achievement = Achievement(**values)
        db.session.add(achievement)
        db.session.commit()
        return achievement

    return make


def fresh(achievement_id: int) -> Achievement:
    db.session.expire_all()
    achievement = db.session.get(Achievement, achievement_id)
    assert achievement is not None
    return achievement


def achievement_count() -> int:
    return db.session.execute(select(func.count()).select_from(Achievement)).scalar_one()


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "code": "week_streak",
        "name": "Week Warrior",
        "description": "Seven days in a row.",
        "icon": "calendar",
        "unlock_criteria": '{"streak_days": 7}',
        "reward_coins": "100",
        "sort_order": "3",
        "is_active": "y",
        **overrides,
    }


def test_every_achievements_page_renders_for_an_admin(admin_client, make_achievement):
    achievement = make_achievement()
    for url in [
        "/admin/achievements",
        "/admin/achievements/new",
        f"/admin/achievements/{achievement.id}/edit",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_members_get_403(member_client, make_achievement):
    achievement = make_achievement()
    for url in ["/admin/achievements", f"/admin/achievements/{achievement.id}/edit"]:
        assert member_client.get(url).status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/admin/achievements")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_every_achievements_post_without_a_csrf_token_is_400(admin_client, make_achievement):
    achievement = make_achievement()
    for url in [
        "/admin/achievements/new",
        f"/admin/achievements/{achievement.id}/edit",
        f"/admin/achievements/{achievement.id}/active",
    ]:
        assert admin_client.post(url, data={**form_data(), "active": "0"}).status_code == 400
    assert fresh(achievement.id).is_active and achievement_count() == 1
    assert admin_logs() == []


def test_list_shows_criteria_rewards_and_unlock_counts(admin_client, make_achievement, member):
    achievement = make_achievement()
    with transaction():
        db.session.add(
            UserAchievement(
                user_id=member.id,
                achievement_id=achievement.id,
                unlocked_at=achievement.created_at,
                coins_awarded=50,
            )
        )
    html = admin_client.get("/admin/achievements").get_data(as_text=True)
    assert "10K Day" in html and "<code>ten_k_day</code>" in html
    assert "<code>daily_steps</code> ≥ 10,000" in html
    assert 'data-label="Unlocked by">1</td>' in html


def test_an_empty_list_invites_the_first_definition(admin_client):
    assert "No achievements yet." in admin_client.get("/admin/achievements").get_data(as_text=True)


def test_creating_an_achievement_stores_it_and_audits(admin_client, admin):
    token = csrf_token(admin_client, "/admin/achievements/new")
    answer = admin_client.post("/admin/achievements/new", data={**form_data(), "csrf_token": token})
    assert answer.status_code == 302
    achievement = db.session.execute(select(Achievement)).scalar_one()
    assert (achievement.code, achievement.name, achievement.unlock_criteria) == (
        "week_streak",
        "Week Warrior",
        {"streak_days": 7},
    )
    assert (achievement.reward_coins, achievement.sort_order, achievement.is_active) == (
        100,
        3,
        True,
    )
    (log,) = admin_logs()
    assert (log.admin_id, log.action, log.entity_type, log.entity_id) == (
        admin.id,
        "achievement.create",
        "achievement",
        str(achievement.id),
    )
    assert log.after["unlock_criteria"] == {"streak_days": 7} and log.after["reward_coins"] == 100


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"unlock_criteria": "{steps: 5}"}, "unlock_criteria", "not valid JSON"),
        ({"unlock_criteria": "[1, 2]"}, "unlock_criteria", "must be a JSON object"),
        ({"unlock_criteria": "{}"}, "unlock_criteria", "Give at least one criterion."),
        ({"unlock_criteria": '{"calories": 500}'}, "unlock_criteria", "Unknown criteria key"),
        ({"unlock_criteria": '{"total_steps": 0}'}, "unlock_criteria", "positive whole number"),
        ({"unlock_criteria": '{"total_steps": 2.5}'}, "unlock_criteria", "positive whole number"),
        ({"unlock_criteria": '{"total_steps": "9"}'}, "unlock_criteria", "positive whole number"),
        ({"unlock_criteria": "[" * 1000 + "]" * 1000}, "unlock_criteria", "nested too deeply"),
        ({"unlock_criteria": '{"a": ' * 1000 + "1" + "}" * 1000}, "unlock_criteria", "at most 20"),
        ({"reward_coins": "-1"}, "reward_coins", "Reward must be between 0 and"),
        ({"code": "Week Streak!"}, "code", "Code must be a slug"),
        ({"code": ""}, "code", "Code is required."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_invalid_definitions_show_the_error_inline_and_save_nothing(
    admin_client, overrides, field, message
):
    token = csrf_token(admin_client, "/admin/achievements/new")
    data = {**form_data(), **overrides, "csrf_token": token}
    answer = admin_client.post("/admin/achievements/new", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "Seven days in a row." in html  # the typed values stay
    assert achievement_count() == 0
    assert admin_logs() == []


def test_a_taken_code_is_refused_inline(admin_client, make_achievement):
    make_achievement("week_streak")
    token = csrf_token(admin_client, "/admin/achievements/new")
    answer = admin_client.post("/admin/achievements/new", data={**form_data(), "csrf_token": token})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="code-error"' in html and "already in use" in html
    assert achievement_count() == 1
    assert admin_logs() == []


def test_editing_changes_the_definition_but_never_the_code(admin_client, admin, make_achievement):
    achievement = make_achievement()
    url = f"/admin/achievements/{achievement.id}/edit"
    page = admin_client.get(url).get_data(as_text=True)
    assert "{&#34;daily_steps&#34;: 10000}" in page
    token = csrf_token(admin_client, url)
    data = form_data(
        code="hijacked",
        name="10K Day",
        description="Walk 10,000 steps in a day.",
        icon="flame",
        unlock_criteria='{"daily_steps": 12000}',
        reward_coins="75",
        sort_order="0",
    )
    answer = admin_client.post(url, data={**data, "csrf_token": token})
    assert answer.status_code == 302
    saved = fresh(achievement.id)
    assert saved.code == "ten_k_day"
    assert (saved.unlock_criteria, saved.reward_coins) == ({"daily_steps": 12000}, 75)
    (log,) = admin_logs()
    assert (log.admin_id, log.action, log.entity_id) == (
        admin.id,
        "achievement.update",
        str(achievement.id),
    )
    assert log.before == {"unlock_criteria": {"daily_steps": 10000}, "reward_coins": 50}
    assert log.after == {"unlock_criteria": {"daily_steps": 12000}, "reward_coins": 75}


def test_an_invalid_edit_changes_nothing(admin_client, make_achievement):
    achievement = make_achievement()
    url = f"/admin/achievements/{achievement.id}/edit"
    token = csrf_token(admin_client, url)
    data = form_data(name="Renamed", unlock_criteria='{"daily_steps": -3}')
    answer = admin_client.post(url, data={**data, "csrf_token": token})
    assert answer.status_code == 422
    assert "daily_steps must be a positive whole number" in answer.get_data(as_text=True)
    saved = fresh(achievement.id)
    assert (saved.name, saved.unlock_criteria) == ("10K Day", {"daily_steps": 10_000})
    assert admin_logs() == []


def test_deactivating_stops_unlocks_and_reactivating_restores_them(
    admin_client, admin, make_achievement, member
):
    achievement = make_achievement(unlock_criteria={"total_steps": 1}, reward_coins=10)
    url = f"/admin/achievements/{achievement.id}/active"
    token = csrf_token(admin_client, "/admin/achievements")

    assert admin_client.post(url, data={"csrf_token": token, "active": "0"}).status_code == 302
    assert not fresh(achievement.id).is_active
    assert [p.achievement.code for p in achievement_service.progress_for(member.id)] == []

    answer = admin_client.post(
        url, data={"csrf_token": token, "active": "1"}, headers={"HX-Request": "true"}
    )
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="achievement-{achievement.id}">')
    assert "Deactivate" in html
    assert fresh(achievement.id).is_active

    logs = admin_logs()
    assert [log.action for log in logs] == ["achievement.deactivate", "achievement.activate"]
    assert logs[0].before == {"is_active": True} and logs[0].after == {"is_active": False}
    assert all(log.admin_id == admin.id for log in logs)
    # No coins move when a definition is switched.
    assert db.session.execute(select(func.count()).select_from(CoinTransaction)).scalar_one() == 0
    assert ledger.ledger_totals(member.id).available == 0


@pytest.mark.parametrize(
    "raw",
    ['{"total_steps": 1000, "streak_days": 7}', {"orders_count": 1}],
)
def test_criteria_parse_from_json_text_or_a_mapping(raw):
    expected = json.loads(raw) if isinstance(raw, str) else raw
    assert parse_criteria(raw) == expected


def test_criteria_with_a_boolean_target_are_refused():
    with pytest.raises(ValidationFailed, match="positive whole number"):
        parse_criteria('{"orders_count": true}')
