"""Behind a proxy: X-Forwarded-* believed for exactly TRUSTED_PROXIES hops, never by default."""

from __future__ import annotations

from flask import Flask, request, url_for

from app.extensions import db
from app.models.admin import AdminLog
from tests.fixtures.factories import PASSWORD, totp_code
from tests.fixtures.sign_in import csrf_from

LOGIN_LIMIT_PER_IP = 10
PROXIED = {
    "X-Forwarded-For": "203.0.113.50",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "fitkart.example",
}


def _failed_logins(client, forwarded_for: str, count: int) -> list[int]:
    """Wrong passwords for different accounts, so only the per-IP limit can answer 429."""
    return [
        client.post(
            "/api/v1/auth/login",
            json={"email": f"nobody{n}-{forwarded_for}@example.com", "password": "wrong-pass-1"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for n in range(count)
    ]


def _with_echo(app: Flask) -> Flask:
    @app.get("/_echo")
    def echo():
        return {
            "remote_addr": request.remote_addr,
            "landing": url_for("web.landing", _external=True),
        }

    return app


def test_without_trusted_proxies_a_spoofed_forwarded_for_gets_no_fresh_bucket(make_app):
    client = make_app(TRUSTED_PROXIES=0).test_client()
    assert _failed_logins(client, "203.0.113.1", LOGIN_LIMIT_PER_IP) == [401] * LOGIN_LIMIT_PER_IP
    # Another X-Forwarded-For from the same socket is the same client: still limited.
    assert _failed_logins(client, "198.51.100.7", 1) == [429]


def test_behind_one_trusted_proxy_each_client_has_its_own_limit(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    assert _failed_logins(client, "203.0.113.1", LOGIN_LIMIT_PER_IP + 1)[-1] == 429
    assert _failed_logins(client, "198.51.100.7", 1) == [401]


def test_trusted_proxy_supplies_client_address_scheme_and_host(make_app):
    proxied = make_app(TRUSTED_PROXIES=1, PUBLIC_BASE_URL="https://fitkart.example")
    echo = _with_echo(proxied).test_client().get("/_echo", headers=PROXIED)
    assert echo.get_json() == {
        "remote_addr": "203.0.113.50",
        "landing": "https://fitkart.example/",
    }


def test_a_forwarded_host_must_still_be_a_trusted_host(make_app):
    proxied = make_app(TRUSTED_PROXIES=1, PUBLIC_BASE_URL="https://fitkart.example")
    forged = {**PROXIED, "X-Forwarded-Host": "evil.example"}
    assert proxied.test_client().get("/healthz", headers=forged).status_code == 400


def test_forwarded_headers_are_ignored_by_default(make_app):
    echo = _with_echo(make_app(TRUSTED_PROXIES=0)).test_client().get("/_echo", headers=PROXIED)
    assert echo.get_json() == {"remote_addr": "127.0.0.1", "landing": "http://localhost/"}


def test_audit_log_records_the_client_behind_the_proxy(make_app, make_member, admin):
    member = make_member()
    forwarded = {"X-Forwarded-For": "203.0.113.50"}
    client = make_app(TRUSTED_PROXIES=1).test_client()
    login_page = client.get("/login")
    client.post(
        "/login",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_from(login_page.text)},
        headers=forwarded,
    )
    client.post(
        "/account/second-factor",
        data={"code": totp_code(admin), "csrf_token": csrf_from(login_page.text)},
        headers=forwarded,
    )
    page = client.get(f"/admin/users/{member.id}", headers=forwarded)
    response = client.post(
        f"/admin/users/{member.id}/status",
        data={"status": "banned", "reason": "testing", "csrf_token": csrf_from(page.text)},
        headers=forwarded,
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == f"/admin/users/{member.id}", response.headers
    log = db.session.scalars(db.select(AdminLog).order_by(AdminLog.id.desc())).first()
    assert log is not None and log.ip_address == "203.0.113.50"
