"""Typed domain errors. Each blueprint maps them to a flash + 4xx page or the JSON error shape."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The one JSON error shape (SPEC §6): {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details or []}}


class DomainError(Exception):
    """Base of every rule a request can break. `status` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        """This refusal in the JSON error shape."""
        return error_body(self.code, self.message, self.details)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class AccountDisabled(Forbidden):
    code = "account_disabled"


class EmailNotVerified(Forbidden):
    """Checkout waits until the member has confirmed the e-mail address."""

    code = "email_not_verified"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InsufficientCoins(Conflict):
    code = "insufficient_coins"

    def __init__(self, *, needed: int, available: int) -> None:
        super().__init__(
            f"Not enough coins: this needs {needed} and {available} are available.",
            details=[{"needed": needed, "available": available}],
        )
        self.needed = needed
        self.available = available


class InsufficientFrozenCoins(Conflict):
    code = "insufficient_frozen_coins"

    def __init__(self, *, needed: int, frozen: int) -> None:
        super().__init__(
            f"Not enough frozen coins: this needs {needed} and {frozen} are frozen.",
            details=[{"needed": needed, "frozen": frozen}],
        )


class OutOfStock(Conflict):
    code = "out_of_stock"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


class AuthenticationFailed(DomainError):
    status = 401
    code = "unauthorized"
