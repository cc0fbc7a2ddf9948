"""Sign in with Google or Apple from the phone: the app sends the provider's ID token.

The token is checked here, never trusted: the signature against the provider's published
keys (JWKS, cached, fetched again for an unknown `kid` so key rotation just works), the
issuer, the audience (our configured client ids), the expiry, the nonce when the app sent
one (and never the same nonce twice), and a verified e-mail. A known provider account
signs in; a new one creates a member, unless the e-mail already has an account: that
member must sign in first and link the provider (proving the account is theirs).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.accounts import accounts
from app.core.db import transaction
from app.core.errors import (
    AccountDisabled,
    AuthenticationFailed,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from app.extensions import db
from app.models.base import utcnow
from app.models.sign_in import ExternalIdentity, UsedNonce
from app.models.users import User

APPLE_RELAY_DOMAIN = "privaterelay.appleid.com"
_CLIENTS_KEY = "fitkart_jwks_clients"
_CLIENTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuers: tuple[str, ...]
    client_ids_setting: str
    jwks_setting: str


PROVIDERS = {
    "google": Provider(
        "google",
        "Google",
        ("https://accounts.google.com", "accounts.google.com"),
        "GOOGLE_CLIENT_IDS",
        "GOOGLE_JWKS_URL",
    ),
    "apple": Provider(
        "apple", "Apple", ("https://appleid.apple.com",), "APPLE_CLIENT_IDS", "APPLE_JWKS_URL"
    ),
}


class InvalidIdToken(AuthenticationFailed):
    code = "invalid_id_token"


class ProviderNotConfigured(NotFound):
    code = "provider_not_configured"


class ProviderEmailUnverified(Forbidden):
    code = "provider_email_unverified"


class ProviderUnavailable(DomainError):
    status = 503
    code = "provider_unavailable"


class AccountExists(Conflict):
    code = "account_exists"


@dataclass(frozen=True)
class ProviderClaims:
    provider: str
    subject: str
    email: str | None
    name: str | None
    is_private_relay: bool


@dataclass(frozen=True)
class ProviderSignIn:
    user: User
    created: bool


def provider(name: str) -> Provider:
    """The provider if this server is set up for it; ProviderNotConfigured otherwise."""
    found = PROVIDERS.get(name)
    if found is None:
        raise NotFound(f"Unknown sign-in provider {name!r}.")
    if not current_app.config.get(found.client_ids_setting):
        raise ProviderNotConfigured(
            f"Sign in with {found.label} is not set up on this server "
            f"({found.client_ids_setting} is empty)."
        )
    return found


def _jwks_client(url: str) -> jwt.PyJWKClient:
    """One client per key URL and app: its cache lives across requests."""
    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _CLIENTS_LOCK:
        clients = app.extensions.setdefault(_CLIENTS_KEY, {})
        if url not in clients:
            clients[url] = jwt.PyJWKClient(
                url,
                cache_keys=True,
                lifespan=app.config["OIDC_JWKS_LIFESPAN_SECONDS"],
                cooldown_duration=app.config["OIDC_JWKS_REFRESH_COOLDOWN_SECONDS"],
                timeout=5,
            )
        return clients[url]


def _truthy(value: Any) -> bool:
    # Apple sends "true" as a string in some tokens, Google a boolean.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def verify_id_token(name: str, id_token: str, nonce: str | None) -> ProviderClaims:
    """The checked claims of a provider's ID token, or InvalidIdToken saying why."""
    chosen = provider(name)
    try:
        signing_key = _jwks_client(current_app.config[chosen.jwks_setting])
        key = signing_key.get_signing_key_from_jwt(id_token)
        claims = jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256", "ES256"],
            audience=current_app.config[chosen.client_ids_setting],
            issuer=list(chosen.issuers),
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        raise InvalidIdToken(f"The {chosen.label} token has expired: sign in again.") from None
    except jwt.InvalidAudienceError:
        raise InvalidIdToken(f"The {chosen.label} token was not issued for this app.") from None
    except jwt.InvalidIssuerError:
        raise InvalidIdToken(f"The token was not issued by {chosen.label}.") from None
    except jwt.PyJWKClientConnectionError:
        current_app.logger.exception("could not fetch the %s signing keys", chosen.label)
        raise ProviderUnavailable(
            f"{chosen.label}'s signing keys cannot be fetched right now. Try again soon."
        ) from None
    except jwt.PyJWKClientError:
        raise InvalidIdToken(f"The {chosen.label} token is signed with an unknown key.") from None
    except jwt.InvalidTokenError:
        raise InvalidIdToken(f"The {chosen.label} token is not valid.") from None
    if nonce is not None:
        sent = str(claims.get("nonce", ""))
        # Google echoes the nonce; Apple's iOS flow puts its SHA-256 in the token.
        if not (hmac.compare_digest(sent, nonce) or hmac.compare_digest(sent, _nonce_hash(nonce))):
            raise InvalidIdToken("The token's nonce does not match the one sent.")
        _claim_nonce(chosen.name, nonce, int(claims["exp"]))
    return claims_from_verified(chosen.name, claims)


