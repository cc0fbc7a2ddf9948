"""/admin/settings: the SPEC §5 settings in one form, all valid or nothing saved, audited."""

from __future__ import annotations

from sqlalchemy import select

from app.backoffice.settings import SPECS, get_settings
from app.extensions import db
from app.models.admin import Setting
from tests.admin.audit_trail import admin_logs
from tests.fixtures.sign_in import csrf_token


def current_values() -> dict[str, str]:
    settings = get_settings()
    return {spec.key: str(getattr(settings, spec.key)) for spec in SPECS}


def stored() -> dict[str, object]:
    db.session.expire_all()
    return dict(db.session.execute(select(Setting.key, Setting.value)).all())


def test_the_settings_page_shows_every_setting_with_its_value(admin_client):
    answer = admin_client.get("/admin/settings")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for spec in SPECS:
        assert f'name="{spec.key}"' in html
        assert f'value="{spec.default}"' in html
        assert spec.description in html


def test_members_get_403(member_client):
    assert member_client.get("/admin/settings").status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/admin/settings")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_saving_without_a_csrf_token_is_400(admin_client):
    answer = admin_client.post("/admin/settings", data={**current_values(), "steps_per_coin": "50"})
    assert answer.status_code == 400
    assert get_settings().steps_per_coin == 100
    assert admin_logs() == []


def test_saving_stores_the_changes_and_audits_old_and_new(admin_client, admin):
    token = csrf_token(admin_client, "/admin/settings")
    data = {**current_values(), "steps_per_coin": "50", "anomaly_threshold": "80"}
    answer = admin_client.post("/admin/settings", data={**data, "csrf_token": token})
    assert answer.status_code == 302

    settings = get_settings()
    assert (settings.steps_per_coin, settings.anomaly_threshold) == (50, 80)
    assert stored()["steps_per_coin"] == 50
    logs = admin_logs()
    assert {(log.entity_id, log.action) for log in logs} == {
        ("steps_per_coin", "setting.update"),
        ("anomaly_threshold", "setting.update"),
    }
    by_key = {log.entity_id: log for log in logs}
    assert by_key["steps_per_coin"].before == {"steps_per_coin": 100}
    assert by_key["steps_per_coin"].after == {"steps_per_coin": 50}
    assert all(log.admin_id == admin.id and log.entity_type == "setting" for log in logs)

    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "steps_per_coin 100 → 50" in page
    assert 'value="50"' in page


def test_saving_the_same_values_changes_and_audits_nothing(admin_client):
    token = csrf_token(admin_client, "/admin/settings")
    answer = admin_client.post(
        "/admin/settings", data={**current_values(), "csrf_token": token}, follow_redirects=True
    )
    assert "Nothing changed." in answer.get_data(as_text=True)
    assert admin_logs() == []


def test_one_invalid_field_saves_nothing_and_marks_each_bad_field(admin_client):
    token = csrf_token(admin_client, "/admin/settings")
    data = {
        **current_values(),
        "steps_per_coin": "50",  # valid, but must not be saved alone
        "anomaly_threshold": "101",
        "max_backfill_days": "seven",
        "daily_step_cap": "",
    }
    answer = admin_client.post("/admin/settings", data={**data, "csrf_token": token})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Nothing was saved" in html
    assert 'id="anomaly_threshold-error"' in html
    assert "anomaly_threshold must be between 1 and 100." in html
    assert 'id="max_backfill_days-error"' in html
    assert "max_backfill_days must be a whole number." in html
    assert 'id="daily_step_cap-error"' in html and "Enter a whole number." in html
    assert 'id="steps_per_coin-error"' not in html
    assert 'value="seven"' in html and 'value="50"' in html  # what was typed stays
    assert get_settings().steps_per_coin == 100
    assert stored() == {}
    assert admin_logs() == []
