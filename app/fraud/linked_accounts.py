"""Linked accounts: which phones (`device_id`) and which sign-up address each account used.

Two accounts are linked when one phone synced steps for both. A shared sign-up address
(IP) is shown beside them but links nobody by itself: households, offices and mobile
carriers put many honest people behind one address.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.db import is_postgres
from app.extensions import db
from app.models.base import utcnow
from app.models.linked_accounts import AccountDevice, SignupAddress
from app.models.users import User

DEVICE_LINK_DAYS = 14  # one phone syncing for another account this recently links them


def devices_link(devices: Collection[str], other_devices: Collection[str]) -> bool:
    """Whether two accounts' phones overlap: the rule that holds a referral bonus."""
    return bool(set(devices) & set(other_devices))


@dataclass(frozen=True)
class LinkedAccount:
    """Another account tied to a member: by a shared phone, or only by the sign-up address."""

    user: User
    shared_devices: tuple[str, ...]
    same_signup_address: bool

    @property
    def linked(self) -> bool:
        return bool(self.shared_devices)


def _device_upsert(user_id: int, device_id: str, when: datetime) -> Any:
    insert = postgres_insert if is_postgres() else sqlite_insert
    statement = insert(AccountDevice).values(
        user_id=user_id,
        device_id=device_id,
        first_seen_at=when,
        last_seen_at=when,
        syncs=1,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    latest = func.greatest if is_postgres() else func.max  # SQLite's max(a, b) is scalar
    return statement.on_conflict_do_update(
        index_elements=["user_id", "device_id"],
        set_={
            "last_seen_at": latest(AccountDevice.last_seen_at, statement.excluded.last_seen_at),
            "syncs": AccountDevice.syncs + 1,
            "updated_at": statement.excluded.updated_at,
        },
    )


def record_device(user_id: int, device_id: str | None, when: datetime) -> None:
    """Remember that this account synced from this phone: one upsert, so two first syncs
    from one phone cannot both insert it."""
    if device_id:
        db.session.execute(_device_upsert(user_id, device_id, when))


def _others_on_device(user_id: int, device_id: str, when: datetime) -> Select[int]:
    return select(func.count(func.distinct(AccountDevice.user_id))).where(
        AccountDevice.device_id == device_id,
        AccountDevice.user_id != user_id,
        AccountDevice.last_seen_at >= when - timedelta(days=DEVICE_LINK_DAYS),
    )


def other_accounts_on_device(user_id: int, device_id: str | None, when: datetime) -> int:
    """How many other accounts synced from this phone in the last DEVICE_LINK_DAYS days."""
    if not device_id:
        return 0
    return db.session.execute(_others_on_device(user_id, device_id, when)).scalar_one()


def record_device_and_count_others(user_id: int, device_id: str | None, when: datetime) -> int:
    """`record_device`, then `other_accounts_on_device` (what sync does on every request):
    one statement on PostgreSQL, the upsert a CTE of the count (it counts only others)."""
    if not device_id:
        return 0
    if not is_postgres():
        record_device(user_id, device_id, when)
        return other_accounts_on_device(user_id, device_id, when)
    recorded = _device_upsert(user_id, device_id, when).returning(AccountDevice.id).cte("recorded")
    count = _others_on_device(user_id, device_id, when).add_cte(recorded)
    return db.session.execute(count).scalar_one()


def record_signup_address(user_id: int, ip_address: str | None) -> None:
    if ip_address:
        db.session.add(SignupAddress(user_id=user_id, ip_address=ip_address[:45]))
        db.session.flush()


def devices_of(user_id: int) -> set[str]:
    return set(
        db.session.execute(
            select(AccountDevice.device_id).where(AccountDevice.user_id == user_id)
        ).scalars()
    )


def accounts_linked(user_id: int, other_id: int) -> bool:
    return devices_link(devices_of(user_id), devices_of(other_id))


def linked_accounts(user_id: int, *, limit: int = 50) -> list[LinkedAccount]:
    """Accounts sharing a phone with this member, then those sharing only its sign-up address."""
    mine = devices_of(user_id)
    by_device: dict[int, set[str]] = {}
    if mine:
        for other_id, device_id in db.session.execute(
            select(AccountDevice.user_id, AccountDevice.device_id).where(
                AccountDevice.device_id.in_(mine), AccountDevice.user_id != user_id
            )
        ):
            by_device.setdefault(other_id, set()).add(device_id)
    address = db.session.execute(
        select(SignupAddress.ip_address).where(SignupAddress.user_id == user_id)
    ).scalar_one_or_none()
    same_address: set[int] = set()
    if address:
        same_address = set(
            db.session.execute(
                select(SignupAddress.user_id).where(
                    SignupAddress.ip_address == address, SignupAddress.user_id != user_id
                )
            ).scalars()
        )
    ids = list(dict.fromkeys([*sorted(by_device), *sorted(same_address)]))[:limit]
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}
    return [
        LinkedAccount(
            user=users[i],
            shared_devices=tuple(sorted(by_device.get(i, ()))),
            same_signup_address=i in same_address,
        )
        for i in ids
        if i in users
    ]


def accounts_per_device(device_ids: Collection[str], when: datetime) -> dict[str, set[int]]:
    """For each phone, the accounts that synced from it in the last DEVICE_LINK_DAYS days."""
    if not device_ids:
        return {}
    result: dict[str, set[int]] = {}
    for device_id, user_id in db.session.execute(
        select(AccountDevice.device_id, AccountDevice.user_id).where(
            AccountDevice.device_id.in_(list(device_ids)),
            AccountDevice.last_seen_at >= when - timedelta(days=DEVICE_LINK_DAYS),
        )
    ):
        result.setdefault(device_id, set()).add(user_id)
    return result


def signup_address(user_id: int) -> str | None:
    return db.session.execute(
        select(SignupAddress.ip_address).where(SignupAddress.user_id == user_id)
    ).scalar_one_or_none()


def devices_with_dates(user_id: int) -> list[AccountDevice]:
    return list(
        db.session.execute(
            select(AccountDevice)
            .where(AccountDevice.user_id == user_id)
            .order_by(AccountDevice.last_seen_at.desc())
        ).scalars()
    )
