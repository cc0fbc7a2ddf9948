"""Password hashing with bcrypt; the cost comes from config (tests use the minimum)."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
from flask import current_app

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a SHA-256 digest first lets every character count.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int | None = None) -> str:
    cost = rounds or current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=cost)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


# Compared against when the e-mail is unknown, so a miss costs as long as a hit.
_DUMMY_HASH: dict[int, str] = {}


def burn_password_check(password: str) -> None:
    cost = current_app.config.get("BCRYPT_ROUNDS", 12)
    if cost not in _DUMMY_HASH:
        _DUMMY_HASH[cost] = hash_password("not-a-real-password", rounds=cost)
    verify_password(password, _DUMMY_HASH[cost])


def password_problem(password: str) -> str | None:
    """A sentence saying what is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters."
    if password.strip() == "":
        return "Password cannot be only spaces."
    return None
