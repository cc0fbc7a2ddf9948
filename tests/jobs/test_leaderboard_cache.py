"""Leaderboard tops come from Redis until the board is rebuilt or a shown member changes;
without Redis every read goes to the database."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import update

from app.extensions import db
from app.gamification import leaderboards
from app.models.gamification import LeaderboardEntry
from tests.jobs.conftest import NOW

MONDAY = date(2025, 3, 10)
REDIS = "redis://127.0.0.1:6379/3"
DEAD_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture
def with_redis(app):
    app.config["REDIS_URL"] = REDIS
    app.config["CACHE_PREFIX"] = f"test:{uuid.uuid4().hex}:"  # apart from parallel runs
    return app


def _tamper_with_stored_board(total: int) -> None:
    """Change the stored board behind the application's back (no invalidation)."""
    db.session.execute(update(LeaderboardEntry).values(total_steps=total))
    db.session.commit()


def _top() -> list[tuple[int, int]]:
    return [(row.user_id, row.total_steps) for row in leaderboards.top_entries("weekly")]


def test_the_top_list_is_served_from_redis_until_the_board_is_rebuilt(
    with_redis, make_member, add_steps
):
    walker = make_member()
    add_steps(walker, MONDAY, 7000)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert _top() == [(walker.id, 7000)]

    _tamper_with_stored_board(1)
    assert _top() == [(walker.id, 7000)]  # from the cache

    leaderboards.rebuild_leaderboards(now=NOW)
    add_steps(walker, MONDAY.replace(day=11), 500)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert _top() == [(walker.id, 7500)]


def test_hiding_a_member_drops_the_cached_top_list_at_once(with_redis, make_member, add_steps):
    shy, open_ = make_member(), make_member()
    add_steps(shy, MONDAY, 9000)
    add_steps(open_, MONDAY, 4000)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert [uid for uid, _ in _top()] == [shy.id, open_.id]

    shy.leaderboard_hidden = True
    db.session.commit()

    assert [uid for uid, _ in _top()] == [open_.id]


def test_a_change_rolled_back_keeps_the_cache(with_redis, make_member, add_steps):
    walker = make_member()
    add_steps(walker, MONDAY, 7000)
    leaderboards.rebuild_leaderboards(now=NOW)
    _top()
    _tamper_with_stored_board(1)

    walker.leaderboard_hidden = True
    db.session.flush()
    db.session.rollback()

    assert _top() == [(walker.id, 7000)]


def test_without_a_reachable_redis_reads_go_to_the_database(app, make_member, add_steps):
    app.config["REDIS_URL"] = DEAD_REDIS
    walker = make_member()
    add_steps(walker, MONDAY, 7000)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert _top() == [(walker.id, 7000)]

    _tamper_with_stored_board(1)

    assert _top() == [(walker.id, 1)]
