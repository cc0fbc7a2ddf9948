"""`flask seed demo`: realistic walkers, a few cheaters, orders in every status, a live queue.

Every coin goes through the ledger; every flag comes from the real anti-cheat scorer.
Deterministic for a given --seed. Bulk inserts keep 1,000 members x 90 days fast.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import insert, or_, select

from app.accounts import accounts
from app.accounts.passwords import hash_password
from app.backoffice.settings import get_settings
from app.coins.ledger import post_step_rewards_for_members
from app.core.errors import DomainError
from app.core.notifications import notify
from app.extensions import db
from app.fraud.scoring import DayEvidence, assess_day
from app.gamification import achievements
from app.models.catalog import RewardProduct
from app.models.steps import StepRecord, StepValidation
from app.models.users import User, UserAddress
from app.orders import orders
from app.steps.sync import coins_for_steps

DEMO_DOMAIN = "demo.fitkart.example"
DEMO_PASSWORD = "fitkart-demo"
CHUNK = 100
# Flags younger than this stay open in the fraud queue; older ones were already reviewed.
OPEN_FLAG_DAYS = 10
SOURCES = ("google_fit", "apple_health", "health_connect", "fitbit")
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "Africa/Lagos",
    "Asia/Kolkata",
)
ORDER_FATES = (
    ("pending", 25),
    ("processing", 20),
    ("shipped", 20),
    ("delivered", 20),
    ("cancelled", 10),
    ("refunded", 5),
)
FATE_PATHS = {
    "pending": [],
    "processing": ["processing"],
    "shipped": ["processing", "shipped"],
    "delivered": ["processing", "shipped", "delivered"],
    "cancelled": ["cancelled"],
    "refunded": ["processing", "shipped", "delivered", "refunded"],
}


@dataclass
class Walker:
    email: str
    full_name: str
    timezone: str
    base_steps: float
    weekend_factor: float
    miss_rate: float
    stride_m: float
    primary_source: str
    second_source_rate: float
    joined: date
    cheater: bool
    manual_rate: float
    referral_code: str | None = None


@dataclass
class DemoSummary:
    members: int = 0
    step_records: int = 0
    flagged_open: int = 0
    flagged_reviewed: int = 0
    orders_by_status: dict[str, int] = field(default_factory=dict)
    example_email: str = f"member1@{DEMO_DOMAIN}"

    def describe(self) -> str:
        orders_text = ", ".join(f"{n} {s}" for s, n in sorted(self.orders_by_status.items()))
        return (
            f"Demo data: {self.members} members, {self.step_records} step records, "
            f"{self.flagged_open} days in the fraud queue ({self.flagged_reviewed} already "
            f"reviewed), orders: {orders_text or 'none'}."
        )


def demo_already_loaded() -> bool:
    return (
        db.session.execute(
            select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}")).limit(1)
        ).first()
        is not None
    )


def _walkers(count: int, days: int, today: date, rng: random.Random, fake: Faker) -> list[Walker]:
    first_day = today - timedelta(days=days - 1)
    walkers = []
    for index in range(1, count + 1):
        new_member = rng.random() < 0.2
        joined = first_day
        if new_member:
            joined += timedelta(days=rng.randint(days // 2, days - 1))
        walkers.append(
            Walker(
                email=f"member{index}@{DEMO_DOMAIN}",
                full_name=fake.name(),
                timezone=rng.choice(TIMEZONES),
                base_steps=min(16000.0, max(2500.0, rng.lognormvariate(math.log(7500), 0.35))),
                weekend_factor=rng.choice((0.7, 0.85, 1.15, 1.35)),
                miss_rate=rng.uniform(0.02, 0.2),
                stride_m=rng.uniform(0.66, 0.82),
                primary_source=rng.choice(SOURCES),
                second_source_rate=0.25 if rng.random() < 0.3 else 0.0,
                joined=joined,
                cheater=rng.random() < 0.04,
                manual_rate=0.06 if rng.random() < 0.08 else 0.0,
            )
        )
    return walkers


def _day_records(walker: Walker, day: date, today: date, rng: random.Random) -> list[dict]:
    """The records a walker's phone would sync for one day (none on a missed day)."""
    if rng.random() < walker.miss_rate:
        return []
    weekend = day.weekday() >= 5
    steps = walker.base_steps * (walker.weekend_factor if weekend else 1.0)
    steps *= rng.lognormvariate(0, 0.22)
    if day == today:
        steps *= 0.45  # the day is not over yet
    steps = int(steps)
    distance = round(steps * walker.stride_m * rng.uniform(0.95, 1.05), 1)
    minutes = max(1, int(steps / rng.uniform(95, 115)))
    record: dict[str, Any] = {
        "source": walker.primary_source,
        "steps": steps,
        "distance_m": distance,
        "active_minutes": minutes,
        "recording_method": "automatic",
    }
    if walker.cheater and rng.random() < 0.1:
        # A phone on a shaker: huge counts, almost no distance covered.
        record["steps"] = rng.randint(32000, 70000)
        record["distance_m"] = round(record["steps"] * rng.uniform(0.05, 0.2), 1)
        record["active_minutes"] = rng.randint(60, 200)
    records = [record]
    if walker.manual_rate and rng.random() < walker.manual_rate:
        records.append(
            {
                "source": "manual",
                "steps": int(steps * rng.uniform(1.1, 1.6)),
                "distance_m": None,
                "active_minutes": None,
                "recording_method": "manual",
            }
        )
    if walker.second_source_rate and rng.random() < walker.second_source_rate:
        second = rng.choice([s for s in SOURCES if s != walker.primary_source])
        records.append({**record, "source": second, "steps": int(steps * rng.uniform(0.85, 1.0))})
    return records


