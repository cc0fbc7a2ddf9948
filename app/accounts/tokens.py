"""Phone API tokens (SPEC §6).

Access tokens: short-lived JWTs (HS256, signed with SECRET_KEY) carrying the member id
and the login's token family; every request checks the family is still live (one indexed
lookup), so logout, a password change, reuse detection or a ban ends them at once.
Refresh tokens: random, stored only as SHA-256 hashes, rotated on every use; presenting a
rotated token again revokes its whole family, the sign of a stolen token, except within a
short grace window after the rotation: a phone that sent one refresh several times (a
flaky network, parallel requests) gets another pair of the same family, not a logout.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from flask import current_app
from sqlalchemy import select, update

from app.core.db import rows_affected, transaction
from app.core.errors import AuthenticationFailed, Forbidden
from app.extensions import db
from app.models.base import utcnow
from app.models.users import RefreshToken, User

ALGORITHM = "HS256"
AUDIENCE = "fitkart-api"
# A retried refresh of a token rotated this recently gets a pair instead of a revocation.
ROTATION_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_dict(self) -> dict:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


@dataclass(frozen=True)
class ClientInfo:
    device_name: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


def _signing_key() -> bytes:
    """A 32-byte key derived from SECRET_KEY, separate from what signs cookies."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, b"fitkart-api-access-token", hashlib.sha256).digest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _access_token(user: User, family_id: str, now: datetime) -> tuple[str, int]:
    ttl = int(current_app.config["ACCESS_TOKEN_TTL_SECONDS"])
    claims = {
        "sub": str(user.id),
        "fam": family_id,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
    }
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), ttl


def _new_refresh(user: User, family_id: str, client: ClientInfo, now: datetime) -> str:
    raw = secrets.token_urlsafe(32)
    days = int(current_app.config["REFRESH_TOKEN_TTL_DAYS"])
    db.session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=_hash(raw),
            family_id=family_id,
            device_name=(client.device_name or None) and client.device_name[:120],
            ip_address=client.ip_address,
            user_agent=(client.user_agent or None) and client.user_agent[:400],
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
    )
    return raw


def issue_pair(user: User, client: ClientInfo, *, now: datetime | None = None) -> TokenPair:
    """A new login: a new token family, committed (or a step of the caller's transaction)."""
    when = now or utcnow()
    family_id = str(uuid.uuid4())
    with transaction():
        refresh = _new_refresh(user, family_id, client, when)
        access, ttl = _access_token(user, family_id, when)
        db.session.flush()
    return TokenPair(access, refresh, ttl)


def _revoke_family(family_id: str, reason: str, now: datetime) -> None:
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def _within_grace(token: RefreshToken, now: datetime) -> bool:
    """A token rotated moments ago, its family still live: a retry, not a thief."""
    db.session.refresh(token)  # what the claim just waited for (another rotation) is visible
    return (
        token.revoked_at is None
        and token.rotated_at is not None
        and now - token.rotated_at <= ROTATION_GRACE
    )


def rotate(raw_refresh: str, client: ClientInfo, *, now: datetime | None = None) -> TokenPair:
    """Trade a refresh token for a new pair. Reuse of a spent token revokes its family,
    unless it is a retry within ROTATION_GRACE of the rotation."""
    when = now or utcnow()
    with transaction():
        token = db.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == _hash(raw_refresh))
        ).scalar_one_or_none()
        if token is None:
            raise AuthenticationFailed("That refresh token is not valid.")
        # Claim the token: only one request can turn a live token into a spent one.
        claimed = rows_affected(
            update(RefreshToken)
            .where(
                RefreshToken.id == token.id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(rotated_at=when, last_used_at=when)
        )
        reuse = claimed != 1 and not _within_grace(token, when)
        if reuse:
            _revoke_family(token.family_id, "reuse_detected", when)
        expired = token.expires_at <= when
        user = db.session.get(User, token.user_id)
        if not reuse and not expired and user is not None and user.is_active:
            refresh = _new_refresh(user, token.family_id, client, when)
            access, ttl = _access_token(user, token.family_id, when)
            pair = TokenPair(access, refresh, ttl)
        else:
            pair = None
    if reuse:
        raise AuthenticationFailed("That refresh token was already used; sign in again.")
    if expired:
        raise AuthenticationFailed("That refresh token has expired; sign in again.")
    if user is None or not user.is_active:
        raise Forbidden("This account is disabled.")
    assert pair is not None
    return pair


def revoke(raw_refresh: str, *, now: datetime | None = None) -> None:
    """Logout: end the token's family (that device). Unknown tokens are ignored."""
    when = now or utcnow()
    with transaction():
        token = db.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == _hash(raw_refresh))
        ).scalar_one_or_none()
        if token is not None:
            _revoke_family(token.family_id, "logout", when)


def revoke_all_for_user(user_id: int, *, reason: str) -> int:
    """Revoke every live refresh token of a member. Returns how many. Caller commits."""
    return rows_affected(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def _family_is_live(user_id: int, family_id: str) -> bool:
    """The login an access token belongs to has a token that is not revoked."""
    live = db.session.execute(
        select(RefreshToken.id)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
        )
        .limit(1)
    ).first()
    return live is not None


def user_for_access_token(raw: str) -> User:
    """The member an access token belongs to, or AuthenticationFailed / Forbidden."""
    try:
        claims = jwt.decode(
            raw,
            _signing_key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud", "fam"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("The access token has expired; refresh it.") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("The access token is not valid.") from None
    subject = str(claims.get("sub", ""))
    user = db.session.get(User, int(subject)) if subject.isdigit() else None
    if user is None or not _family_is_live(user.id, str(claims["fam"])):
        raise AuthenticationFailed("The access token is no longer valid; sign in again.")
    if not user.is_active:
        raise Forbidden("This account is disabled.")
    return user