def _claim_nonce(provider_name: str, nonce: str, expires: int) -> None:
    """Record the nonce; the same one a second time is a replayed token."""
    now = utcnow()
    try:
        with transaction():
            db.session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))
            db.session.add(
                UsedNonce(
                    nonce_hash=_nonce_hash(f"{provider_name}:{nonce}"),
                    expires_at=datetime.fromtimestamp(expires, UTC),
                )
            )
    except IntegrityError:
        raise InvalidIdToken("This sign-in was already used: start it again.") from None


def _identity(claims: ProviderClaims) -> ExternalIdentity | None:
    return db.session.execute(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == claims.provider,
            ExternalIdentity.subject == claims.subject,
        )
    ).scalar_one_or_none()


def sign_in(
    name: str, id_token: str, *, nonce: str | None, full_name: str | None
) -> ProviderSignIn:
    """A known provider account signs in; a new one becomes a member (created=True)."""
    return sign_in_with_claims(verify_id_token(name, id_token, nonce), full_name=full_name)


def claims_from_verified(name: str, claims: dict[str, Any]) -> ProviderClaims:
    """Claims of an ID token already verified elsewhere (the web flow: Authlib checks the
    signature, issuer, audience, expiry and nonce); the e-mail rule is applied here."""
    email = claims.get("email")
    if email is not None and not _truthy(claims.get("email_verified")):
        raise ProviderEmailUnverified(
            f"{PROVIDERS[name].label} has not verified this e-mail address. Verify it "
            "there, or register with e-mail and password."
        )
    return ProviderClaims(
        provider=name,
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) else None,
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        is_private_relay=isinstance(email, str) and email.lower().endswith(APPLE_RELAY_DOMAIN),
    )


def sign_in_with_claims(claims: ProviderClaims, *, full_name: str | None) -> ProviderSignIn:
    """A known provider account signs in; a new e-mail becomes a member; a known e-mail
    without the link is AccountExists (the member signs in first, then links)."""
    label = PROVIDERS[claims.provider].label
    with transaction():
        identity = _identity(claims)
        if identity is not None:
            user = db.session.get(User, identity.user_id)
            assert user is not None
            if not user.is_active:
                raise AccountDisabled(f"This account is {user.status}. Contact support.")
            identity.last_used_at = user.last_login_at = utcnow()
            return ProviderSignIn(user, created=False)
        if claims.email is None:
            raise ValidationFailed(
                f"{label} did not share an e-mail address: allow it, then sign in again.",
                details=[{"field": "id_token"}],
            )
        if accounts.find_by_email(claims.email) is not None:
            raise AccountExists(
                f"An account with this e-mail already exists. Sign in with it (password or "
                f"e-mail code), then link {label} in your settings."
            )
        # Apple sends the name only on the very first sign-in, in the app, not the token.
        name_given = (full_name or claims.name or "").strip() or claims.email.split("@")[0]
        user = accounts.create_user(
            claims.email,
            accounts.generate_password(),  # nobody knows it: a reset sets a real one
            name_given[:120],
            email_verified=True,
        )
        db.session.add(
            ExternalIdentity(
                user_id=user.id,
                provider=claims.provider,
                subject=claims.subject,
                email=claims.email,
                last_used_at=utcnow(),
            )
        )
        user.last_login_at = utcnow()
    return ProviderSignIn(user, created=True)


def link(user: User, name: str, id_token: str, *, nonce: str | None) -> ExternalIdentity:
    """Link a provider account to the signed-in member (who has proved the account)."""
    return link_with_claims(user, verify_id_token(name, id_token, nonce))


def link_with_claims(user: User, claims: ProviderClaims) -> ExternalIdentity:
    label = PROVIDERS[claims.provider].label
    with transaction():
        existing = _identity(claims)
        if existing is not None:
            if existing.user_id == user.id:
                return existing
            raise Conflict(f"This {label} account is already linked to another member.")
        identity = ExternalIdentity(
            user_id=user.id, provider=claims.provider, subject=claims.subject, email=claims.email
        )
        try:
            with db.session.begin_nested():
                db.session.add(identity)
        except IntegrityError:
            raise Conflict(f"You already linked a {label} account: unlink it first.") from None
    return identity


def linked_providers(user_id: int) -> list[ExternalIdentity]:
    return list(
        db.session.execute(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user_id)
            .order_by(ExternalIdentity.provider)
        ).scalars()
    )


def unlink(user: User, name: str) -> None:
    """Remove a linked provider, unless it is the member's only way to sign in left."""
    with transaction():
        identity = db.session.execute(
            select(ExternalIdentity).where(
                ExternalIdentity.user_id == user.id, ExternalIdentity.provider == name
            )
        ).scalar_one_or_none()
        if identity is None:
            raise NotFound("That sign-in method is not linked.")
        others = len(linked_providers(user.id)) - 1
        # Every other account can still sign in by e-mailed code (and reset its password);
        # an Apple relay address may not receive our mail, so its last provider stays.
        if others == 0 and user.email.lower().endswith(APPLE_RELAY_DOMAIN):
            raise Conflict(
                f"{PROVIDERS[name].label} is your only sure way to sign in: your address is "
                "an Apple relay address. Link another provider first."
            )
        db.session.delete(identity)
