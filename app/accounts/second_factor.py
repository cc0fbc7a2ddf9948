"""The admin second factor: TOTP authenticator apps (pyotp) and one-time recovery codes.

A code is accepted for the current 30-second step or its neighbours (clock drift), and
never twice: the credential remembers the last step it accepted. Recovery codes are
random (80 bits), stored as SHA-256 hashes, and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, select

from app.backoffice.audit import record_admin_action
from app.core.db import is_postgres, transaction
from app.core.errors import AuthenticationFailed, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.sign_in import RecoveryCode, TotpCredential
from app.models.users import User

ISSUER = "FitKart"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
_STEP_SECONDS = 30
WRONG_CODE = "That code is not right. Type the 6 digits your authenticator app shows now."


@dataclass(frozen=True)
class Verified:
    method: str  # "totp" or "recovery"
    recovery_codes_left: int


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def is_enrolled(user_id: int) -> bool:
    found = db.session.execute(
        select(TotpCredential.id).where(TotpCredential.user_id == user_id)
    ).first()
    return found is not None


def _digits(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second step (now, or one either side) whose code this is."""
    code = _digits(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // _STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * _STEP_SECONDS), code):
            return step
    return None


def _hash_recovery(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _replace_recovery_codes(user_id: int) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=_hash_recovery(c)) for c in codes)
    return codes


def confirm_enrolment(user: User, secret: str, code: str, *, now: float | None = None) -> list[str]:
    """Save the authenticator once it has produced a right code; returns the recovery codes
    (shown once). Replaces any earlier authenticator and its recovery codes."""
    moment = time.time() if now is None else now
    step = _matching_step(secret, code, moment)
    if step is None:
        raise ValidationFailed(
            "That code does not match the QR code. Scan it again and type the 6 digits "
            "the app shows now.",
            details=[{"field": "code"}],
        )
    with transaction():
        db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
        db.session.add(
            TotpCredential(
                user_id=user.id, secret=secret, last_used_step=step, confirmed_at=utcnow()
            )
        )
        codes = _replace_recovery_codes(user.id)
        record_admin_action(user.id, "second_factor.enrolled", "user", user.id)
    return codes


def enrol_without_check(user: User, secret: str) -> None:
    """Development seed and test fixtures: an authenticator with a known secret."""
    with transaction():
        db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
        db.session.add(TotpCredential(user_id=user.id, secret=secret, confirmed_at=utcnow()))


def _locked_credential(user_id: int) -> TotpCredential | None:
    query = select(TotpCredential).where(TotpCredential.user_id == user_id)
    if is_postgres():
        query = query.with_for_update()  # two requests with one code: only one wins
    return db.session.execute(query).scalar_one_or_none()


def verify(user: User, code: str, *, now: float | None = None) -> Verified:
    """A code from the authenticator, or an unused recovery code; anything else raises."""
    moment = time.time() if now is None else now
    with transaction():
        credential = _locked_credential(user.id)
        if credential is None:
            raise AuthenticationFailed("Set up an authenticator app first.")
        step = _matching_step(credential.secret, code, moment)
        if step is not None:
            if credential.last_used_step is not None and step <= credential.last_used_step:
                raise AuthenticationFailed(
                    "That code was already used. Wait for the next one your app shows."
                )
            credential.last_used_step = step
            return Verified("totp", _recovery_codes_left(user.id))
        recovery = db.session.execute(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_recovery(code),
                RecoveryCode.used_at.is_(None),
            )
        ).scalar_one_or_none()
        if recovery is None:
            raise AuthenticationFailed(WRONG_CODE)
        recovery.used_at = utcnow()
        db.session.flush()
        record_admin_action(user.id, "second_factor.recovery_code_used", "user", user.id)
        return Verified("recovery", _recovery_codes_left(user.id))


def _recovery_codes_left(user_id: int) -> int:
    rows = db.session.execute(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return len(rows)


def code_for_development(user: User, *, now: float | None = None) -> str:
    """The code an authenticator app would show now (the `flask users totp-code` command)."""
    credential = db.session.execute(
        select(TotpCredential).where(TotpCredential.user_id == user.id)
    ).scalar_one_or_none()
    if credential is None:
        raise ValidationFailed(f"{user.email} has no authenticator set up.")
    moment = time.time() if now is None else now
    return pyotp.TOTP(credential.secret).at(moment)
