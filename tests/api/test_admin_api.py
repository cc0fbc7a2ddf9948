"""The admin API (/api/v1/admin): personal access tokens made in the console, scopes, and
actions audited exactly as the pages audit them, plus the token's name."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.backoffice import admin_tokens
from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.admin import AdminApiToken, AdminLog, Setting
from app.models.base import utcnow
from app.models.users import User
from app.models.wallet import Wallet
from tests.fixtures.sign_in import Phone, sign_in
from tests.fraud.test_review import flag_a_day

API = "/api/v1/admin"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_error(answer, status: int, code: str | None = None) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def create_in_console(client, name: str, scope: str, days: str = "30") -> str:
    """Create a token through /admin/tokens as an admin would and read the one-time secret."""
    answer = client.post(
        "/admin/tokens",
        data={"name": name, "scope": scope, "expires_in_days": days, "csrf_token": client.csrf},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)[:500]
    match = re.search(
        r"<code class=\"token-secret\" data-token>(fka_[A-Za-z0-9_-]+)</code>",
        answer.get_data(as_text=True),
    )
    assert match, "the new token is shown on the page"
    return match.group(1)


@pytest.fixture
def console(app, admin):
    return sign_in(app.test_client(), admin.email)


@pytest.fixture
def write_token(admin) -> str:
    return admin_tokens.create_token(admin.id, "ops-script", "write", 30).secret


@pytest.fixture
def read_token(admin) -> str:
    return admin_tokens.create_token(admin.id, "dashboards", "read", 30).secret


def audit_rows() -> list[AdminLog]:
    db.session.expire_all()
    return list(db.session.execute(select(AdminLog).order_by(AdminLog.id)).scalars())


def test_a_script_with_a_write_token_reviews_a_case_and_adjusts_coins_audited_by_name(
    client, console, member
):
    secret = create_in_console(console, "nightly-triage", "write")
    case = flag_a_day(member, 9_050)
    queue = client.get(f"{API}/fraud/cases", headers=bearer(secret))
    assert queue.status_code == 200
    assert [c["id"] for c in queue.get_json()["items"]] == [case.id]

    evidence = client.get(f"{API}/fraud/cases/{case.id}", headers=bearer(secret)).get_json()
    assert evidence["case"]["member_id"] == member.id
    assert len(evidence["days"]) == 30

    approved = client.post(
        f"{API}/fraud/cases/{case.id}/approve", json={"note": "hike"}, headers=bearer(secret)
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json() == {"id": case.id, "status": "approved", "coins_awarded": 90}

    adjusted = client.post(
        f"{API}/members/{member.id}/coin-adjustments",
        json={"amount": 25, "reason": "Support ticket 4411"},
        headers=bearer(secret),
    )
    assert adjusted.status_code == 201, adjusted.get_json()
    body = adjusted.get_json()
    assert body["transaction"]["amount"] == 25
    assert body["wallet"]["available_coins"] == 115

    rows = {row.action: row for row in audit_rows()}
    assert rows["fraud.approve"].token_name == "nightly-triage"
    assert rows["fraud.approve"].entity_id == str(case.id)
    assert rows["wallet.adjust"].token_name == "nightly-triage"
    assert rows["wallet.adjust"].note == "Support ticket 4411"
    assert rows["api_token.create"].token_name is None  # made in the console, not by a token

    page = console.get("/admin/audit").get_data(as_text=True)
    assert page.count("nightly-triage") >= 2
    assert "via token" in page


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(console, admin):
    secret = create_in_console(console, "once", "read")
    stored = db.session.execute(select(AdminApiToken)).scalar_one()
    assert stored.token_hash == admin_tokens.hash_secret(secret)
    assert secret not in (stored.token_hint + stored.token_hash)
    listing = console.get("/admin/tokens").get_data(as_text=True)
    assert secret not in listing
    assert stored.token_hint in listing and "once" in listing


def test_revoked_token_gets_401_and_the_list_shows_last_use(client, console, admin):
    secret = create_in_console(console, "to-revoke", "read")
    assert client.get(f"{API}/settings", headers=bearer(secret)).status_code == 200
    token = db.session.execute(select(AdminApiToken)).scalar_one()
    db.session.refresh(token)
    assert token.last_used_at is not None
    page = console.get("/admin/tokens").get_data(as_text=True)
    assert 'data-state="active"' in page and "never" not in page

    answer = console.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": console.csrf})
    assert answer.status_code == 302
    assert_error(client.get(f"{API}/settings", headers=bearer(secret)), 401, "unauthorized")
    assert 'data-state="revoked"' in console.get("/admin/tokens").get_data(as_text=True)
    assert "api_token.revoke" in [row.action for row in audit_rows()]


def test_an_admin_cannot_revoke_another_admins_token(console, make_member):
    other = make_member(role="admin")
    theirs = admin_tokens.create_token(other.id, "theirs", "write", 30).token
    answer = console.post(
        f"/admin/tokens/{theirs.id}/revoke",
        data={"csrf_token": console.csrf},
        follow_redirects=True,
    )
    assert "No such token." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AdminApiToken, theirs.id).revoked_at is None


def test_expired_token_gets_401(client, admin):
    created = admin_tokens.create_token(
        admin.id, "old", "read", 1, now=utcnow() - timedelta(days=2)
    )
    assert_error(client.get(f"{API}/settings", headers=bearer(created.secret)), 401)


def test_read_token_gets_403_on_every_write(client, read_token, member):
    case = flag_a_day(member)
    writes = [
        (f"{API}/fraud/cases/{case.id}/approve", {}),
        (f"{API}/members/{member.id}/coin-adjustments", {"amount": 5, "reason": "x"}),
        (f"{API}/members/{member.id}/status", {"status": "banned", "reason": "x"}),
        (f"{API}/jobs/leaderboards/run", None),
    ]
    for path, payload in writes:
        assert_error(
            client.post(path, json=payload, headers=bearer(read_token)), 403, "insufficient_scope"
        )
    patch = client.patch(
        f"{API}/settings", json={"values": {"steps_per_coin": 5}}, headers=bearer(read_token)
    )
    assert_error(patch, 403, "insufficient_scope")
    assert db.session.execute(select(func.count()).select_from(Wallet)).scalar_one() >= 1
    assert [r.action for r in audit_rows() if not r.action.startswith(("api.", "api_token"))] == []


def test_a_members_access_token_or_a_demoted_admins_token_gets_403(
    client, member, admin, write_token
):
    phone = Phone(client, member.email)
    assert_error(client.get(f"{API}/members", headers=phone.headers), 403, "forbidden")
    db.session.get(User, admin.id).role = "member"
    db.session.commit()
    assert_error(client.get(f"{API}/members", headers=bearer(write_token)), 403, "forbidden")


def test_a_banned_admins_token_is_refused(client, admin, make_member, write_token):
    boss = make_member(role="admin")
    from app.backoffice import member_admin

    member_admin.set_status(admin.id, "banned", admin_id=boss.id, reason="left the company")
    assert_error(client.get(f"{API}/members", headers=bearer(write_token)), 403, "account_disabled")


@pytest.mark.parametrize(
    "header",
    [None, "Basic abc", "Bearer ", "Bearer fka_not-a-real-token", "Bearer not-a-jwt"],
)
def test_missing_or_unknown_credentials_get_401(client, header):
    headers = {"Authorization": header} if header else {}
    assert_error(client.get(f"{API}/members", headers=headers), 401, "unauthorized")


def test_members_list_searches_and_pages_with_cursors(client, read_token, make_member):
    for n in range(5):
        make_member(email=f"pager{n}@example.com", full_name=f"Pager {n}")
    first = client.get(f"{API}/members?q=pager&limit=2", headers=bearer(read_token)).get_json()
    assert [m["email"] for m in first["items"]] == ["pager4@example.com", "pager3@example.com"]
    seen = [m["email"] for m in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            f"{API}/members?q=pager&limit=2&cursor={cursor}", headers=bearer(read_token)
        ).get_json()
        seen += [m["email"] for m in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [f"pager{n}@example.com" for n in range(4, -1, -1)]
    bad = client.get(f"{API}/members?cursor=nonsense", headers=bearer(read_token))
    assert_error(bad, 422, "validation_error")


def test_member_detail_shows_wallet_ledger_and_flags(client, read_token, member):
    with transaction():
        ledger.award_step_coins(member.id, utcnow().date() - timedelta(days=3), 40)
    flag_a_day(member)
    detail = client.get(f"{API}/members/{member.id}", headers=bearer(read_token)).get_json()
    assert detail["member"]["email"] == member.email
    assert detail["wallet"]["available_coins"] == 40
    assert [t["amount"] for t in detail["recent_transactions"]] == [40]
    assert detail["flags"] == {"pending": 1}
    assert_error(client.get(f"{API}/members/999999", headers=bearer(read_token)), 404)


def test_ban_and_unban_are_audited_like_the_page(client, write_token, member):
    missing = client.post(
        f"{API}/members/{member.id}/status", json={"status": "banned"}, headers=bearer(write_token)
    )
    assert_error(missing, 422)
    banned = client.post(
        f"{API}/members/{member.id}/status",
        json={"status": "banned", "reason": "GPS spoofing"},
        headers=bearer(write_token),
    )
    assert banned.status_code == 200 and banned.get_json()["status"] == "banned"
    restored = client.post(
        f"{API}/members/{member.id}/status",
        json={"status": "active"},
        headers=bearer(write_token),
    )
    assert restored.get_json()["status"] == "active"
    rows = [(r.action, r.token_name) for r in audit_rows() if r.action.startswith("user.")]
    assert rows == [("user.banned", "ops-script"), ("user.restore", "ops-script")]


def test_coin_adjustment_needs_a_reason_and_replays_with_an_idempotency_key(
    client, write_token, member
):
    no_reason = client.post(
        f"{API}/members/{member.id}/coin-adjustments",
        json={"amount": 10},
        headers=bearer(write_token),
    )
    assert_error(no_reason, 422)
    overdraw = client.post(
        f"{API}/members/{member.id}/coin-adjustments",
        json={"amount": -10, "reason": "oops"},
        headers=bearer(write_token),
    )
    assert_error(overdraw, 409)
    headers = {**bearer(write_token), "Idempotency-Key": "ticket-7"}
    body = {"amount": 30, "reason": "ticket 7"}
    first = client.post(f"{API}/members/{member.id}/coin-adjustments", json=body, headers=headers)
    again = client.post(f"{API}/members/{member.id}/coin-adjustments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    db.session.expire_all()
    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == member.id)).scalar_one()
    assert wallet.available_coins == 30


def test_reject_needs_a_note_and_a_second_decision_is_a_409(client, write_token, member):
    case = flag_a_day(member)
    assert_error(
        client.post(f"{API}/fraud/cases/{case.id}/reject", json={}, headers=bearer(write_token)),
        422,
    )
    rejected = client.post(
        f"{API}/fraud/cases/{case.id}/reject",
        json={"note": "Steps typed in"},
        headers=bearer(write_token),
    )
    assert rejected.get_json()["status"] == "rejected"
    again = client.post(
        f"{API}/fraud/cases/{case.id}/approve", json={}, headers=bearer(write_token)
    )
    assert_error(again, 409, "already_reviewed")
    closed = client.get(f"{API}/fraud/cases?status=rejected", headers=bearer(write_token))
    assert [c["review_note"] for c in closed.get_json()["items"]] == ["Steps typed in"]
    assert client.get(f"{API}/fraud/cases", headers=bearer(write_token)).get_json()["items"] == []


def test_settings_read_and_update_validated_and_audited(client, write_token):
    listed = client.get(f"{API}/settings", headers=bearer(write_token)).get_json()["items"]
    keys = {item["key"]: item for item in listed}
    assert keys["review_queue_max_age_hours"]["value"] == 48
    bad = client.patch(
        f"{API}/settings",
        json={"values": {"steps_per_coin": 50, "anomaly_threshold": 500}},
        headers=bearer(write_token),
    )
    error = assert_error(bad, 422, "validation_error")
    assert error["details"][0]["field"] == "anomaly_threshold"
    assert db.session.get(Setting, "steps_per_coin") is None  # nothing saved
    good = client.patch(
        f"{API}/settings",
        json={"values": {"steps_per_coin": 50, "review_queue_max_age_hours": 24}},
        headers=bearer(write_token),
    )
    assert good.status_code == 200, good.get_json()
    assert good.get_json()["changed"] == {
        "steps_per_coin": {"old": 100, "new": 50},
        "review_queue_max_age_hours": {"old": 48, "new": 24},
    }
    rows = [(r.entity_id, r.token_name) for r in audit_rows() if r.action == "setting.update"]
    assert sorted(rows) == [
        ("review_queue_max_age_hours", "ops-script"),
        ("steps_per_coin", "ops-script"),
    ]


def test_analytics_for_a_date_range(client, read_token, member):
    with transaction():
        ledger.award_step_coins(member.id, utcnow().date(), 70)
    today = utcnow().date()
    answer = client.get(
        f"{API}/analytics?from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}",
        headers=bearer(read_token),
    )
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert len(report["days"]) == 7
    assert report["coins"]["issued"] == 70
    backwards = client.get(
        f"{API}/analytics?from={today.isoformat()}&to=2020-01-01", headers=bearer(read_token)
    )
    assert_error(backwards, 422)


def test_jobs_list_run_now_and_history(client, write_token):
    jobs = client.get(f"{API}/jobs", headers=bearer(write_token)).get_json()["items"]
    assert "reconcile_wallets" in {job["name"] for job in jobs}
    ran = client.post(f"{API}/jobs/reconcile_wallets/run", headers=bearer(write_token))
    assert ran.status_code == 200, ran.get_json()
    assert ran.get_json()["outcome"] == "success"
    runs = client.get(f"{API}/jobs/runs?job=reconcile_wallets", headers=bearer(write_token))
    assert [r["id"] for r in runs.get_json()["items"]] == [ran.get_json()["run_id"]]
    assert_error(client.post(f"{API}/jobs/nope/run", headers=bearer(write_token)), 404)
    assert [(r.entity_id, r.token_name) for r in audit_rows() if r.action == "job.run"] == [
        ("reconcile_wallets", "ops-script")
    ]


def test_every_read_call_is_audited_with_the_token_name(client, read_token):
    client.get(f"{API}/settings", headers=bearer(read_token))
    client.get(f"{API}/members?q=ada", headers=bearer(read_token))
    reads = [(r.entity_id, r.note, r.token_name) for r in audit_rows() if r.action == "api.read"]
    assert reads == [
        ("api.admin_get_settings", "/api/v1/admin/settings?", "dashboards"),
        ("api.admin_list_members", "/api/v1/admin/members?q=ada", "dashboards"),
    ]


def test_creating_a_token_needs_the_csrf_token_and_a_valid_form(console):
    forged = console.post(
        "/admin/tokens", data={"name": "x", "scope": "write", "expires_in_days": "30"}
    )
    assert forged.status_code == 400
    blank = console.post(
        "/admin/tokens",
        data={"name": " ", "scope": "admin", "expires_in_days": "9999", "csrf_token": console.csrf},
    )
    assert blank.status_code == 422
    html = blank.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "field-error" in html
    assert db.session.execute(select(func.count()).select_from(AdminApiToken)).scalar_one() == 0


def test_members_cannot_open_the_tokens_page(app, member):
    client = sign_in(app.test_client(), member.email)
    assert client.get("/admin/tokens").status_code == 403
    assert client.post("/admin/tokens", data={"csrf_token": client.csrf}).status_code == 403
