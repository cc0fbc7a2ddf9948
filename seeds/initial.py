"""`flask seed initial`: the admin account, 8 achievements, 8 products, the settings.

Idempotent: rows are matched by their natural key (e-mail, achievement code, product
title) and only missing ones are added.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts import accounts
from app.backoffice.settings import ensure_default_settings
from app.extensions import db
from app.models.catalog import RewardProduct
from app.models.gamification import Achievement

ACHIEVEMENTS = [
    {
        "code": "first_steps",
        "name": "First Steps",
        "description": "Sync your first day of steps.",
        "icon": "footprints",
        "unlock_criteria": {"total_steps": 1},
        "reward_coins": 10,
    },
    {
        "code": "ten_k_day",
        "name": "10K Day",
        "description": "Walk 10,000 steps in a single day.",
        "icon": "flame",
        "unlock_criteria": {"daily_steps": 10_000},
        "reward_coins": 50,
    },
    {
        "code": "week_streak",
        "name": "Week Warrior",
        "description": "Walk at least 5,000 steps seven days in a row.",
        "icon": "calendar",
        "unlock_criteria": {"streak_days": 7},
        "reward_coins": 100,
    },
    {
        "code": "hundred_k",
        "name": "100K Club",
        "description": "Reach 100,000 credited steps in total.",
        "icon": "medal",
        "unlock_criteria": {"total_steps": 100_000},
        "reward_coins": 100,
    },
    {
        "code": "marathoner",
        "name": "Million Stepper",
        "description": "Reach 1,000,000 credited steps in total.",
        "icon": "trophy",
        "unlock_criteria": {"total_steps": 1_000_000},
        "reward_coins": 500,
    },
    {
        "code": "first_order",
        "name": "First Reward",
        "description": "Redeem your coins for a first reward (counts once it ships).",
        "icon": "gift",
        "unlock_criteria": {"orders_count": 1},
        "reward_coins": 25,
    },
    {
        "code": "social_walker",
        "name": "Social Walker",
        "description": "Invite three friends who join FitKart.",
        "icon": "users",
        "unlock_criteria": {"referrals_count": 3},
        "reward_coins": 150,
    },
    {
        "code": "team_spirit",
        "name": "Team Spirit",
        "description": "Be on a team of three or more that averages 35,000 steps in a week.",
        "icon": "users",
        "unlock_criteria": {"team_size": 3, "team_week_average": 35_000},
        "reward_coins": 100,
    },
]

PRODUCTS = [
    ("FitKart Water Bottle", "Gear", 800, 120, "750 ml stainless steel, keeps cold for 24 hours."),
    ("Running Socks (3 pairs)", "Apparel", 600, 200, "Cushioned, breathable, blister-free."),
    ("Resistance Band Set", "Gear", 1200, 80, "Five bands from light to extra heavy."),
    ("Wireless Earbuds", "Electronics", 6500, 25, "Sweat-proof, 8 hours of playback."),
    ("Yoga Mat", "Gear", 2500, 40, "6 mm, non-slip, with carry strap."),
    ("Protein Bar Box (12)", "Nutrition", 900, 150, "Twelve bars, three flavours."),
    ("Smart Jump Rope", "Electronics", 3000, 30, "Counts your jumps and syncs to your phone."),
    ("FitKart Gift Card 10", "Gift cards", 1500, 500, "A gift card worth 10 in the partner store."),
]


@dataclass
class InitialSeedResult:
    admin_created: bool
    admin_email: str
    admin_password: str | None
    achievements_added: int
    products_added: int
    settings_added: int


def load_initial(admin_email: str, admin_password: str) -> InitialSeedResult:
    """Add whatever of the initial data is missing. Caller commits."""
    admin_created = False
    if accounts.find_by_email(admin_email) is None:
        accounts.create_user(
            admin_email, admin_password, "FitKart Admin", role="admin", email_verified=True
        )
        admin_created = True

    codes = set(db.session.execute(select(Achievement.code)).scalars())
    achievements_added = 0
    for order, spec in enumerate(ACHIEVEMENTS):
        if spec["code"] not in codes:
            db.session.add(Achievement(sort_order=order, **spec))
            achievements_added += 1

    titles = set(db.session.execute(select(RewardProduct.title)).scalars())
    products_added = 0
    for title, category, price, stock, description in PRODUCTS:
        if title not in titles:
            db.session.add(
                RewardProduct(
                    title=title,
                    category=category,
                    coin_price=price,
                    stock_quantity=stock,
                    description=description,
                    price_set_by_admin=True,
                )
            )
            products_added += 1

    settings_added = ensure_default_settings()
    db.session.flush()
    return InitialSeedResult(
        admin_created=admin_created,
        admin_email=admin_email,
        admin_password=admin_password if admin_created else None,
        achievements_added=achievements_added,
        products_added=products_added,
        settings_added=settings_added,
    )
