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

from app.services import ledger
from app.services.db import transaction
from tests.api.conftest import Phone

EXAMPLES_PER_OPERATION = 30


def test_openapi_document_lists_every_spec_path(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    expected = {
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/steps/sync"),
        ("get", "/api/v1/steps"),
        ("get", "/api/v1/wallet"),
        ("get", "/api/v1/wallet/transactions"),
        ("get", "/api/v1/leaderboard"),
        ("get", "/api/v1/achievements"),
        ("get", "/api/v1/products"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/orders"),
        ("get", "/api/v1/orders/{code}"),
        ("post", "/api/v1/orders/{code}/cancel"),
        ("post", "/api/v1/steps/{date}/appeal"),
    }
    listed = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert listed == expected
    sync = document["paths"]["/api/v1/steps/sync"]["post"]
    assert {"200", "400", "401", "413", "415", "422"} <= set(sync["responses"])
    assert "Idempotency-Key" in {p["name"] for p in sync["parameters"]}
    schemas = document["components"]["schemas"]
    assert schemas["StepRecordIn"]["properties"]["source"]["enum"][0] == "google_fit"


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
    assert len(operations) == 17
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
