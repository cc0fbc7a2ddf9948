"""The full-scale loader: members, steps, reviews, orders and their ledger written straight
into PostgreSQL with COPY, obeying the ledger's rules.

Each member's history is generated as one timeline in time order (a day's steps and its
reward, now and then an order that freezes coins and, a few days later, ships and spends
them), so ledger ids, `created_at` and the balances after each row all agree, every row is
hash-chained exactly as app/coins/ledger.py chains it, and every wallet ends equal to its
ledger (`flask jobs run reconcile_wallets` finds no drift). A few percent of days are
flagged; most of those were reviewed already (approved days paid, rejected days not), the
newest wait in the queue.

Secondary indexes and unique constraints of the big tables are dropped for the load and
built again afterwards (much faster than maintaining them row by row); the load ends with
ANALYZE. Achievements and leaderboards are left to their own jobs, which the harness runs.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import bcrypt
import psycopg

from app.accounts.passwords import _prehash, normalise_password
from app.coins.ledger_chain import GENESIS_HASH, row_hash

CHUNK_MEMBERS = 500
BIG_TABLES = ("step_records", "step_validations", "coin_transactions", "orders", "order_items")
FIRST_NAMES = ("Ada", "Bola", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jon")
LAST_NAMES = ("Walker", "Okafor", "Li", "Schmidt", "Patel", "Silva", "Novak", "Kim", "Haddad")
SOURCES = ("google_fit", "apple_health", "health_connect", "fitbit")
ADDRESS = {
    "recipient_name": "Load Member",
    "line1": "1 Bench Street",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
SPIKE_REASON = [
    {
        "code": "spike_vs_history",
        "weight": 80,
        "message": (
            "{steps:,} steps is far above usual for this member: held for a person to look at."
        ),
    }
]


@dataclass
class Settings:
    steps_per_coin: int
    daily_step_cap: int


@dataclass
class Ids:
    """Next free id per table: rows get their ids here, sequences are moved past them after."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Chunk:
    users: list[tuple] = field(default_factory=list)
    wallets: list[tuple] = field(default_factory=list)
    steps: list[tuple] = field(default_factory=list)
    validations: list[tuple] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    orders: list[tuple] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)


LEDGER_COLUMNS = (
    "id", "user_id", "wallet_id", "transaction_type", "amount", "frozen_change",
    "available_after", "frozen_after", "reference_type", "reference_id", "ledger_key",
    "description", "created_by_id", "created_at", "prev_hash", "row_hash",
)  # fmt: skip


class Wallet:
    def __init__(self, user_id: int, wallet_id: int) -> None:
        self.user_id, self.wallet_id = user_id, wallet_id
        self.available = self.frozen = self.earned = self.spent = 0
        self.head = GENESIS_HASH

    def post(
        self,
        chunk: Chunk,
        ids: Ids,
        when: datetime,
        kind: str,
        amount: int,
        frozen: int,
        reference: tuple[str, str],
        key: str,
        description: str,
    ) -> None:
        self.available += amount
        self.frozen += frozen
        content = {
            "user_id": self.user_id, "transaction_type": kind, "amount": amount,
            "frozen_change": frozen, "available_after": self.available,
            "frozen_after": self.frozen, "reference_type": reference[0],
            "reference_id": reference[1], "ledger_key": key, "description": description,
            "created_by_id": None, "created_at": when,
        }  # fmt: skip
        digest = row_hash(content, self.head)
        chunk.ledger.append((
            ids.take("coin_transactions"), self.user_id, self.wallet_id, kind, amount, frozen,
            self.available, self.frozen, reference[0], reference[1], key, description, None,
            when, self.head, digest,
        ))  # fmt: skip
        self.head = digest


def _day_steps(rng: random.Random, usual: float, day: date) -> int:
    weekend = day.weekday() >= 5
    level = usual * (1.15 if weekend else 1.0)
    if rng.random() < 0.04:  # a hike, a city trip
        level *= rng.uniform(2.0, 3.0)
    if rng.random() < 0.05:  # ill, travelling, phone left at home
        level *= rng.uniform(0.1, 0.4)
    return max(0, int(rng.lognormvariate(math.log(level), 0.35)))


