"""The live streams over HTTP: the member page stream, the admin stream, the phone's."""

from __future__ import annotations

from datetime import date

import pytest

from app.coins import ledger
from app.core.db import transaction
from app.fraud import review
from tests.fixtures.sign_in import Phone, sign_in
from tests.fraud.test_review import flag_a_day


class OpenStream:
    """A streaming answer read chunk by chunk, closed like a browser tab."""

    def __init__(self, response) -> None:
        self.response = response
        self.chunks = iter(response.response)
        self.seen = ""

    def read_until(self, text: str, limit: int = 20) -> str:
        for _ in range(limit):
            if text in self.seen:
                return self.seen
            chunk = next(self.chunks)
            self.seen += chunk.decode() if isinstance(chunk, bytes) else chunk
        raise AssertionError(f"{text!r} never came; got {self.seen!r}")

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def long_streams(app):
    # The testing default ends a stream at once; these tests read one while it is open.
    app.config["LIVE_STREAM_SECONDS"] = 60
    yield
    app.config["LIVE_STREAM_SECONDS"] = 0


def test_signed_out_the_page_stream_is_a_401_not_a_login_redirect(client):
    answer = client.get("/events")
    assert answer.status_code == 401


def test_the_member_stream_carries_a_committed_coin_change(app, member, long_streams):
    browser = sign_in(app.test_client(), member.email)
    answer = browser.get("/events", buffered=False)
    assert answer.status_code == 200
    assert answer.mimetype == "text/event-stream"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Accel-Buffering"] == "no"
    stream = OpenStream(answer)
    stream.read_until(": connected")
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 250)
    seen = stream.read_until('"available": 250')
    assert "event: wallet\n" in seen
    stream.close()
    assert app.extensions["fitkart.live_streams"].open == 0


def test_a_stream_ends_by_itself_so_workers_recycle(app, member):
    browser = sign_in(app.test_client(), member.email)
    body = browser.get("/events").get_data(as_text=True)
    assert body.startswith("retry: ")
    assert app.extensions["fitkart.live_streams"].open == 0


def test_past_the_cap_a_stream_is_refused_with_retry_after(app, member):
    app.config["LIVE_MAX_STREAMS"] = 0
    app.extensions["fitkart.live_streams"].limit = 0
    browser = sign_in(app.test_client(), member.email)
    answer = browser.get("/events")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    phone = Phone(app.test_client(), member.email)
    api = phone.client.get("/api/v1/events", headers=phone.headers)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "too_many_streams"
    assert int(api.headers["Retry-After"]) > 0


def test_the_phone_stream_needs_a_bearer_token_and_carries_json(app, member, long_streams):
    anonymous = app.test_client().get("/api/v1/events")
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"
    phone = Phone(app.test_client(), member.email)
    stream = OpenStream(phone.client.get("/api/v1/events", headers=phone.headers, buffered=False))
    stream.read_until(": connected")
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 2), 40)
    assert 'data: {"available": 40, "frozen": 0}' in stream.read_until("event: wallet")
    stream.close()


def test_the_admin_stream_shows_new_taken_and_decided_cases(app, admin, member, long_streams):
    other_admin = sign_in(app.test_client(), admin.email)
    stream = OpenStream(other_admin.get("/admin/events", buffered=False))
    stream.read_until(": connected")
    case_file = flag_a_day(member)
    seen = stream.read_until("event: fraud-new")
    assert "event: fraud-count\ndata: 1\n" in seen
    assert 'href="/admin/fraud"' in seen
    review.take(case_file.id, admin_id=admin.id)
    seen = stream.read_until("Being reviewed by you")
    assert f"event: case-{case_file.id}\n" in seen
    review.reject(case_file.id, admin_id=admin.id, note="Car ride.")
    seen = stream.read_until("Rejected by you")
    assert 'class="case-live case-live-rejected"' in seen
    assert "event: fraud-count\ndata: 0\n" in seen
    stream.close()


def test_members_cannot_open_the_admin_stream(app, member):
    browser = sign_in(app.test_client(), member.email)
    assert browser.get("/admin/events").status_code == 403


def test_signed_in_pages_connect_to_their_stream_and_listen(app, member, admin, client):
    assert "sse-connect" not in client.get("/login").get_data(as_text=True)
    browser = sign_in(app.test_client(), member.email)
    dashboard = browser.get("/dashboard").get_data(as_text=True)
    assert 'hx-ext="sse" sse-connect="/events"' in dashboard
    assert "vendor/htmx-ext-sse.min.js" in dashboard
    assert "sse:wallet, sse:notification" in dashboard  # the header counters
    assert 'hx-trigger="sse:steps, sse:wallet"' in dashboard  # today's figures
    admin_browser = sign_in(app.test_client(), admin.email)
    queue = admin_browser.get("/admin/fraud").get_data(as_text=True)
    assert 'sse-connect="/admin/events"' in queue
    assert 'sse-swap="fraud-count"' in queue and 'sse-swap="fraud-new"' in queue


def test_a_live_refresh_of_todays_figures_gets_just_that_block(app, member):
    from app.steps import sync as steps

    steps.sync_records(
        member,
        [steps.IncomingRecord(day=steps.member_today(member), steps=4_321, source="google_fit")],
    )
    browser = sign_in(app.test_client(), member.email)
    block = browser.get(
        "/dashboard", headers={"HX-Request": "true", "HX-Target": "today-stats"}
    ).get_data(as_text=True)
    assert block.lstrip().startswith('<section class="stats" id="today-stats"')
    assert "4,321" in block
    assert "<html" not in block and "steps-chart-card" not in block
