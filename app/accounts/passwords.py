"""Password hashing with bcrypt, and the check of new passwords (NIST SP 800-63B §5.1.1).

Passwords are NFKC-normalised before they are checked or hashed, so one password typed on
two keyboards is one password. A new password is refused when it is short, when nothing
visible is left once zero-width and other format characters are set aside, when it is the
member's e-mail or name, or when zxcvbn (which ships a list of the 30,000 most common
passwords and English words, names and keyboard patterns) finds it easy to guess. Nothing
is stripped silently: what the member typed is what gets hashed (after NFKC).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
import unicodedata

import bcrypt
from flask import current_app
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# zxcvbn scores 0-4; below 2 means fewer than about 10^6 guesses (common or a pattern).
MIN_STRENGTH_SCORE = 2
# zxcvbn refuses longer input; the first 72 characters decide whether it is guessable.
_STRENGTH_CHECK_LENGTH = 72
SITE_WORDS = ("fitkart",)
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a SHA-256 digest first lets every character count.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int | None = None) -> str:
    cost = rounds or current_app.config.get("BCRYPT_ROUNDS", 10)
    prehashed = _prehash(normalise_password(password))
    return bcrypt.hashpw(prehashed, bcrypt.gensalt(rounds=cost)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    normalised = normalise_password(password)
    # Hashes made before passwords were normalised hold the password exactly as typed.
    candidates = [normalised] if normalised == password else [normalised, password]
    try:
        return any(
            bcrypt.checkpw(_prehash(candidate), password_hash.encode("ascii"))
            for candidate in candidates
        )
    except ValueError:
        return False


def hash_cost(password_hash: str) -> int | None:
    """The bcrypt cost a stored hash was made with ("$2b$12$..." is 12)."""
    parts = password_hash.split("$")
    return int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else None


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made at another cost than BCRYPT_ROUNDS says today."""
    return hash_cost(password_hash) != current_app.config.get("BCRYPT_ROUNDS", 10)


def time_bcrypt(cost: int, tries: int = 5) -> float:
    """Milliseconds one password check takes at `cost` here: the fastest of `tries`, the
    figure least disturbed by whatever else the machine is doing."""
    hashed = bcrypt.hashpw(_prehash("measure-me"), bcrypt.gensalt(rounds=cost))
    timings = []
    for _ in range(tries):
        started = time.perf_counter()
        bcrypt.checkpw(_prehash("measure-me"), hashed)
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


# Compared against when the e-mail is unknown, so a miss costs as long as a hit.
_DUMMY_HASH: dict[int, str] = {}


def burn_password_check(password: str) -> None:
    cost = current_app.config.get("BCRYPT_ROUNDS", 10)
    if cost not in _DUMMY_HASH:
        _DUMMY_HASH[cost] = hash_password("not-a-real-password", rounds=cost)
    verify_password(password, _DUMMY_HASH[cost])


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)


def _folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _context_words(email: str, full_name: str) -> list[str]:
    local = email.partition("@")[0]
    return [w for w in (email, local, full_name, *full_name.split(), *SITE_WORDS) if w]


def password_problem(password: str, *, email: str = "", full_name: str = "") -> str | None:
    """A sentence saying what is wrong with a new password, or None."""
    text = normalise_password(password)
    visible = _visible(text)
    if not visible.strip():
        return "Password cannot be only spaces or invisible characters."
    if len(visible) < MIN_PASSWORD_LENGTH:
        return (
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters "
            "(invisible characters do not count)."
        )
    if len(text) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters."
    folded = _folded(text)
    if folded in {_folded(w) for w in (email, email.partition("@")[0], full_name) if w}:
        return "Password cannot be your e-mail address or your name."
    verdict = zxcvbn(text[:_STRENGTH_CHECK_LENGTH], user_inputs=_context_words(email, full_name))
    if verdict["score"] >= MIN_STRENGTH_SCORE:
        return None
    if any(match.get("dictionary_name") == "passwords" for match in verdict["sequence"]):
        return "This password is on a list of common passwords. Choose a less common one."
    if any(match.get("dictionary_name") == "user_inputs" for match in verdict["sequence"]):
        return "Password is too close to your e-mail address or name. Choose another."
    hint = verdict["feedback"].get("warning") or "It follows a pattern that is easy to guess."
    return f"This password is too easy to guess: {hint} Add a few more words."