def _member(
    n: int,
    user_id: int,
    wallet_id: int,
    days: list[date],
    products: list[tuple[int, str, int]],
    settings: Settings,
    admin_id: int,
    password_hash: str,
    today: date,
    ids: Ids,
    chunk: Chunk,
    rng: random.Random,
) -> None:
    joined = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC) - timedelta(hours=6)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    chunk.users.append(
        (
            user_id,
            f"member{n}@load.fitkart.example",
            password_hash,
            name,
            f"0{n:07X}",
            joined,  # e-mail confirmed: an unconfirmed member could not order
            joined,
            joined,
        )
    )
    wallet = Wallet(user_id, wallet_id)
    usual = rng.lognormvariate(math.log(7500), 0.45)
    source = rng.choice(SOURCES)
    pending_orders: list[tuple[int, str, int, date]] = []
    for day in days:
        steps = _day_steps(rng, usual, day)
        booked = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=21)
        record_id = ids.take("step_records")
        flagged = rng.random() < 0.02
        age = (today - day).days
        status, review = "verified", None
        if flagged:
            # Older flags were reviewed (most approved); the last few days still wait.
            review = "pending" if age <= 3 else ("rejected" if rng.random() < 0.25 else "approved")
            status = {"pending": "pending", "rejected": "rejected", "approved": "verified"}[review]
            steps = max(steps, int(usual * rng.uniform(3.5, 6)))
        chunk.steps.append((
            record_id, user_id, day, source, steps, round(steps * 0.74, 1), steps // 110,
            "automatic", f"phone-{n}", status, 80 if flagged else rng.randint(0, 20),
            booked, booked,
        ))  # fmt: skip
        if flagged:
            reviewed = booked + timedelta(hours=30) if review != "pending" else None
            reasons = [{**r, "message": r["message"].format(steps=steps)} for r in SPIKE_REASON]
            chunk.validations.append((
                ids.take("step_validations"), record_id, user_id, day, 80, json.dumps(reasons),
                review, admin_id if reviewed else None, reviewed, booked, booked,
            ))  # fmt: skip
        coins = min(steps, settings.daily_step_cap) // settings.steps_per_coin
        if status == "verified" and coins > 0:
            paid_at = booked + timedelta(hours=30) if review == "approved" else booked
            wallet.post(
                chunk,
                ids,
                paid_at,
                "step_reward",
                coins,
                0,
                ("step_day", day.isoformat()),
                f"steps:{user_id}:{day.isoformat()}:{coins}",
                f"Steps on {day.isoformat()}",
            )
            wallet.earned += coins
        # Orders placed earlier ship three days later, spending the frozen coins.
        for order in [o for o in pending_orders if (day - o[3]).days >= 3]:
            order_id, code, price, _placed = order
            shipped = booked + timedelta(minutes=10)
            wallet.post(
                chunk,
                ids,
                shipped,
                "order_spend",
                0,
                -price,
                ("order", str(order_id)),
                f"order:{order_id}:spend",
                f"Order {code} shipped",
            )
            wallet.spent += price
            pending_orders.remove(order)
            _set_shipped(chunk, order_id, shipped)
        if rng.random() < 1 / 40:
            affordable = [p for p in products if p[2] <= wallet.available]
            if affordable:
                product_id, title, price = rng.choice(affordable)
                order_id = ids.take("orders")
                code = f"FK-{day.year}-{order_id:06d}"
                placed = booked + timedelta(minutes=30)
                wallet.post(
                    chunk,
                    ids,
                    placed,
                    "order_freeze",
                    -price,
                    price,
                    ("order", str(order_id)),
                    f"order:{order_id}:freeze",
                    f"Coins held for order {code}",
                )
                chunk.orders.append(
                    [
                        order_id,
                        code,
                        user_id,
                        "pending",
                        price,
                        json.dumps(ADDRESS),
                        None,
                        None,
                        None,
                        placed,
                        placed,
                    ]
                )
                chunk.items.append(
                    (
                        ids.take("order_items"),
                        order_id,
                        product_id,
                        1,
                        price,
                        json.dumps({"title": title, "coin_price": price}),
                        placed,
                    )
                )
                pending_orders.append((order_id, code, price, day))
    chunk.wallets.append(
        (
            wallet.wallet_id,
            wallet.user_id,
            wallet.available,
            wallet.frozen,
            wallet.earned,
            wallet.spent,
        )
    )


ORDER_COLUMNS = (
    "id", "order_code", "user_id", "status", "total_coins", "shipping_address",
    "tracking_number", "shipped_at", "delivered_at", "created_at", "updated_at",
)  # fmt: skip


def _set_shipped(chunk: Chunk, order_id: int, when: datetime) -> None:
    """Shipped and, for the load's purposes, delivered the same evening."""
    for order in reversed(chunk.orders):
        if order[0] == order_id:
            order[3], order[6], order[7], order[8], order[10] = (
                "delivered",
                f"LOAD{order_id}",
                when,
                when,
                when,
            )
            return


def _copy(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], rows: list) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass
class Dropped:
    constraints: list[tuple[str, str, str]]  # table, name, definition
    indexes: list[str]  # CREATE INDEX statements


def drop_secondary_indexes(conn: psycopg.Connection) -> Dropped:
    constraints = conn.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint c WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)""",
        (list(BIG_TABLES),),
    ).fetchall()
    for table, name, _ in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    indexes = conn.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)
           AND indexname NOT LIKE 'pk\\_%%'""",
        (list(BIG_TABLES),),
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return Dropped(constraints, [definition for _, definition in indexes])


