"""Ways to prove who you are beyond the password: TOTP authenticators and recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, UTCDateTime, sql_in


class TotpCredential(CreatedAt, Base):
    """A confirmed authenticator app: one per account (re-enrolling replaces it)."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The shared secret must be readable to check codes, so it cannot be hashed.
    secret: Mapped[str] = mapped_column(String(64))
    # The last 30-second step a code was accepted for: a code never works twice.
    last_used_step: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecoveryCode(CreatedAt, Base):
    """A one-time code for a lost phone; only its SHA-256 hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


EMAIL_CODE_PURPOSES = ("sign_in", "verify")


class EmailCode(CreatedAt, Base):
    """A 6-digit code mailed to sign in without the password, or to confirm the address:
    one live code per account and purpose (asking again replaces it), 5 tries. Stored as
    an HMAC, never as digits."""

    __tablename__ = "email_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("user_id", "purpose"),  # one live code per purpose
        CheckConstraint(sql_in("purpose", EMAIL_CODE_PURPOSES), name="purpose"),
    )


PROVIDERS = ("google", "apple")


class ExternalIdentity(CreatedAt, Base):
    """A Google or Apple account linked to a member: the provider's stable `sub`."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    # As the provider gave it (an Apple private-relay address stays a relay address).
    email: Mapped[str | None] = mapped_column(String(254))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),  # one Google and one Apple per member
        CheckConstraint(sql_in("provider", PROVIDERS), name="provider"),
    )


class UsedNonce(Base):
    """A nonce an ID token was accepted with: the same one again is a replay."""

    __tablename__ = "used_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Passkey(CreatedAt, Base):
    """A WebAuthn credential (passkey) a member registered; its public key, never a secret."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(String(2000))  # base64url COSE key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Rows that let someone into an account: a deleted account loses them all.
SIGN_IN_METHODS = (TotpCredential, RecoveryCode, EmailCode, ExternalIdentity, Passkey)
