"""An app built with settings of the test's choosing, on the test's own database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import FreshContextClient, config_for


@pytest.fixture
def make_app(app: Flask, database_uri: str) -> Iterator[Callable[..., Flask]]:
    """`make_app(TRUSTED_PROXIES=1)`: another app (think: another worker) on the same data."""
    built: list[Flask] = []

    def make(**overrides: object) -> Flask:
        other = create_app(config_for(database_uri, **overrides))
        other.test_client_class = FreshContextClient
        built.append(other)
        return other

    yield make
    for other in built:
        with other.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