def rebuild_indexes(conn: psycopg.Connection, dropped: Dropped) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    for table, name, definition in dropped.constraints:
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for definition in dropped.indexes:
        conn.execute(definition)


def load(
    url: str, members: int, days: int, *, seed: int = 7, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Load `members` members with `days` days each into a migrated, initially seeded
    database. Returns what was written and how long it took."""
    started = time.monotonic()
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    # Yesterday is the newest full day; today is not over.
    day_list = [today - timedelta(days=d) for d in range(days, 0, -1)]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        settings = _settings(conn)
        admin_id = conn.execute("SELECT min(id) FROM users WHERE role = 'admin'").fetchone()[0]
        products = conn.execute(
            "SELECT id, title, coin_price FROM reward_products WHERE is_active ORDER BY id"
        ).fetchall()
        ids = Ids({
            table: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]
            for table in ("users", "wallets", *BIG_TABLES)
        })  # fmt: skip
        start_n = conn.execute(
            "SELECT count(*) FROM users WHERE email LIKE 'member%%@load.fitkart.example'"
        ).fetchone()[0]
        password_hash = bcrypt.hashpw(
            _prehash(normalise_password("fitkart-demo")), bcrypt.gensalt(rounds=10)
        ).decode()
        dropped = drop_secondary_indexes(conn)
        conn.commit()
        counts = dict.fromkeys(("members", "step_records", "ledger_rows", "orders"), 0)
        with conn.cursor() as cur:
            for first in range(0, members, CHUNK_MEMBERS):
                chunk = Chunk()
                for offset in range(first, min(first + CHUNK_MEMBERS, members)):
                    _member(
                        start_n + offset + 1,
                        ids.take("users"),
                        ids.take("wallets"),
                        day_list,
                        products,
                        settings,
                        admin_id,
                        password_hash,
                        today,
                        ids,
                        chunk,
                        rng,
                    )
                _write(cur, chunk)
                conn.commit()
                counts["members"] += len(chunk.users)
                counts["step_records"] += len(chunk.steps)
                counts["ledger_rows"] += len(chunk.ledger)
                counts["orders"] += len(chunk.orders)
                if (first // CHUNK_MEMBERS) % 20 == 0:
                    progress(
                        f"{counts['members']:,} members, {counts['step_records']:,} step "
                        f"records, {time.monotonic() - started:.0f} s"
                    )
        loaded = time.monotonic() - started
        progress(f"rows written in {loaded:.0f} s; building indexes")
        rebuild_indexes(conn, dropped)
        for table, next_id in ids.next.items():
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", (next_id - 1,)
            )
        conn.commit()
        indexed = time.monotonic() - started
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute("ANALYZE")
        size = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
    return {
        **counts,
        "rows_seconds": round(loaded, 1),
        "indexes_seconds": round(indexed - loaded, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "size_on_disk": size,
    }


def _settings(conn: psycopg.Connection) -> Settings:
    values = dict(conn.execute("SELECT key, value FROM settings").fetchall())

    def number(key: str, default: int) -> int:
        raw = values.get(key, default)
        return int(json.loads(raw) if isinstance(raw, str) else raw)

    return Settings(number("steps_per_coin", 100), number("daily_step_cap", 20000))


def _write(cur: psycopg.Cursor, chunk: Chunk) -> None:
    _copy(
        cur,
        "users",
        (
            "id",
            "email",
            "password_hash",
            "full_name",
            "referral_code",
            "email_verified_at",
            "created_at",
            "updated_at",
        ),
        chunk.users,
    )
    _copy(
        cur,
        "wallets",
        ("id", "user_id", "available_coins", "frozen_coins", "lifetime_earned", "lifetime_spent"),
        chunk.wallets,
    )
    _copy(cur, "step_records", (
        "id", "user_id", "recorded_date", "source", "steps", "distance_m", "active_minutes",
        "recording_method", "device_id", "status", "anomaly_score", "created_at", "updated_at",
    ), chunk.steps)  # fmt: skip
    _copy(cur, "step_validations", (
        "id", "step_record_id", "user_id", "recorded_date", "anomaly_score", "reasons", "status",
        "reviewed_by_id", "reviewed_at", "created_at", "updated_at",
    ), chunk.validations)  # fmt: skip
    _copy(cur, "orders", ORDER_COLUMNS, chunk.orders)
    _copy(cur, "order_items", (
        "id", "order_id", "product_id", "quantity", "coin_price_at_purchase",
        "product_snapshot", "created_at",
    ), chunk.items)  # fmt: skip
    _copy(cur, "coin_transactions", LEDGER_COLUMNS, chunk.ledger)