def generate_demo(
    user_count: int,
    days: int,
    *,
    seed: int = 42,
    progress: Callable[[int], object] | None = None,
    today: date | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    started = datetime.now(UTC)
    today = today or started.date()
    settings = get_settings()
    summary = DemoSummary()
    password_hash = hash_password(DEMO_PASSWORD)
    walkers = _walkers(user_count, days, today, rng, fake)
    admin_id = db.session.execute(
        select(User.id).where(User.role == "admin").order_by(User.id).limit(1)
    ).scalar_one_or_none()
    reviewed_at = datetime.combine(today, time(9, 0), tzinfo=UTC)

    user_ids: list[int] = []
    for start in range(0, len(walkers), CHUNK):
        chunk = walkers[start : start + CHUNK]
        chunk_ids = []
        for walker in chunk:
            if user_ids and rng.random() < 0.15:
                referrer = db.session.get(User, rng.choice(user_ids))
                walker.referral_code = referrer.referral_code if referrer else None
            user = accounts.create_user(
                walker.email,
                "",
                walker.full_name,
                timezone=walker.timezone,
                referral_code=walker.referral_code,
                password_hash=password_hash,
                email_verified=True,
            )
            user.created_at = datetime.combine(walker.joined, time(8, 0), tzinfo=UTC)
            chunk_ids.append(user.id)
        db.session.flush()

        records: list[dict] = []
        verdicts: dict[tuple[int, date, str], tuple] = {}
        day_totals: dict[int, dict[date, int]] = {}
        for user_id, walker in zip(chunk_ids, chunk, strict=True):
            history: dict[date, int] = {}
            totals: dict[date, int] = {}
            day = walker.joined
            while day <= today:
                credited = 0
                synced_at = min(datetime.combine(day, time(21, 0), tzinfo=UTC), started)
                for rec in _day_records(walker, day, today, rng):
                    evidence = DayEvidence(
                        steps=rec["steps"],
                        distance_m=rec["distance_m"],
                        active_minutes=rec["active_minutes"],
                        recording_method=rec["recording_method"],
                        source=rec["source"],
                        day=day,
                    )
                    verdict = assess_day(
                        evidence,
                        history,
                        threshold=settings.anomaly_threshold,
                        hard_limit=settings.hard_daily_step_limit,
                    )
                    if verdict.rejected:
                        continue
                    status = "verified"
                    if verdict.needs_review:
                        old = (today - day).days >= OPEN_FLAG_DAYS
                        approve = old and rng.random() < 0.3
                        status = "verified" if approve else ("rejected" if old else "pending")
                        verdicts[(user_id, day, rec["source"])] = (verdict, status)
                    if status == "verified":
                        credited = max(credited, rec["steps"])
                    records.append(
                        {
                            "user_id": user_id,
                            "recorded_date": day,
                            "source": rec["source"],
                            "steps": rec["steps"],
                            "distance_m": rec["distance_m"],
                            "active_minutes": rec["active_minutes"],
                            "recording_method": rec["recording_method"],
                            "device_id": f"demo-{walker.primary_source}",
                            "status": status,
                            "anomaly_score": verdict.score,
                            "created_at": synced_at,
                            "updated_at": synced_at,
                        }
                    )
                if credited:
                    history[day] = credited
                    totals[day] = coins_for_steps(
                        credited,
                        daily_step_cap=settings.daily_step_cap,
                        steps_per_coin=settings.steps_per_coin,
                    )
                day += timedelta(days=1)
            day_totals[user_id] = totals
        if records:
            db.session.execute(insert(StepRecord.__table__), records)
        summary.step_records += len(records)

        if verdicts:
            flagged = db.session.execute(
                select(
                    StepRecord.id, StepRecord.user_id, StepRecord.recorded_date, StepRecord.source
                ).where(
                    StepRecord.user_id.in_(chunk_ids),
                    or_(
                        StepRecord.status != "verified",
                        StepRecord.anomaly_score > 0,
                        StepRecord.recording_method == "manual",
                    ),
                )
            ).all()
            validations = []
            for record_id, user_id, day, source in flagged:
                found = verdicts.get((user_id, day, source))
                if found is None:
                    continue
                verdict, status = found
                validation_status = {"pending": "pending", "rejected": "rejected"}.get(
                    status, "approved"
                )
                if validation_status == "rejected" and rng.random() < 0.15:
                    validation_status = "appealed"
                open_case = validation_status in ("pending", "appealed")
                summary.flagged_open += open_case
                summary.flagged_reviewed += not open_case
                validations.append(
                    {
                        "step_record_id": record_id,
                        "user_id": user_id,
                        "recorded_date": day,
                        "anomaly_score": verdict.score,
                        "reasons": [r.as_dict() for r in verdict.reasons],
                        "status": validation_status,
                        "reviewed_by_id": None if validation_status == "pending" else admin_id,
                        "reviewed_at": None if validation_status == "pending" else reviewed_at,
                        "review_note": (
                            "Step pattern does not match walking."
                            if validation_status in ("rejected", "appealed")
                            else ("Looks genuine." if validation_status == "approved" else None)
                        ),
                        "appeal_message": (
                            "I really did walk that day, it was a hiking trip!"
                            if validation_status == "appealed"
                            else None
                        ),
                        "appealed_at": reviewed_at if validation_status == "appealed" else None,
                    }
                )
                if validation_status == "pending":
                    notify(
                        user_id,
                        "flag",
                        f"Your steps on {day.isoformat()} are being reviewed",
                        "Coins for that day arrive once the review is done.",
                        link="/steps",
                    )
            if validations:
                db.session.execute(insert(StepValidation.__table__), validations)

        # Booked on the evening of each day, but never in the future (today is not over).
        booked = {
            d: min(datetime.combine(d, time(21, 5), tzinfo=UTC), started)
            for d in _days(today, days)
        }
        post_step_rewards_for_members(day_totals, booked_at=booked)
        for user_id in chunk_ids:
            achievements.evaluate(user_id, now=reviewed_at)
        db.session.commit()
        user_ids.extend(chunk_ids)
        summary.members += len(chunk)
        if progress is not None:
            progress(len(chunk))

    _place_orders(
        user_ids,
        walkers,
        rng,
        admin_id,
        summary,
        until=min(started, datetime.combine(today, time(23, 0), tzinfo=UTC)),
        days=days,
    )
    return summary


def _days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(count)]


