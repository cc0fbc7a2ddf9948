""" "Continue with Google / Apple" in the browser: OpenID Connect authorization code with
PKCE, state and nonce, run by Authlib's Flask client. A known provider account signs in; a
new one becomes a member; a signed-in member links it (settings lists and unlinks them).

Apple answers with a cross-site POST (`response_mode=form_post`, needed for the name and
e-mail scopes), and a `SameSite=Lax` session cookie does not come with a cross-site POST.
So the POST only turns the answer into a 303 to the same callback as a GET, a top-level
navigation that the session cookie does come with. The state, nonce and PKCE verifier stay
in the session, and the GET checks them exactly as for Google."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts import provider_sign_in
from app.core.errors import DomainError
from app.core.links import external_url
from app.extensions import csrf
from app.web.auth import LoginForm, _signed_in, bp

_OAUTH_KEY = "fitkart_oauth"
_LOCK = threading.Lock()
_INTENT = "provider_intent"
# Apple posts the member's name only on the very first sign-in; it rides to the GET here.
_APPLE_NAME_COOKIE = "fitkart_apple_name"
_APPLE_NAME_SALT = "fitkart.apple-name"
HANDOVER_SECONDS = 600
APPLE_AUDIENCE = "https://appleid.apple.com"


@dataclass(frozen=True)
class WebClient:
    client_id: str  # the setting names, read from the app's config
    settings: tuple[str, ...]  # all must be set for the button to show
    discovery: str
    scope: str
    form_post: bool = False  # Apple: the answer is a POST, the secret a signed JWT


WEB_CLIENTS = {
    "google": WebClient(
        "GOOGLE_WEB_CLIENT_ID",
        ("GOOGLE_WEB_CLIENT_ID", "GOOGLE_WEB_CLIENT_SECRET"),
        "GOOGLE_DISCOVERY_URL",
        "openid email profile",
    ),
    "apple": WebClient(
        "APPLE_WEB_CLIENT_ID",
        ("APPLE_WEB_CLIENT_ID", "APPLE_TEAM_ID", "APPLE_WEB_KEY_ID", "APPLE_WEB_PRIVATE_KEY"),
        "APPLE_DISCOVERY_URL",
        "openid email name",
        form_post=True,
    ),
}


def web_providers() -> list[str]:
    """Providers whose web client is configured: only their buttons are shown."""
    config = current_app.config
    return [
        name
        for name, spec in WEB_CLIENTS.items()
        if all(config.get(setting) for setting in spec.settings)
    ]


def apple_client_secret(now: float | None = None) -> str:
    """Apple's client secret is a JWT the site signs with its own key (ES256); each token
    request gets a fresh one valid for five minutes."""
    config = current_app.config
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": config["APPLE_TEAM_ID"],
        "iat": issued,
        "exp": issued + 300,
        "aud": APPLE_AUDIENCE,
        "sub": config["APPLE_WEB_CLIENT_ID"],
    }
    return jwt.encode(
        claims,
        config["APPLE_WEB_PRIVATE_KEY"],
        algorithm="ES256",
        headers={"kid": config["APPLE_WEB_KEY_ID"]},
    )


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
                spec = WEB_CLIENTS[provider]
                client_kwargs = {"scope": spec.scope, "code_challenge_method": "S256"}
                if spec.form_post:
                    client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
                oauth.register(
                    provider,
                    client_id=app.config[spec.client_id],
                    client_secret=None if spec.form_post else app.config[spec.settings[1]],
                    server_metadata_url=app.config[spec.discovery],
                    client_kwargs=client_kwargs,
                    authorize_params={"response_mode": "form_post"} if spec.form_post else None,
                )
            app.extensions[_OAUTH_KEY] = oauth
    return oauth.create_client(name)


def _handover() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_APPLE_NAME_SALT)


def _apple_full_name() -> str | None:
    """The name Apple posted on a first sign-in ({"name": {"firstName", "lastName"}})."""
    raw = request.cookies.get(_APPLE_NAME_COOKIE)
    if not raw:
        return None
    path = request.path

    @after_this_request
    def forget_the_name(response: Response) -> Response:
        response.delete_cookie(_APPLE_NAME_COOKIE, path=path)
        return response

    try:
        posted = json.loads(_handover().loads(raw, max_age=HANDOVER_SECONDS))
    except (BadSignature, ValueError):
        return None
    name = posted.get("name") if isinstance(posted, dict) else None
    if not isinstance(name, dict):
        return None
    parts = [name.get("firstName"), name.get("lastName")]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())[:120] or None


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


@bp.post("/login/<provider>/callback")
@csrf.exempt  # a cross-site POST by design; the GET it becomes checks `state`
def provider_form_post(provider: str) -> ResponseReturnValue:
    """Apple's form_post answer, turned into a same-site GET of the callback."""
    if provider not in web_providers() or not WEB_CLIENTS[provider].form_post:
        abort(404)
    fields: dict[str, Any] = {
        key: request.form[key][:2000]
        for key in ("code", "state", "error")
        if isinstance(request.form.get(key), str)
    }
    callback = url_for("auth.provider_callback", provider=provider, **fields)
    response = redirect(callback, code=303)
    posted_user = request.form.get("user")
    if posted_user:
        response.set_cookie(
            _APPLE_NAME_COOKIE,
            _handover().dumps(posted_user[:2000]),
            max_age=HANDOVER_SECONDS,
            path=url_for("auth.provider_callback", provider=provider),
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.get("/login/<provider>/callback")
def provider_callback(provider: str) -> ResponseReturnValue:
    client = _client(provider)
    label = provider_sign_in.PROVIDERS[provider].label
    linking = session.pop(_INTENT, "sign_in") == "link" and current_user.is_authenticated
    full_name = _apple_full_name() if WEB_CLIENTS[provider].form_post else None
    if WEB_CLIENTS[provider].form_post:
        client.client_secret = apple_client_secret()
    try:
        token = client.authorize_access_token()  # checks state, PKCE, the ID token, nonce
        userinfo = token.get("userinfo") or {}
        claims = provider_sign_in.claims_from_verified(provider, dict(userinfo))
        if linking:
            provider_sign_in.link_with_claims(current_user, claims)
            flash(f"{label} is linked: you can sign in with it from now on.", "success")
            return redirect(url_for("web.settings") + "#sign-in-methods")
        result = provider_sign_in.sign_in_with_claims(claims, full_name=full_name)
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
