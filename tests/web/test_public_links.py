"""Links in e-mails come from PUBLIC_BASE_URL, and unknown Host headers get 400 (issue 12.1)."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.config import Config, DevelopmentConfig
from app.core import mail
from tests.fixtures.sign_in import csrf_from


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_request_for_an_unknown_host_is_answered_400_before_any_view(client, member):
    page = client.get("/password/forgot", base_url="http://evil.example")
    answer = client.post(
        "/password/forgot",
        data={"email": member.email},
        base_url="http://evil.example",
    )

    assert page.status_code == 400 and answer.status_code == 400
    assert mail.outbox() == []


def test_the_api_refuses_an_unknown_host_with_the_json_error_shape(client):
    answer = client.get("/api/v1/openapi.json", base_url="http://evil.example")

    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_request"


def test_the_reset_mail_links_to_the_public_address_whatever_host_was_asked(app, client, member):
    app.config["PUBLIC_BASE_URL"] = "https://fitkart.example"
    page = client.get("/password/forgot", base_url="http://127.0.0.1:5120")
    client.post(
        "/password/forgot",
        data={"email": member.email, "csrf_token": csrf_from(page.text)},
        base_url="http://127.0.0.1:5120",
    )

    (sent,) = mail.outbox()
    (link,) = links_in(sent.body)
    assert link.startswith("https://fitkart.example/password/reset/")


def test_the_admin_reset_button_mails_a_link_on_the_public_address(app, admin, member, sign_in):
    app.config["PUBLIC_BASE_URL"] = "https://fitkart.example"
    console = sign_in(admin)
    console.post(f"/admin/users/{member.id}/password-reset")

    (sent,) = mail.outbox()
    assert sent.to == member.email
    assert [link.split("/password/")[0] for link in links_in(sent.body)] == [
        "https://fitkart.example"
    ]


def test_the_sign_up_notice_links_to_the_public_address(app, client, member):
    app.config["PUBLIC_BASE_URL"] = "https://fitkart.example"
    page = client.get("/register", base_url="http://127.0.0.1:5120")
    client.post(
        "/register",
        data={
            "csrf_token": csrf_from(page.text),
            "full_name": "Someone Else",
            "email": member.email,
            "password": "a-fresh-long-secret",
            "timezone": "UTC",
        },
        base_url="http://127.0.0.1:5120",
    )

    (sent,) = mail.outbox()
    assert links_in(sent.body) == [
        "https://fitkart.example/login",
        "https://fitkart.example/password/forgot",
    ]


def production_config(**settings: object) -> type[Config]:
    return type(
        "Production",
        (Config,),
        {"SECRET_KEY": "s" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings},
    )


def test_production_refuses_to_start_without_a_public_base_url():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(production_config(PUBLIC_BASE_URL=None, SCHEDULER_ENABLED=False))


def test_production_trusts_only_the_public_host_unless_told_otherwise():
    app = create_app(
        production_config(PUBLIC_BASE_URL="https://fitkart.example/", SCHEDULER_ENABLED=False)
    )
    assert app.config["TRUSTED_HOSTS"] == ["fitkart.example"]
    assert app.config["PUBLIC_BASE_URL"] == "https://fitkart.example"

    listed = create_app(
        production_config(
            PUBLIC_BASE_URL="https://fitkart.example",
            TRUSTED_HOSTS=["fitkart.example", "www.fitkart.example"],
            SCHEDULER_ENABLED=False,
        )
    )
    assert listed.config["TRUSTED_HOSTS"] == ["fitkart.example", "www.fitkart.example"]


def test_development_also_answers_on_the_loopback_names():
    config = type(
        "Dev",
        (DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULER_ENABLED": False},
    )
    app = create_app(config)
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["TRUSTED_HOSTS"]) >= {"127.0.0.1", "localhost"}
