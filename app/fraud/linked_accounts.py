"""Linked accounts: which phones (`device_id`) and which sign-up address each account used.

Two accounts are linked when one phone synced steps for both. A shared sign-up address
(IP) is shown beside them but links nobody by itself: households, offices and mobile
carriers put many honest people behind one address.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
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


def record_device(user_id: int, device_id: str | None, when: datetime) -> None:
    """Remember that this account synced from this phone (called inside the sync)."""
    if not device_id:
        return
    row = db.session.execute(
        select(AccountDevice).where(
            AccountDevice.user_id == user_id, AccountDevice.device_id == device_id
        )
    ).scalar_one_or_none()
    if row is None:
        db.session.add(
            AccountDevice(
                user_id=user_id, device_id=device_id, first_seen_at=when, last_seen_at=when
            )
        )
    else:
        row.last_seen_at = max(row.last_seen_at, when)
        row.syncs += 1
    db.session.flush()


def other_accounts_on_device(user_id: int, device_id: str | None, when: datetime) -> int:
    """How many other accounts synced from this phone in the last DEVICE_LINK_DAYS days."""
    if not device_id:
        return 0
    return db.session.execute(
        select(func.count(func.distinct(AccountDevice.user_id))).where(
            AccountDevice.device_id == device_id,
            AccountDevice.user_id != user_id,
            AccountDevice.last_seen_at >= when - timedelta(days=DEVICE_LINK_DAYS),
        )
    ).scalar_one()


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
