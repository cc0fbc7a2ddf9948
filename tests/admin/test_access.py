"""Every /admin route: anonymous → login, member → 403, admin → in; CSRF on every POST."""

from __future__ import annotations

import re

from flask import Flask

from tests.fixtures.sign_in import csrf_token, sign_in

PLACEHOLDERS = {"int": "1", "bigint": "1", "default": "FK-2026-000001", "string": "x", "path": "x"}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = _PARAM.sub(lambda m: PLACEHOLDERS.get(m.group(1) or "default", "x"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return sorted(set(routes))


def test_there_are_admin_routes_to_check(app):
    methods = {m for m, _ in admin_routes(app)}
    assert {"GET", "POST"} <= methods
    assert len(admin_routes(app)) >= 12


def test_anonymous_visitors_are_sent_to_the_login_page(app):
    client = app.test_client()
    token = csrf_token(client)
    for method, url in admin_routes(app):
        answer = client.open(url, method=method, data={"csrf_token": token})
        assert answer.status_code == 302, (method, url, answer.status_code)
        assert "/login" in answer.headers["Location"], (method, url)


def test_members_get_403_everywhere(app, member):
    client = sign_in(app.test_client(), member.email)
    token = client.csrf
    for method, url in admin_routes(app):
        answer = client.open(url, method=method, data={"csrf_token": token})
        assert answer.status_code == 403, (method, url, answer.status_code)


def test_admins_get_in_everywhere(app, admin):
    client = sign_in(app.test_client(), admin.email)
    token = csrf_token(client, "/admin")
    for method, url in admin_routes(app):
        answer = client.open(url, method=method, data={"csrf_token": token})
        # 404 for placeholder ids, a redirect after a refused POST; never 403, login or 5xx
        assert answer.status_code < 500, (method, url, answer.status_code)
        assert answer.status_code != 403, (method, url)
        if answer.status_code == 302:
            assert "/login" not in answer.headers["Location"], (method, url)


def test_every_admin_post_needs_a_csrf_token(app, admin):
    client = sign_in(app.test_client(), admin.email)
    posts = [url for method, url in admin_routes(app) if method == "POST"]
    assert posts
    for url in posts:
        answer = client.post(url, data={})
        assert answer.status_code == 400, (url, answer.status_code)