def _place_orders(
    user_ids: list[int],
    walkers: list[Walker],
    rng: random.Random,
    admin_id: int | None,
    summary: DemoSummary,
    *,
    until: datetime,
    days: int,
) -> None:
    """Orders in every status, placed on days spread over the demo period (as the step
    history is), each status change a day or two after the one before, never in the future."""
    products = db.session.execute(
        select(RewardProduct.id, RewardProduct.coin_price).where(RewardProduct.is_active)
    ).all()
    if not products:
        return
    fates = [fate for fate, weight in ORDER_FATES for _ in range(weight)]
    buyers = [uid for uid in user_ids if rng.random() < 0.35]
    for user_id in buyers:
        walker = walkers[user_ids.index(user_id)]
        user = db.session.get_one(User, user_id)
        address = UserAddress(
            user_id=user_id,
            label="Home",
            recipient_name=walker.full_name,
            line1=f"{rng.randint(1, 200)} Demo Street",
            city=rng.choice(("Berlin", "Lagos", "London", "Pune", "Boston")),
            postal_code=f"{rng.randint(10000, 99999)}",
            country=rng.choice(("DE", "NG", "GB", "IN", "US")),
            is_default=True,
        )
        db.session.add(address)
        db.session.commit()
        affordable = [p for p in products if p.coin_price <= user.wallet.available_coins]
        if not affordable:
            continue
        product = rng.choice(affordable)
        moment = until - timedelta(days=rng.randint(0, max(days - 1, 0)), hours=rng.randint(1, 12))
        try:
            order = orders.place_order(
                user_id, [(product.id, 1)], address_id=address.id, now=moment
            )
        except DomainError:
            continue
        fate = rng.choice(fates)
        for step in FATE_PATHS[fate]:
            moment = min(moment + timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 6)), until)
            orders.change_status(
                order.order_code,
                step,
                admin_id=admin_id,
                tracking_number=f"DHL{rng.randint(10**9, 10**10 - 1)}",
                now=moment,
            )
        summary.orders_by_status[fate] = summary.orders_by_status.get(fate, 0) + 1
