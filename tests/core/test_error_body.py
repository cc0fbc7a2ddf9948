"""One JSON error body for every JSON answer: the API, idempotent replays, passkey calls."""

from __future__ import annotations

from app.api.errors import json_error
from app.core.errors import InsufficientCoins, NotFound, error_body


def test_a_domain_error_and_the_api_answer_share_one_shape(app):
    refusal = InsufficientCoins(needed=500, available=20)
    with app.test_request_context("/api/v1/orders"):
        answer, status = json_error(refusal.status, refusal.code, refusal.message, refusal.details)
    assert status == 409
    assert answer.get_json() == refusal.body()
    assert refusal.body()["error"]["details"] == [{"needed": 500, "available": 20}]


def test_an_error_without_details_still_carries_an_empty_list():
    assert NotFound("No such passkey.").body() == {
        "error": {"code": "not_found", "message": "No such passkey.", "details": []}
    }
    assert error_body("bad_request", "No.") == {
        "error": {"code": "bad_request", "message": "No.", "details": []}
    }
