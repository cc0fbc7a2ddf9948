"""An Idempotency-Key is claimed in the work's own transaction (issue 12.11).

So a request that dies mid-work (worker killed, database error) leaves no `in_progress`
claim behind: its rollback releases the key, and a retry can do the work at once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from app.core import idempotency
from app.core.errors import InsufficientCoins
from app.extensions import db
from app.models.admin import IdempotencyKey


def committed_claims() -> int:
    """Idempotency rows another connection can see (what a retry on another worker sees)."""
    observer = create_engine(db.engine.url)
    try:
        with observer.connect() as connection:
            return connection.execute(select(func.count()).select_from(IdempotencyKey)).scalar_one()
    finally:
        observer.dispose()


def run(member, work, key: str = "k-1"):
    return idempotency.run_once(
        member.id,
        key,
        method="POST",
        path="/api/v1/orders",
        raw_body=b'{"a": 1}',
        work=work,
        error_body=lambda exc: {"error": exc.code},
    )


def test_while_the_work_runs_no_other_connection_sees_a_claim(app, member):
    seen: list[int] = []

    def work() -> idempotency.Answer:
        seen.append(committed_claims())
        return idempotency.Answer(201, {"ok": True})

    db.session.commit()
    run(member, work)

    assert seen == [0]
    assert committed_claims() == 1


def test_a_request_that_dies_mid_work_leaves_the_key_free_for_a_retry(app, member):
    def dies() -> idempotency.Answer:
        raise ConnectionResetError("worker lost its database")

    with pytest.raises(ConnectionResetError):
        run(member, dies)
    assert committed_claims() == 0

    answer = run(member, lambda: idempotency.Answer(201, {"ok": True}))
    assert answer == idempotency.Answer(201, {"ok": True})


def test_a_refusal_is_still_the_answer_a_retry_replays(app, member):
    def refused() -> idempotency.Answer:
        raise InsufficientCoins(needed=100, available=5)

    with pytest.raises(InsufficientCoins):
        run(member, refused)
    replay = run(member, lambda: idempotency.Answer(201, {"never": "run"}))

    assert replay == idempotency.Answer(409, {"error": "insufficient_coins"})
