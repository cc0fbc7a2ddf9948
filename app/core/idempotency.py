"""Idempotency-Key handling (SPEC §6, after Stripe's design).

The key is claimed with INSERT … ON CONFLICT DO NOTHING in the same transaction as the
work and its stored answer, so of two concurrent requests with one key exactly one does
the work (the other waits on the unique index, then replays the answer). A request that
dies rolls back its claim with its work: the key is free at once, never left
`in_progress`. A retry with the same body replays the answer, with another body it is a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core import bounded_json
from app.core.db import is_postgres, rows_affected, transaction
from app.core.errors import Conflict, DomainError
from app.extensions import db
from app.models.admin import IdempotencyKey
from app.models.base import utcnow

KEY_TTL = timedelta(hours=24)
# A committed claim with no answer this old (a work function that committed on its own,
# then died) may be taken over.
ABANDONED_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
_KEY_DETAILS = [{"field": "Idempotency-Key"}]


class KeyConflict(Conflict):
    """The key itself is the problem (another body, or still being processed)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def request_fingerprint(method: str, path: str, raw_body: bytes) -> str:
    try:
        canonical = json.dumps(bounded_json.loads(raw_body or b"null"), sort_keys=True).encode()
    except ValueError:
        canonical = raw_body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _claim(user_id: int, key: str, path: str, fingerprint: str, now: datetime) -> int | Answer:
    insert = postgres_insert if is_postgres() else sqlite_insert
    with transaction():  # joins run_once's transaction: the claim commits with the work
        claimed = db.session.execute(
            insert(IdempotencyKey)
            .values(
                user_id=user_id,
                key=key,
                request_path=path,
                request_hash=fingerprint,
                state="in_progress",
                created_at=now,
                expires_at=now + KEY_TTL,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(IdempotencyKey.id)
        ).scalar_one_or_none()
        if claimed is not None:
            return claimed
        row = db.session.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        ).scalar_one()
        if row.request_hash != fingerprint:
            raise KeyConflict(
                "This Idempotency-Key was used for a different request.", details=_KEY_DETAILS
            )
        if row.state == "completed":
            return Answer(row.response_status or 200, row.response_body)
        taken_over = rows_affected(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == row.id,
                IdempotencyKey.state == "in_progress",
                IdempotencyKey.created_at < now - ABANDONED_AFTER,
            )
            .values(created_at=now)
        )
        if taken_over == 1:
            return row.id
    raise KeyConflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        details=_KEY_DETAILS,
    )


def _store(claim_id: int, status: int, body: Any) -> None:
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .values(state="completed", response_status=status, response_body=body)
    )


def run_once(
    user_id: int,
    key: str | None,
    *,
    method: str,
    path: str,
    raw_body: bytes,
    work: Callable[[], Answer],
    error_body: Callable[[DomainError], Any],
    now: datetime | None = None,
) -> Answer:
    """Do `work` once per key; without a key, just do it."""
    if key is None:
        return work()
    when = now or utcnow()
    fingerprint = request_fingerprint(method, path, raw_body)
    try:
        with transaction():
            claim = _claim(user_id, key, path, fingerprint, when)
            if isinstance(claim, Answer):
                return claim
            answer = work()
            _store(claim, answer.status, answer.body)
        return answer
    except DomainError as exc:
        if isinstance(exc, KeyConflict):
            raise
        # The work and its claim rolled back; the refusal is the answer a retry gets.
        _store_refusal(user_id, key, path, fingerprint, when, exc.status, error_body(exc))
        raise


def _store_refusal(
    user_id: int, key: str, path: str, fingerprint: str, now: datetime, status: int, body: Any
) -> None:
    insert = postgres_insert if is_postgres() else sqlite_insert
    with transaction():
        db.session.execute(
            insert(IdempotencyKey)
            .values(
                user_id=user_id,
                key=key,
                request_path=path,
                request_hash=fingerprint,
                state="completed",
                response_status=status,
                response_body=body,
                created_at=now,
                expires_at=now + KEY_TTL,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
        )
