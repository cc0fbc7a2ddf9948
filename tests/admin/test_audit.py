"""/admin/audit: every admin action, filtered, newest first, a page at a time, readable diffs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.admin import audit as audit_view
from app.backoffice import audit_log
from app.extensions import db
from app.models.admin import AdminLog
from tests.fixtures.sign_in import csrf_token


@pytest.fixture
def log_entry(app):
    def add(
        admin_id: int | None,
        action: str,
        entity_type: str,
        entity_id: str | None = None,
        *,
        at: datetime,
        before: dict | None = None,
        after: dict | None = None,
        note: str | None = None,
    ) -> AdminLog:
        entry = AdminLog(
            admin_id=admin_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            note=note,
            created_at=at,
        )
        db.session.add(entry)
        db.session.commit()
        return entry

    return add


@pytest.fixture
def history(admin, make_member, log_entry):
    other = make_member("other.admin@example.com", full_name="Olu Other", role="admin")
    return {
        "price": log_entry(
            admin.id,
            "product.update",
            "product",
            "7",
            at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
            before={"coin_price": 2500},
            after={"coin_price": 2400, "price_set_by_admin": True},
        ),
        "setting": log_entry(
            other.id,
            "setting.update",
            "setting",
            "steps_per_coin",
            at=datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
            before={"steps_per_coin": 100},
            after={"steps_per_coin": 50},
        ),
        "reject": log_entry(
            admin.id,
            "fraud.reject",
            "step_validation",
            "12",
            at=datetime(2026, 3, 9, 18, 30, tzinfo=UTC),
            before={"status": "pending"},
            after={"status": "rejected"},
            note="Phone shaken on a drill.",
        ),
        "other": other,
    }


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="audit-(\d+)">', html)


def test_the_audit_log_renders_newest_first_with_readable_changes(admin_client, history):
    answer = admin_client.get("/admin/audit")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert row_ids(html) == [str(history[k].id) for k in ("reject", "setting", "price")]
    assert "<del>2,500</del> → <ins>2,400</ins>" in html
    assert "<dt>price_set_by_admin</dt>" in html and "<ins>yes</ins>" in html
    assert "<del>pending</del> → <ins>rejected</ins>" in html
    assert "Note: Phone shaken on a drill." in html
    assert "Olu Other" in html


def test_members_get_403(member_client):
    assert member_client.get("/admin/audit").status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/admin/audit")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=setting.update", ["setting"]),
        ("entity_type=product", ["price"]),
        ("entity_type=step_validation&entity_id=12", ["reject"]),
        ("entity_id=99", []),
        ("from=2026-03-05", ["reject", "setting"]),
        ("to=2026-03-05", ["setting", "price"]),
        ("from=2026-03-02&to=2026-03-08", ["setting"]),
        ("from=not-a-date", ["reject", "setting", "price"]),
    ],
)
def test_filters_narrow_the_log(admin_client, history, query, expected):
    html = admin_client.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert row_ids(html) == [str(history[k].id) for k in expected]
    if not expected:
        assert "No admin action matches these filters" in html


def test_filter_by_admin(admin_client, history, admin):
    html = admin_client.get(f"/admin/audit?admin={history['other'].id}").get_data(as_text=True)
    assert row_ids(html) == [str(history["setting"].id)]
    html = admin_client.get(f"/admin/audit?admin={admin.id}").get_data(as_text=True)
    assert row_ids(html) == [str(history["reject"].id), str(history["price"].id)]


def test_load_more_pages_back_with_the_filters_kept(admin_client, admin, log_entry, monkeypatch):
    monkeypatch.setattr(audit_view, "PAGE_SIZE", 2)
    entries = [
        log_entry(
            admin.id, "product.update", "product", str(n), at=datetime(2026, 3, n, tzinfo=UTC)
        )
        for n in range(1, 6)
    ]
    log_entry(admin.id, "setting.update", "setting", "x", at=datetime(2026, 3, 9, tzinfo=UTC))
    newest_first = [str(e.id) for e in reversed(entries)]

    html = admin_client.get("/admin/audit?entity_type=product").get_data(as_text=True)
    assert row_ids(html) == newest_first[:2]
    assert "Load older entries" in html
    more = f"/admin/audit?before={newest_first[1]}&amp;entity_type=product"
    assert more in html

    answer = admin_client.get(
        more.replace("&amp;", "&"), headers={"HX-Request": "true", "HX-Target": "audit-more"}
    )
    fragment = answer.get_data(as_text=True)
    assert "<html" not in fragment and "<thead>" not in fragment
    assert row_ids(fragment) == newest_first[2:4]
    assert 'id="audit-more"' in fragment

    last = admin_client.get(f"/admin/audit?before={newest_first[3]}&entity_type=product").get_data(
        as_text=True
    )
    assert row_ids(last) == newest_first[4:]
    assert "Load older entries" not in last


def test_actions_done_through_the_console_show_up(admin_client, admin, make_product):
    product = make_product("Yoga Mat")
    token = csrf_token(admin_client, "/admin/products")
    admin_client.post(
        f"/admin/products/{product.id}/active", data={"csrf_token": token, "active": "0"}
    )
    html = admin_client.get("/admin/audit?action=product.deactivate").get_data(as_text=True)
    assert "product.deactivate" in html and "Ada Admin" in html
    assert "<del>yes</del> → <ins>no</ins>" in html


def test_an_empty_log_says_so(admin_client):
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "nothing has been done yet" in html


def test_diff_lines_show_added_removed_and_changed_keys():
    lines = audit_log.diff_lines({"a": 1, "b": "x"}, {"b": "y", "c": [1, 2]})
    assert [(line.key, line.before, line.after, line.changed) for line in lines] == [
        ("a", "1", None, True),
        ("b", "x", "y", True),
        ("c", None, "[1, 2]", True),
    ]
