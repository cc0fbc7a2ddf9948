"""JSON bodies are strictly typed: `true` or `"100"` is not a number (issue 12.11)."""

from __future__ import annotations

import pytest

from tests.api.conftest import record, today


@pytest.mark.parametrize("steps", [True, "100", 100.5, None, [100]])
def test_a_step_count_that_is_not_a_json_integer_is_422_naming_the_field(phone, steps):
    answer = phone.sync({**record(steps=1000), "steps": steps})

    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "records.0.steps"


def test_dates_and_times_still_come_as_iso_strings_and_distances_may_be_integers(phone):
    answer = phone.sync(
        record(
            steps=1200,
            distance_m=900,
            intervals=[
                {"start": f"{today()}T08:00:00Z", "end": f"{today()}T08:30:00Z", "steps": 1200}
            ],
        )
    )

    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["steps"] == 1200


@pytest.mark.parametrize(
    "line", [{"product_id": "1"}, {"product_id": True}, {"product_id": 1, "quantity": "2"}]
)
def test_order_lines_with_quoted_or_boolean_numbers_are_422(phone, line):
    answer = phone.post(
        "/orders",
        {"items": [line], "shipping_address": {"line1": "a", "city": "b", "country": "DE"}},
    )

    assert answer.status_code == 422


def test_a_password_that_is_a_number_is_not_turned_into_text(client):
    answer = client.post(
        "/api/v1/auth/login", json={"email": "a@example.com", "password": 12345678}
    )

    assert answer.status_code == 422


def test_query_strings_still_parse_numbers_from_text(phone):
    assert phone.get("/wallet/transactions?limit=5").status_code == 200
