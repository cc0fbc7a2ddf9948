"""Liveness and readiness for load balancers; 503 with Retry-After while the database is away."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.extensions import db

# Nothing listens on port 9 here: a database that has gone away.
DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:9/fitkart"


def test_healthz_answers_without_the_database(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_database_and_migrations(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }


def test_readyz_refuses_a_schema_behind_the_code(client):
    head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.session.execute(text("UPDATE alembic_version SET version_num = '0002_jobs'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
    finally:
        # On PostgreSQL the database outlives the test (only model tables are truncated).
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"].startswith("behind: run `flask db upgrade`")


def test_readyz_without_the_database_is_503(make_app):
    response = make_app(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")


def test_api_answers_503_with_retry_after_while_the_database_is_away(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE).test_client()
    response = client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "walk-more-2026"}
    )
    assert response.status_code == 503
    # The login rate limit may stretch Retry-After to its own window; never below ours.
    assert int(response.headers["Retry-After"]) >= 5
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_pages_answer_503_with_retry_after_while_the_database_is_away(make_app):
    response = make_app(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE).test_client().get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Back in a moment" in response.text


def test_a_connection_lost_while_the_session_closes_does_not_make_a_500(make_app, monkeypatch):
    """A PostgreSQL restart can end the connection between the answer and the session's
    closing ROLLBACK: the answer stands, the session is dropped (seen in the fault test)."""
    real_close = Session.close
    failed: list[bool] = []

    def close_on_a_terminated_connection(self: Session) -> None:
        if not failed:
            failed.append(True)
            raise OperationalError(
                "ROLLBACK", {}, Exception("terminating connection due to administrator command")
            )
        real_close(self)

    monkeypatch.setattr(Session, "close", close_on_a_terminated_connection)
    client = make_app().test_client()  # each request in an app context of its own, as served

    answer = client.get("/readyz")  # reads the database, so the request has a session

    assert answer.status_code == 200 and failed == [True]
    assert client.get("/readyz").status_code == 200  # the next request gets a fresh session
