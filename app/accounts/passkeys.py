"""Passkeys (WebAuthn, the `webauthn` package): register one while signed in, then sign in
with it. The server keeps each credential's public key and signature counter; the
browser ceremony (static/js/passkeys.js) signs a one-time challenge kept in the session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from flask import current_app
from sqlalchemy import select
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.core.db import transaction
from app.core.errors import AccountDisabled, AuthenticationFailed, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.sign_in import Passkey
from app.models.users import User

RP_NAME = "FitKart"
MAX_PASSKEYS = 10


def _rp_id() -> str:
    return current_app.config.get("WEBAUTHN_RP_ID") or (
        urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    )


def _origin() -> str:
    if current_app.config.get("WEBAUTHN_ORIGIN"):
        return current_app.config["WEBAUTHN_ORIGIN"]
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return f"{base.scheme}://{base.netloc}"


def passkeys_of(user_id: int) -> list[Passkey]:
    return list(
        db.session.execute(
            select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)
        ).scalars()
    )


def registration_options(user: User) -> tuple[str, bytes]:
    """The options for navigator.credentials.create (JSON) and their challenge."""
    options = webauthn.generate_registration_options(
        rp_id=_rp_id(),
        rp_name=RP_NAME,
        user_id=str(user.id).encode(),
        user_name=user.email,
        user_display_name=user.full_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(p.credential_id))
            for p in passkeys_of(user.id)
        ],
    )
    return webauthn.options_to_json(options), options.challenge


def register(user: User, credential: dict, challenge: bytes, name: str) -> Passkey:
    """Keep the new passkey once its attestation checks out against our challenge."""
    label = (name or "").strip()[:80] or "Passkey"
    if len(passkeys_of(user.id)) >= MAX_PASSKEYS:
        raise ValidationFailed(f"You can keep up to {MAX_PASSKEYS} passkeys; remove one first.")
    try:
        verified = webauthn.verify_registration_response(
            credential=json.dumps(credential),
            expected_challenge=challenge,
            expected_rp_id=_rp_id(),
            expected_origin=_origin(),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"The passkey could not be registered: {exc}") from None
    with transaction():
        passkey = Passkey(
            user_id=user.id,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            name=label,
        )
        db.session.add(passkey)
    return passkey


def authentication_options() -> tuple[str, bytes]:
    """Options for navigator.credentials.get: any passkey of this site (discoverable)."""
    options = webauthn.generate_authentication_options(
        rp_id=_rp_id(), user_verification=UserVerificationRequirement.PREFERRED
    )
    return webauthn.options_to_json(options), options.challenge


@dataclass(frozen=True)
class PasskeySignIn:
    user: User
    # The authenticator checked the person (PIN, fingerprint, face), not only their
    # presence: the passkey and that check are two factors, so an admin needs no code.
    user_verified: bool


def sign_in(credential: dict, challenge: bytes) -> PasskeySignIn:
    """The member whose passkey signed our challenge, or AuthenticationFailed."""
    refused = AuthenticationFailed("That passkey is not registered here, or the sign-in expired.")
    raw_id = (
        credential.get("rawId") or credential.get("id") if isinstance(credential, dict) else None
    )
    if not isinstance(raw_id, str):
        raise refused
    with transaction():
        passkey = db.session.execute(
            select(Passkey).where(Passkey.credential_id == raw_id)
        ).scalar_one_or_none()
        if passkey is None:
            raise refused
        try:
            verified = webauthn.verify_authentication_response(
                credential=json.dumps(credential),
                expected_challenge=challenge,
                expected_rp_id=_rp_id(),
                expected_origin=_origin(),
                credential_public_key=webauthn.base64url_to_bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            raise refused from None
        user = db.session.get(User, passkey.user_id)
        if user is None or not user.is_active:
            raise AccountDisabled("This account is disabled. Contact support.")
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = user.last_login_at = utcnow()
    return PasskeySignIn(user=user, user_verified=verified.user_verified)


def remove(user: User, passkey_id: int) -> None:
    with transaction():
        passkey = db.session.get(Passkey, passkey_id)
        if passkey is None or passkey.user_id != user.id:
            raise ValidationFailed("That passkey does not exist.")
        db.session.delete(passkey)
