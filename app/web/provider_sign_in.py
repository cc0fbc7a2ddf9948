""" "Continue with Google" in the browser: OpenID Connect authorization code with PKCE and
state, run by Authlib's Flask client. A known Google account signs in; a new one becomes a
member; a signed-in member links it (settings lists and unlinks linked providers)."""

from __future__ import annotations

import threading

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.accounts import provider_sign_in
from app.core.errors import DomainError
from app.core.links import external_url
from app.web.auth import LoginForm, _signed_in, bp

_OAUTH_KEY = "fitkart_oauth"
_LOCK = threading.Lock()
_INTENT = "provider_intent"
# name → (client id setting, client secret setting, discovery document setting)
WEB_CLIENTS = {
    "google": ("GOOGLE_WEB_CLIENT_ID", "GOOGLE_WEB_CLIENT_SECRET", "GOOGLE_DISCOVERY_URL"),
}


def web_providers() -> list[str]:
    """Providers whose web client is configured: only their buttons are shown."""
    config = current_app.config
    return [
        name
        for name, (client_id, secret, _) in WEB_CLIENTS.items()
        if config.get(client_id) and config.get(secret)
    ]


def _client(name: str) -> FlaskOAuth2App:
    if name not in web_providers():
        abort(404, description=f"Sign in with {name.title()} is not set up on this server.")
    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _LOCK:
        oauth = app.extensions.get(_OAUTH_KEY)
        if oauth is None:
            oauth = OAuth(app)
            for provider in web_providers():
                client_id, secret, discovery = WEB_CLIENTS[provider]
                oauth.register(
                    provider,
                    client_id=app.config[client_id],
                    client_secret=app.config[secret],
                    server_metadata_url=app.config[discovery],
                    client_kwargs={
                        "scope": "openid email profile",
                        "code_challenge_method": "S256",
                    },
                )
            app.extensions[_OAUTH_KEY] = oauth
    return oauth.create_client(name)


@bp.app_context_processor
def provider_buttons() -> dict:
    # Callables: only the pages that draw the buttons or the list pay for them.
    return {"web_providers": web_providers, "linked_providers": provider_sign_in.linked_providers}


@bp.get("/login/<provider>")
def provider_start(provider: str) -> ResponseReturnValue:
    """Off to the provider; `state`, the PKCE verifier and the nonce wait in the session."""
    client = _client(provider)
    session[_INTENT] = "link" if current_user.is_authenticated else "sign_in"
    return client.authorize_redirect(external_url("auth.provider_callback", provider=provider))


@bp.get("/login/<provider>/callback")
def provider_callback(provider: str) -> ResponseReturnValue:
    client = _client(provider)
    label = provider_sign_in.PROVIDERS[provider].label
    linking = session.pop(_INTENT, "sign_in") == "link" and current_user.is_authenticated
    try:
        token = client.authorize_access_token()  # checks state, PKCE, the ID token, nonce
        userinfo = token.get("userinfo") or {}
        claims = provider_sign_in.claims_from_verified(provider, dict(userinfo))
        if linking:
            provider_sign_in.link_with_claims(current_user, claims)
            flash(f"{label} is linked: you can sign in with it from now on.", "success")
            return redirect(url_for("web.settings") + "#sign-in-methods")
        result = provider_sign_in.sign_in_with_claims(claims, full_name=None)
    except OAuthError as exc:
        current_app.logger.info("%s sign-in refused: %s", provider, exc.error)
        message = f"{label} sign-in did not complete ({exc.error}). Try again."
    except (DomainError, KeyError) as exc:
        message = getattr(exc, "message", f"{label} sent an incomplete answer. Try again.")
    else:
        if result.created:
            flash("Welcome to FitKart! Sync your steps from the app to start earning.", "success")
        return _signed_in(result.user, remember=False)
    if linking:
        flash(message, "error")
        return redirect(url_for("web.settings") + "#sign-in-methods")
    return render_template("auth/login.html", form=LoginForm(), form_error=message), 400


@bp.post("/settings/providers/<provider>/unlink")
@login_required
def provider_unlink(provider: str) -> ResponseReturnValue:
    label = provider_sign_in.PROVIDERS.get(provider)
    if label is None:
        abort(404)
    try:
        provider_sign_in.unlink(current_user, provider)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{label.label} is unlinked.", "info")
    return redirect(url_for("web.settings") + "#sign-in-methods")
