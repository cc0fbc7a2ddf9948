"""Security headers on every kind of answer: member page, admin page, API JSON, static file."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import Config
from tests.fixtures.sign_in import Phone, sign_in


def csp_directives(header: str) -> dict[str, set[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {name: set(values) for name, *values in parts}


def assert_hardened(answer) -> None:
    headers = answer.headers
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == {"'self'"}
    assert csp["script-src"] == {"'self'"} and csp["style-src"] == {"'self'"}
    assert csp["frame-ancestors"] == {"'none'"} and csp["object-src"] == {"'none'"}
    assert not any("unsafe" in value for values in csp.values() for value in values)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    # Development and tests have no TLS: no HSTS, and nothing names the server software.
    assert "Strict-Transport-Security" not in headers
    assert "Server" not in headers and "X-Powered-By" not in headers


@pytest.fixture
def pages(app, member, admin, client):
    member_client = sign_in(app.test_client(), member.email)
    admin_client = sign_in(app.test_client(), admin.email)
    phone = Phone(client, member.email)
    return {
        "landing": client.get("/"),
        "login": client.get("/login"),
        "member page": member_client.get("/dashboard"),
        "member fragment": member_client.get("/rewards", headers={"HX-Request": "true"}),
        "admin page": admin_client.get("/admin"),
        "api json": client.get("/api/v1/me", headers=phone.headers),
        "api error": client.get("/api/v1/me"),
        "static file": client.get("/static/js/app.js"),
        "not found page": client.get("/no-such-page"),
    }


def test_every_kind_of_answer_carries_the_security_headers(pages):
    expected = {
        "landing": 200,
        "login": 200,
        "member page": 200,
        "member fragment": 200,
        "admin page": 200,
        "api json": 200,
        "api error": 401,
        "static file": 200,
        "not found page": 404,
    }
    assert {name: answer.status_code for name, answer in pages.items()} == expected
    for name, answer in pages.items():
        try:
            assert_hardened(answer)
        except (AssertionError, KeyError) as exc:
            raise AssertionError(f"{name}: {exc!r}") from exc
        answer.close()


def test_htmx_runs_without_eval_or_its_inline_indicator_styles(client):
    html = client.get("/login").get_data(as_text=True)
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html
    # Nothing inline that the CSP would block.
    assert "<style" not in html and "style=" not in html and " onclick=" not in html


def test_production_adds_hsts_and_redirects_plain_http(database_uri):
    production = type(
        "Production",
        (Config,),
        {
            "SECRET_KEY": "production-test-key",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SCHEDULER_ENABLED": False,
            "PUBLIC_BASE_URL": "https://fitkart.example",
        },
    )
    app = create_app(production)
    plain = app.test_client().get("/login", base_url="http://fitkart.example")
    assert plain.status_code == 302 and plain.headers["Location"].startswith("https://")
    secure = app.test_client().get("/login", base_url="https://fitkart.example")
    assert secure.status_code == 200
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    assert secure.headers["Referrer-Policy"] == "same-origin"
