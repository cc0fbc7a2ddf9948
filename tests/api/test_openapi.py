"""The OpenAPI document is generated from the schemas, and the API keeps to it.

Schemathesis generates requests from /api/v1/openapi.json for every operation, valid
and invalid alike, and checks that none gets a 5xx and every answer fits its schema.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.backoffice import admin_tokens
from app.coins import ledger
from app.core.db import transaction
from tests.fixtures.sign_in import Phone

EXAMPLES_PER_OPERATION = 30


def test_openapi_document_lists_every_spec_path(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    expected = {
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/email-code"),
        ("post", "/api/v1/auth/email-code/verify"),
        ("post", "/api/v1/me/email-verification"),
        ("post", "/api/v1/me/email-verification/confirm"),
        ("post", "/api/v1/auth/oauth/google"),
        ("post", "/api/v1/auth/oauth/apple"),
        ("post", "/api/v1/me/providers/{provider}"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/steps/sync"),
        ("get", "/api/v1/steps"),
        ("get", "/api/v1/wallet"),
        ("get", "/api/v1/wallet/transactions"),
        ("get", "/api/v1/leaderboard"),
        ("get", "/api/v1/achievements"),
        ("get", "/api/v1/products"),
        ("get", "/api/v1/products/{product_id}"),
        ("get", "/api/v1/cart"),
        ("post", "/api/v1/cart/items"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/orders"),
        ("get", "/api/v1/orders/{code}"),
        ("post", "/api/v1/orders/{code}/cancel"),
        ("post", "/api/v1/steps/{date}/appeal"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/friends"),
        ("post", "/api/v1/friends/invitations"),
        ("post", "/api/v1/friends/invitations/{friendship_id}/accept"),
        ("post", "/api/v1/friends/invitations/{friendship_id}/decline"),
        ("delete", "/api/v1/friends/{user_id}"),
        ("post", "/api/v1/friends/{user_id}/block"),
        ("post", "/api/v1/promo-codes/redeem"),
        ("get", "/api/v1/challenges"),
        ("post", "/api/v1/challenges"),
        ("get", "/api/v1/challenges/{challenge_id}"),
        ("post", "/api/v1/challenges/{challenge_id}/join"),
        ("post", "/api/v1/challenges/{challenge_id}/decline"),
        ("post", "/api/v1/challenges/{challenge_id}/invitations"),
        ("post", "/api/v1/challenges/{challenge_id}/cancel"),
        ("get", "/api/v1/teams"),
        ("post", "/api/v1/teams"),
        ("post", "/api/v1/teams/join"),
        ("post", "/api/v1/teams/leave"),
        ("get", "/api/v1/wishlist"),
        ("post", "/api/v1/wishlist"),
        ("delete", "/api/v1/wishlist/{product_id}"),
        ("get", "/api/v1/goal"),
        ("put", "/api/v1/goal"),
        ("delete", "/api/v1/goal"),
        ("get", "/api/v1/products/{product_id}/reviews"),
        ("put", "/api/v1/products/{product_id}/reviews/mine"),
        ("post", "/api/v1/reviews/{review_id}/report"),
    }
    listed = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert {op for op in listed if not op[1].startswith("/api/v1/admin/")} == expected
    sync = document["paths"]["/api/v1/steps/sync"]["post"]
    assert {"200", "400", "401", "413", "415", "422"} <= set(sync["responses"])
    assert "Idempotency-Key" in {p["name"] for p in sync["parameters"]}
    events = document["paths"]["/api/v1/events"]["get"]
    assert set(events["responses"]["200"]["content"]) == {"text/event-stream"}
    assert {"401", "503"} <= set(events["responses"])
    assert events["security"] == [{"bearerAuth": []}]
    schemas = document["components"]["schemas"]
    assert schemas["StepRecordIn"]["properties"]["source"]["enum"][0] == "google_fit"


ADMIN_OPERATIONS = {
    ("get", "/api/v1/admin/members"),
    ("get", "/api/v1/admin/members/{user_id}"),
    ("post", "/api/v1/admin/members/{user_id}/status"),
    ("post", "/api/v1/admin/members/{user_id}/coin-adjustments"),
    ("get", "/api/v1/admin/fraud/cases"),
    ("get", "/api/v1/admin/fraud/cases/{case_id}"),
    ("post", "/api/v1/admin/fraud/cases/{case_id}/approve"),
    ("post", "/api/v1/admin/fraud/cases/{case_id}/reject"),
    ("get", "/api/v1/admin/settings"),
    ("patch", "/api/v1/admin/settings"),
    ("get", "/api/v1/admin/analytics"),
    ("get", "/api/v1/admin/jobs"),
    ("get", "/api/v1/admin/jobs/runs"),
    ("post", "/api/v1/admin/jobs/{name}/run"),
}


def test_openapi_document_lists_the_admin_api_with_its_token_scheme(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listed = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert {op for op in listed if op[1].startswith("/api/v1/admin/")} == ADMIN_OPERATIONS
    adjust = document["paths"]["/api/v1/admin/members/{user_id}/coin-adjustments"]["post"]
    assert adjust["security"] == [{"adminToken": []}]
    assert adjust["x-token-scope"] == "write"
    assert {"401", "403", "404", "409", "422"} <= set(adjust["responses"])
    assert "Idempotency-Key" in {p["name"] for p in adjust["parameters"]}
    listing = document["paths"]["/api/v1/admin/members"]["get"]
    assert listing["x-token-scope"] == "read"
    assert {"q", "limit", "cursor"} <= {p["name"] for p in listing["parameters"]}
    assert "adminToken" in document["components"]["securitySchemes"]


def _fuzz(operations, headers) -> None:
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # Business rules (a taken e-mail, an unknown time zone) may refuse a request the
            # schema allows; everything else — no 5xx, documented codes, conforming bodies,
            # invalid input refused — is checked.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()


def _is_admin(operation) -> bool:
    return operation.path.startswith("/api/v1/admin/")


@pytest.fixture
def fuzz_target(app, member, make_product):
    make_product("Fuzz Mat", coin_price=50, stock_quantity=1000)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 10_000)
    phone = Phone(app.test_client(), member.email)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), phone.headers


def test_no_generated_request_gets_a_5xx_or_breaks_its_schema(fuzz_target):
    schema, headers = fuzz_target
    operations = [result.ok() for result in schema.get_all_operations()]
    member_operations = [op for op in operations if not _is_admin(op)]
    assert len(member_operations) == 55
    _fuzz(member_operations, headers)


def test_no_generated_admin_request_gets_a_5xx_or_breaks_its_schema(fuzz_target, admin):
    schema, _ = fuzz_target
    secret = admin_tokens.create_token(admin.id, "fuzzer", "write", 1).secret
    operations = [result.ok() for result in schema.get_all_operations()]
    admin_operations = [op for op in operations if _is_admin(op)]
    assert len(admin_operations) == len(ADMIN_OPERATIONS)
    _fuzz(admin_operations, {"Authorization": f"Bearer {secret}"})
