"""Personal access tokens for the admin API (/api/v1/admin): created in the console, shown
once, stored as SHA-256 hashes, scoped read or write, expiring, revocable.

A token is `fka_` + 43 URL-safe characters (256 random bits): the prefix tells it apart
from a member's JWT access token, and a secret that long needs no slow hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.backoffice.audit import record_admin_action
from app.core.db import transaction
from app.core.errors import (
    AccountDisabled,
    AuthenticationFailed,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from app.extensions import db
from app.models.admin import TOKEN_SCOPES, AdminApiToken
from app.models.base import utcnow
from app.models.users import User

PREFIX = "fka_"
MAX_NAME = 80
MAX_DAYS = 365
EXPIRY_CHOICES = (7, 30, 90, 365)
# last_used_at is written at most this often, so a busy script does not write every call.
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: AdminApiToken
    secret: str  # shown to the admin once, never stored


@dataclass(frozen=True)
class TokenIdentity:
    token_id: int
    name: str
    scope: str
    admin: User


def looks_like_admin_token(raw: str) -> bool:
    return raw.startswith(PREFIX)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    admin_id: int, name: str, scope: str, expires_in_days: int, *, now: datetime | None = None
) -> NewToken:
    """A new token for `admin_id`; the secret is in the answer and nowhere else."""
    when = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "Name the token after the script that uses it.", details=[{"field": "name"}]
        )
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            f"The name must be at most {MAX_NAME} characters.", details=[{"field": "name"}]
        )
    if scope not in TOKEN_SCOPES:
        raise ValidationFailed("The scope must be read or write.", details=[{"field": "scope"}])
    if isinstance(expires_in_days, bool) or not 1 <= int(expires_in_days) <= MAX_DAYS:
        raise ValidationFailed(
            f"A token expires after 1 to {MAX_DAYS} days.", details=[{"field": "expires_in_days"}]
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction():
        admin = db.session.get(User, admin_id)
        if admin is None or not admin.is_admin:
            raise Forbidden("Only admins create admin API tokens.")
        token = AdminApiToken(
            admin_id=admin_id,
            name=name,
            scope=scope,
            token_hash=hash_secret(secret),
            token_hint=secret[: len(PREFIX) + 4],
            expires_at=when + timedelta(days=int(expires_in_days)),
            created_at=when,
        )
        db.session.add(token)
        db.session.flush()
        record_admin_action(
            admin_id,
            "api_token.create",
            "admin_api_token",
            token.id,
            after={"name": name, "scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return NewToken(token=token, secret=secret)


def list_tokens(admin_id: int) -> list[AdminApiToken]:
    """The admin's own tokens, newest first (revoked and expired ones included)."""
    return list(
        db.session.execute(
            select(AdminApiToken)
            .where(AdminApiToken.admin_id == admin_id)
            .order_by(AdminApiToken.id.desc())
        ).scalars()
    )


def revoke_token(token_id: int, *, admin_id: int, now: datetime | None = None) -> AdminApiToken:
    """Revoke one of the admin's own tokens at once; revoking twice changes nothing."""
    when = now or utcnow()
    with transaction():
        token = db.session.get(AdminApiToken, token_id)
        if token is None or token.admin_id != admin_id:
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = when
            record_admin_action(
                admin_id,
                "api_token.revoke",
                "admin_api_token",
                token.id,
                before={"name": token.name, "revoked": False},
                after={"name": token.name, "revoked": True},
            )
    return token


def authenticate(
    raw: str, *, ip_address: str | None = None, now: datetime | None = None
) -> TokenIdentity:
    """Who a presented token speaks for: 401 unknown/revoked/expired, 403 not an active admin.

    Records the token's last use (at most once a minute). Commits.
    """
    when = now or utcnow()
    token = db.session.execute(
        select(AdminApiToken).where(AdminApiToken.token_hash == hash_secret(raw))
    ).scalar_one_or_none()
    if token is None:
        raise AuthenticationFailed("The admin API token is not valid.")
    if token.revoked_at is not None:
        raise AuthenticationFailed("This admin API token was revoked.")
    if token.expires_at <= when:
        raise AuthenticationFailed("This admin API token has expired; create a new one.")
    admin = db.session.get(User, token.admin_id)
    if admin is None or not admin.is_active:
        raise AccountDisabled("The account this token belongs to is disabled.")
    if not admin.is_admin:
        raise Forbidden("The account this token belongs to is not an admin.")
    with transaction():
        db.session.execute(
            update(AdminApiToken)
            .where(
                AdminApiToken.id == token.id,
                or_(
                    AdminApiToken.last_used_at.is_(None),
                    AdminApiToken.last_used_at < when - LAST_USE_RESOLUTION,
                ),
            )
            .values(last_used_at=when, last_used_ip=ip_address)
            .execution_options(synchronize_session=False)
        )
    return TokenIdentity(token_id=token.id, name=token.name, scope=token.scope, admin=admin)


def record_api_read(identity: TokenIdentity, endpoint: str, path: str) -> None:
    """A read through the API leaves a trace too: who pulled which data, with which token."""
    with transaction():
        record_admin_action(
            identity.admin.id, "api.read", "api_endpoint", endpoint, note=path[:500]
        )
