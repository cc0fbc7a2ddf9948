"""Passkeys in the browser: JSON endpoints for the WebAuthn ceremony in
static/js/passkeys.js (CSRF token in the X-CSRFToken header, challenge in the session)."""

from __future__ import annotations

import base64

from flask import Response, current_app, flash, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.accounts import passkeys
from app.core.errors import DomainError
from app.extensions import limiter
from app.web import second_factor as second_factor_views
from app.web.auth import _ip_key, _signed_in, bp
from app.web.rendering import safe_next

_REGISTER_CHALLENGE = "passkey_register_challenge"
_SIGN_IN_CHALLENGE = "passkey_sign_in_challenge"


@bp.app_context_processor
def passkey_list() -> dict:
    return {"passkeys_of": passkeys.passkeys_of}


def _keep(key: str, challenge: bytes) -> None:
    session[key] = base64.b64encode(challenge).decode()


def _take(key: str) -> bytes:
    # One ceremony per challenge: taken out of the session whatever the outcome.
    raw = session.pop(key, None)
    return base64.b64decode(raw) if raw else b""


def _json_error(exc: DomainError) -> tuple[Response, int]:
    return jsonify(exc.body()), exc.status


@bp.post("/settings/passkeys/options")
@login_required
def passkey_register_options() -> ResponseReturnValue:
    options, challenge = passkeys.registration_options(current_user)
    _keep(_REGISTER_CHALLENGE, challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/settings/passkeys")
@login_required
@limiter.limit("20 per hour", key_func=lambda: f"passkey-register:{current_user.get_id()}")
def passkey_register() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    try:
        passkey = passkeys.register(
            current_user,
            body.get("credential") or {},
            _take(_REGISTER_CHALLENGE),
            str(body.get("name") or ""),
        )
    except DomainError as exc:
        return _json_error(exc)
    return jsonify({"id": passkey.id, "name": passkey.name}), 201


@bp.post("/settings/passkeys/<int:passkey_id>/remove")
@login_required
def passkey_remove(passkey_id: int) -> ResponseReturnValue:

    try:
        passkeys.remove(current_user, passkey_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("The passkey is removed.", "info")
    return redirect(url_for("web.settings") + "#passkeys")


@bp.post("/login/passkey/options")
def passkey_sign_in_options() -> ResponseReturnValue:
    options, challenge = passkeys.authentication_options()
    _keep(_SIGN_IN_CHALLENGE, challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/login/passkey")
@limiter.limit("10 per minute", key_func=_ip_key)
def passkey_sign_in() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    try:
        signed = passkeys.sign_in(body.get("credential") or {}, _take(_SIGN_IN_CHALLENGE))
    except DomainError as exc:
        return _json_error(exc)
    answer = _signed_in(signed.user, remember=False)
    if signed.user.is_admin and signed.user_verified:
        # A user-verified passkey is the admin's second factor: no code is asked.
        second_factor_views.mark_verified()
        answer = redirect(safe_next(request.args.get("next"), "admin.overview"))
    return jsonify({"redirect": answer.headers["Location"]})
