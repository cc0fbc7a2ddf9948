"""Accounts: registration, credentials, the session loader."""

from __future__ import annotations

import secrets
import unicodedata
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.passwords import (
    burn_password_check,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import AccountDisabled, AuthenticationFailed, Conflict, ValidationFailed
from app.extensions import db
from app.fraud import linked_accounts
from app.gamification import referrals
from app.models.base import utcnow
from app.models.users import ROLES, User, UserStatus

if TYPE_CHECKING:
    from app.accounts.tokens import ClientInfo, TokenPair

# No 0/O or 1/I: codes get read aloud and typed from screenshots.
REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_TIMEZONES = frozenset(available_timezones())


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"Enter a valid e-mail address ({exc}).", details=[{"field": "email"}]
        ) from None


MAX_TYPED_EMAIL = 320


def email_identity(raw: str) -> str:
    """The one normal form of a typed address: what sign-in looks up and every per-account
    limit keys on. A string that is no address still gets a stable (NFKC, case-folded) form."""
    text = raw or ""
    if len(text) <= MAX_TYPED_EMAIL:  # no address is longer; spare the parser a megabyte
        try:
            return normalise_email(text)
        except ValidationFailed:
            pass
    return unicodedata.normalize("NFKC", text[: MAX_TYPED_EMAIL * 2]).strip().casefold()[:254]


def validate_timezone(name: str | None) -> str:
    name = (name or "UTC").strip()
    if name not in _TIMEZONES:
        raise ValidationFailed(
            f"{name!r} is not a known IANA time zone (for example Europe/Berlin).",
            details=[{"field": "timezone"}],
        )
    ZoneInfo(name)
    return name


def new_referral_code() -> str:
    while True:
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))
        taken = db.session.execute(
            select(User.id).where(User.referral_code == code)
        ).scalar_one_or_none()
        if taken is None:
            return code


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == email_identity(email), User.deleted_at.is_(None))
    ).scalar_one_or_none()


def create_user(
    email: str,
    password: str,
    full_name: str,
    *,
    timezone: str | None = "UTC",
    role: str = "member",
    referral_code: str | None = None,
    password_hash: str | None = None,
    signup_ip: str | None = None,
    email_verified: bool = False,
) -> User:
    """Register a member (or admin) with an empty wallet, as a step of the caller's
    `transaction()` (`register_member` is the sign-up's own). The address is
    unconfirmed unless `email_verified` (the caller then mails the confirmation).

    `signup_ip` is the address the account was created from (kept for linked accounts).

    `password_hash` lets bulk seeding reuse one bcrypt hash instead of paying for each.
    """
    problems: list[dict[str, str]] = []
    email_clean = ""
    try:
        email_clean = normalise_email(email)
    except ValidationFailed as exc:
        problems.append({"field": "email", "message": exc.message})
    name = " ".join((full_name or "").split())
    if not name:
        problems.append({"field": "full_name", "message": "Enter your name."})
    elif len(name) > 120:
        problems.append({"field": "full_name", "message": "Name must be at most 120 characters."})
    if password_hash is None and (
        problem := password_problem(password, email=email_clean or email, full_name=name)
    ):
        problems.append({"field": "password", "message": problem})
    try:
        tz = validate_timezone(timezone)
    except ValidationFailed as exc:
        problems.append({"field": "timezone", "message": exc.message})
    if role not in ROLES:
        problems.append({"field": "role", "message": f"Role must be one of {', '.join(ROLES)}."})
    referrer = None
    if referral_code:
        referrer = referrals.find_referrer(referral_code)
        if referrer is None:
            problems.append({"field": "referral_code", "message": "That referral code is unknown."})
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    if find_by_email(email_clean) is not None:
        raise Conflict("An account with that e-mail already exists.", details=[{"field": "email"}])
    user = User(
        email=email_clean,
        password_hash=password_hash or hash_password(password),
        full_name=name,
        timezone=tz,
        role=role,
        referral_code=new_referral_code(),
        # Seeds, demo data and admins made on the command line come with a known address.
        email_verified_at=utcnow() if email_verified else None,
    )
    try:
        # A savepoint: a concurrent registration of the same e-mail loses here, not in a 500.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise Conflict(
            "An account with that e-mail already exists.", details=[{"field": "email"}]
        ) from None
    ledger.open_wallet(user.id)
    linked_accounts.record_signup_address(user.id, signup_ip)
    if referrer is not None:
        referrals.link(referrer, user)
    return user


def register_member(
    email: str,
    password: str,
    full_name: str,
    *,
    timezone: str | None,
    referral_code: str | None,
    signup_ip: str | None,
) -> User:
    """Sign-up from the website: `create_user` as its own unit of work."""
    with transaction():
        return create_user(
            email,
            password,
            full_name,
            timezone=timezone,
            referral_code=referral_code,
            signup_ip=signup_ip,
        )


def register_with_tokens(
    email: str,
    password: str,
    full_name: str,
    *,
    timezone: str | None,
    referral_code: str | None,
    signup_ip: str | None,
    client: ClientInfo,
) -> tuple[User, TokenPair]:
    """Sign-up from the phone: the account and its first token pair, together or neither."""
    from app.accounts import tokens

    with transaction():
        user = create_user(
            email,
            password,
            full_name,
            timezone=timezone,
            referral_code=referral_code,
            signup_ip=signup_ip,
        )
        return user, tokens.issue_pair(user, client)


def sign_in_with_tokens(email: str, password: str, client: ClientInfo) -> tuple[User, TokenPair]:
    """Sign-in from the phone: the sign-in recorded and a new token family, in one commit."""
    from app.accounts import tokens

    with transaction():
        user = authenticate(email, password)
        return user, tokens.issue_pair(user, client)


def authenticate(email: str, password: str) -> User:
    """The account for these credentials, or AuthenticationFailed (same message either way).
    Records the sign-in in its own transaction (or the caller's, which it joins)."""
    with transaction():
        user = find_by_email(email)
        if user is None:
            burn_password_check(password)
            raise AuthenticationFailed("Wrong e-mail or password.")
        if not verify_password(password, user.password_hash):
            raise AuthenticationFailed("Wrong e-mail or password.")
        if user.status != UserStatus.ACTIVE:
            raise AccountDisabled(f"This account is {user.status}. Contact support.")
        if needs_rehash(user.password_hash):
            # BCRYPT_ROUNDS changed since this hash was made: the password is at hand only now.
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Ends every other session (bumps the session version), in its own transaction."""
    with transaction():
        if not verify_password(current_password, user.password_hash):
            raise ValidationFailed(
                "Your current password is not right.", details=[{"field": "current_password"}]
            )
        set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    if problem := password_problem(new_password, email=user.email, full_name=user.full_name):
        raise ValidationFailed(problem, details=[{"field": "password"}])
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    from app.accounts import tokens

    tokens.revoke_all_for_user(user.id, reason="password_changed")


def end_browser_sessions(user_id: int) -> None:
    """Sign-out: bump the session version, so every copy of the session and remember
    cookies (both carry `User.get_id()`, "<id>:<version>") stops loading the member."""
    with transaction():
        db.session.execute(
            update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
        )


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login loader: "<id>:<session_version>"; an old version means logged out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)
