"""Per-account sign-in limits, shared by the web login and the API login.

The key is the e-mail in its one normal form (`accounts.email_identity`), the same form
sign-in looks the account up by, so no spelling of an address (case, fullwidth letters,
an ideographic full stop) gets a fresh allowance. Only failed attempts count; the windows
grow (a minute, an hour, a day), so a guesser backs off further the longer they go on.
"""

from __future__ import annotations

import json

from flask import Response, request

from app.accounts.accounts import email_identity
from app.extensions import limiter

ACCOUNT_KEY_PREFIX = "login-account:"
ACCOUNT_LOGIN_LIMITS = "5 per minute; 20 per hour; 50 per day"
ACCOUNT_RESET_LIMIT = "5 per hour"
ACCOUNT_EMAIL_CODE_LIMIT = "3 per 10 minutes; 10 per day"


def _submitted_email() -> str:
    if request.form:
        return request.form.get("email", "")
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except (ValueError, RecursionError):
        return ""
    value = body.get("email", "") if isinstance(body, dict) else ""
    return value if isinstance(value, str) else ""


def account_key() -> str:
    """The submitted e-mail, normalised; unparseable bodies share one key."""
    return ACCOUNT_KEY_PREFIX + email_identity(_submitted_email())


def _failed(response: Response) -> bool:
    return response.status_code not in {200, 302}


# One counter for both doors: a guesser cannot split attempts between web and API.
account_login_limit = limiter.shared_limit(
    ACCOUNT_LOGIN_LIMITS,
    scope="login-account",
    key_func=account_key,
    methods=["POST"],
    deduct_when=_failed,
)
# Reset mails to one address, whoever asks and from wherever.
account_reset_limit = limiter.shared_limit(
    ACCOUNT_RESET_LIMIT, scope="reset-account", key_func=account_key, methods=["POST"]
)

# Sign-in codes mailed to one address, web and API together, whoever asks.
account_email_code_limit = limiter.shared_limit(
    ACCOUNT_EMAIL_CODE_LIMIT, scope="email-code-account", key_func=account_key, methods=["POST"]
)


def is_account_limit(key: str | None) -> bool:
    return bool(key) and ACCOUNT_KEY_PREFIX in str(key)
