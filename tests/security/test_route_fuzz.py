"""Every route, every role, hostile input: the answer is never a 5xx (SPEC: never a 500).

A deterministic table, not random search: each rule of `app.url_map` (web, admin, API and
static) is called as an anonymous visitor, a member and an admin, GET and POST, with hostile
values in each path variable, in the common query parameters and form fields, and (for POST)
a JSON body nested 1,000 deep. Unexpected errors are answered as in production (a 500
page) instead of raised, so one run lists every failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from app.coins import ledger
from app.core.db import transaction
from app.extensions import limiter
from tests.fixtures.sign_in import csrf_token, sign_in

HUGE = "9" * 30
HOSTILE_TEXT = [
    HUGE,
    "2147483648",
    "a\x00b",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "ñ😀\u202e²",
]
HOSTILE_PATH = {
    "int": [HUGE, "9223372036854775808", "2147483648"],
    "bigint": [HUGE, "9223372036854775808"],
    "default": ["%00", "x" * 2_000, "ñ😀", "0001-01-01", HUGE],
    "path": ["%00", "../../etc/passwd", "vendor/%00.js"],
}
QUERY_PARAMS = (
    "page", "offset", "before", "after", "limit", "cursor", "from", "to", "start", "end",
    "q", "type", "status", "range", "min_score", "max_score", "admin", "run", "period",
    "category", "ref", "day", "entity_id", "action", "source", "next", "sort",
)  # fmt: skip
FORM_FIELDS = (
    "email", "password", "new_password", "current_password", "full_name", "timezone",
    "address_id", "quantity", "amount", "reason", "status", "note", "message",
    "tracking_number", "ids", "action", "unlock_criteria", "criteria", "code", "name",
    "title", "description", "coin_price", "stock_quantity", "reward_coins", "sort_order",
    "line1", "city", "country", "postal_code", "day", "next", "token", "stock_seen",
    "show_full_name", "hide_from_leaderboards", "import_token", "confirm",
)  # fmt: skip
DEEP_JSON = "[" * 1_000 + "]" * 1_000
DEEP_OBJECT = '{"records": ' + DEEP_JSON + "}"
_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _paths(rule: Rule) -> Iterator[str]:
    """The rule filled with hostile values, one variable at a time (the others benign)."""
    variables = _CONVERTER.findall(rule.rule)
    benign = {name: ("1" if kind == "int" else "x") for kind, name in variables}
    if not variables:
        yield rule.rule
        return
    for kind, name in variables:
        for value in HOSTILE_PATH.get(kind or "default", HOSTILE_PATH["default"]):
            values = {**benign, name: value}
            yield _CONVERTER.sub(lambda m, v=values: v[m.group(2)], rule.rule)


def _requests(rule: Rule) -> Iterator[tuple[str, str, dict]]:
    methods = sorted(rule.methods & {"GET", "POST"})
    for path in _paths(rule):
        for method in methods:
            yield method, path, {}
    first_path = next(_paths(rule))
    for value in HOSTILE_TEXT:
        if "GET" in methods:
            yield "GET", first_path, {"query_string": dict.fromkeys(QUERY_PARAMS, value)}
        if "POST" in methods:
            form = dict.fromkeys(FORM_FIELDS, value)
            yield "POST", first_path, {"data": {**form, "ids": [value, "1"]}}
    if "POST" in methods:
        for body in (DEEP_JSON, DEEP_OBJECT, '{"steps": ' + HUGE + "}"):
            yield "POST", first_path, {"data": body, "content_type": "application/json"}


@pytest.fixture
def clients(app: Flask, make_member, admin, make_product, monkeypatch) -> dict[str, FlaskClient]:
    app.config["PROPAGATE_TEST_ERRORS"] = False
    # Hostile values must reach the views, not stop at the per-minute limits.
    monkeypatch.setattr(limiter, "enabled", False)
    member = make_member()
    make_product()
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 50)
    anonymous = app.test_client()
    anonymous.csrf = csrf_token(anonymous)  # type: ignore[attr-defined]
    return {
        "anonymous": anonymous,
        "member": sign_in(app.test_client(), member.email),
        "admin": sign_in(app.test_client(), admin.email),
    }


def _send(client: FlaskClient, method: str, path: str, kwargs: dict):
    """With the session's CSRF token (form field and header), so forms reach their views."""
    token = client.csrf  # type: ignore[attr-defined]
    if isinstance(kwargs.get("data"), dict):
        kwargs = {**kwargs, "data": {**kwargs["data"], "csrf_token": token}}
    return client.open(path, method=method, headers={"X-CSRFToken": token}, **kwargs)


def test_no_route_answers_a_server_error_to_hostile_input(app: Flask, clients):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in {"auth.logout"}]
    failures: list[str] = []
    calls = 0
    for role, client in clients.items():
        for rule in rules:
            for method, path, kwargs in _requests(rule):
                calls += 1
                answer = _send(client, method, path, kwargs)
                answer.close()  # a streamed download lets go of its context
                if answer.status_code >= 500:
                    shown = {k: (str(v)[:60]) for k, v in kwargs.items()}
                    failures.append(f"{role} {method} {path[:80]} {shown} -> {answer.status_code}")
    assert calls > 2_500
    assert not failures, "\n".join(failures)
