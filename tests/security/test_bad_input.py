"""The issue's reproductions of 500s on bad input, each now a clear 4xx (SPEC: never a 500)."""

from __future__ import annotations

import pytest

from app.core import bounded_json
from app.core.request_values import OutOfRange, parse_day, parse_int
from tests.fixtures.sign_in import Phone

HUGE = "9" * 30
DEEP = "[" * 1000 + "]" * 1000


def test_json_nested_a_thousand_deep_is_a_400_in_the_api_error_shape(client, member):
    phone = Phone(client, member.email)
    answer = client.post(
        "/api/v1/steps/sync",
        data='{"records": ' + DEEP + "}",
        content_type="application/json",
        headers={**phone.headers, "Idempotency-Key": "deep-1"},
    )
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "bad_request" and "at most 20 levels" in error["message"]


def test_the_nesting_limit_ignores_brackets_inside_strings():
    assert bounded_json.nesting_depth('{"note": "' + "[" * 500 + '"}') == 1
    assert bounded_json.loads('{"a": [[1]]}') == {"a": [[1]]}
    with pytest.raises(bounded_json.JSONTooDeep):
        bounded_json.loads(DEEP)


@pytest.mark.parametrize(
    "path",
    [
        f"/rewards/{HUGE}",
        "/rewards/2147483648",
        f"/admin/fraud/{HUGE}",
        "/admin/fraud/9223372036854775808",
        "/admin/users/2147483648",
    ],
)
def test_ids_beyond_the_database_range_in_paths_are_404(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_a_huge_id_in_a_post_path_is_404(member_client):
    answer = member_client.post(f"/cart/add/{HUGE}", data={"csrf_token": member_client.csrf})
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path", [f"/orders?page={HUGE}", f"/wallet?before={HUGE}", f"/notifications?before={HUGE}"]
)
def test_numbers_beyond_the_range_in_member_query_strings_are_400(member_client, path):
    answer = member_client.get(path)
    assert answer.status_code == 400
    assert "out of range" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [f"/admin/users?offset={HUGE}", "/admin/orders?offset=2147483648", "/admin/jobs?run=-" + HUGE],
)
def test_numbers_beyond_the_range_in_admin_query_strings_are_400(admin_client, path):
    assert admin_client.get(path).status_code == 400


def test_bulk_review_ignores_ids_no_column_can_hold(admin_client):
    answer = admin_client.post(
        "/admin/fraud/bulk",
        data={"csrf_token": admin_client.csrf, "ids": [HUGE, "²"], "action": "approve"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "Select at least one day first." in answer.get_data(as_text=True)


def test_checkout_with_a_huge_address_id_is_a_form_error(member_client, make_product):
    product = make_product(coin_price=10)
    member_client.post(f"/cart/add/{product.id}", data={"csrf_token": member_client.csrf})
    answer = member_client.post(
        "/checkout", data={"csrf_token": member_client.csrf, "address_id": HUGE}
    )
    assert answer.status_code == 422
    assert "Choose where to ship your order." in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/orders/%00", "/api/v1/orders/%00/cancel"])
def test_nul_in_an_api_path_is_a_400_in_the_error_shape(client, member, path):
    phone = Phone(client, member.email)
    answer = (client.post if path.endswith("cancel") else client.get)(path, headers=phone.headers)
    assert answer.status_code == 400
    assert "NUL" in answer.get_json()["error"]["message"]


def test_nul_in_a_page_path_or_form_key_is_a_400(member_client):
    token = member_client.csrf
    assert member_client.post("/orders/%00/cancel", data={"csrf_token": token}).status_code == 400
    assert member_client.get("/orders?a%00b=1").status_code == 400


def test_date_edges_on_the_member_pages(member_client):
    # An end before any sensible date falls back to today's page.
    assert member_client.get("/steps?end=0001-01-01").status_code == 200
    wallet = member_client.get("/wallet?to=9999-12-31")
    assert wallet.status_code == 422
    assert "Pick a date between 1900-01-01 and 9998-12-31." in wallet.get_data(as_text=True)
    appeal = member_client.post("/steps/0001-01-01/appeal", data={"csrf_token": member_client.csrf})
    assert appeal.status_code == 302


def test_a_csv_export_with_a_bad_date_is_refused_before_it_starts(member_client):
    answer = member_client.get("/wallet/export.csv?to=9999-12-31")
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert "9998-12-31" in answer.get_data(as_text=True)


def test_the_number_parser_bounds_values_and_never_raises_on_junk():
    assert parse_int("42") == 42 and parse_int(" -7 ") == -7
    assert parse_int("²") is None and parse_int("x" * 10_000) is None and parse_int("") is None
    assert parse_int("5", minimum=10) == 10 and parse_int("50", maximum=10) == 10
    with pytest.raises(OutOfRange):
        parse_int("9" * 10_000)
    with pytest.raises(OutOfRange):
        parse_int("2147483648", limit=2**31 - 1)


def test_the_date_parser_refuses_what_date_arithmetic_would_overflow():
    assert parse_day("2026-05-31").isoformat() == "2026-05-31"
    for raw in ("0001-01-01", "9999-12-31"):
        with pytest.raises(OutOfRange):
            parse_day(raw)
    with pytest.raises(ValueError, match="like 2026-05-31"):
        parse_day("31/05/2026")
