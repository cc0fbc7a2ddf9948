"""Browser fixtures: the app served live in a thread, driven by Debian's Chromium.

`live_server` serves the test's own app (and so its database) on 127.0.0.1 at a free port;
`browser` is one Chromium per session; `page` a fresh context (cookies, storage) per test.
Without Chromium the tests fail, saying why, unless FITKART_SKIP_BROWSER=1.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from app.config import PROJECT_ROOT
from app.extensions import db

# Browser tests sign in with tests/fixtures/sign_in.py; the name stays importable from here.
from tests.fixtures.sign_in import sign_in_admin as sign_in_admin

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 780}


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(autouse=True)
def objects_stay_loaded_after_commit(app: Flask) -> None:
    """Reading `member.email` after a commit must not open a transaction in the test's
    thread: on SQLite every transaction holds the write lock the live server needs."""
    db.session().expire_on_commit = False


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test's app on a real socket, in a thread; test code keeps using the app directly.

    Test code shares the database with the server: commit (or roll back) before the
    browser acts, so the server never waits on a transaction the test left open.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if os.environ.get("FITKART_SKIP_BROWSER") == "1":
        pytest.skip("Chromium is not installed and FITKART_SKIP_BROWSER=1")
    pytest.fail(
        "Browser tests need Debian's Chromium on PATH (apt-get install chromium). "
        "Set FITKART_SKIP_BROWSER=1 to skip them on a machine without it.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    """A fresh desktop-sized tab on the live server; `page.set_viewport_size` for phones."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def walk_today():
    """Sync today's steps for a member through the service (committed before the browser)."""
    from app.steps import sync as steps
    from app.steps.sync import IncomingRecord

    def walk(user, count: int) -> None:
        steps.sync_records(
            user,
            [
                IncomingRecord(
                    day=steps.member_today(user),
                    steps=count,
                    source="google_fit",
                    distance_m=count * 0.75,
                    active_minutes=max(1, count // 100),
                )
            ],
        )

    return walk
