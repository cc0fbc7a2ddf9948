"""The admin second factor in the browser: set up an authenticator, prove it at sign-in,
and prove it again before a sensitive action when the last proof is 15 minutes old."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.accounts import passkeys, second_factor
from app.core.errors import AuthenticationFailed, ValidationFailed
from app.extensions import limiter
from app.web.auth import bp
from app.web.rendering import safe_next

RECENT_SECONDS = 15 * 60
VERIFY_LIMIT = "5 per minute; 30 per hour"
_VERIFIED_AT = "second_factor_at"
_VERIFIED_FOR = "second_factor_user"
_PENDING_SECRET = "second_factor_pending"


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired("Type the code."), Length(max=32)],
        description="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired("Type the 6 digits the app shows."), Length(max=16)],
    )


def clock() -> float:
    """Seconds since the epoch; one place to read the time, so tests can move it."""
    return time.time()


def mark_verified() -> None:
    session[_VERIFIED_AT] = clock()
    session[_VERIFIED_FOR] = current_user.get_id()


def forget_verification() -> None:
    for key in (_VERIFIED_AT, _VERIFIED_FOR, _PENDING_SECRET):
        session.pop(key, None)


def seconds_since_verified() -> float | None:
    if session.get(_VERIFIED_FOR) != current_user.get_id():
        return None
    at = session.get(_VERIFIED_AT)
    return None if at is None else clock() - float(at)


def _go(endpoint: str, next_url: str) -> Response:
    target = url_for(endpoint, next=next_url)
    if request.headers.get("HX-Request"):
        # htmx would swap the whole page into a fragment's place: send the browser there.
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def gate_admin_console() -> Response | None:
    """Called by /admin's before_request: no console without a second factor proven in this
    session (the authenticator code, or a sign-in with a user-verified passkey)."""
    next_url = request.full_path if request.method == "GET" else url_for("admin.overview")
    if seconds_since_verified() is not None:
        return None  # proven in this session: the authenticator code, or a verified passkey
    if not _has_second_factor(current_user.id):
        return _go("auth.second_factor_setup", next_url)
    return _go("auth.second_factor_verify", next_url)


def _has_second_factor(user_id: int) -> bool:
    """An authenticator app, or a passkey (proven by signing in with it, user-verified)."""
    return second_factor.is_enrolled(user_id) or bool(passkeys.passkeys_of(user_id))


def recent_second_factor(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sensitive admin actions: a proof older than 15 minutes is asked for again. The
    action is not carried out; the admin repeats it after the code."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        age = seconds_since_verified()
        changing = request.method not in ("GET", "HEAD")
        if changing and (age is None or age > RECENT_SECONDS):
            flash(
                "This action needs a fresh code from your authenticator app (the last one "
                "was more than 15 minutes ago). Type it, then repeat the action.",
                "info",
            )
            back = safe_next(request.referrer and _path_of(request.referrer), "admin.overview")
            return _go("auth.second_factor_verify", back)
        return view(*args, **kwargs)

    return checked


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _admins_only() -> None:
    if not current_user.is_admin:
        abort(403)


def _qr_svg(uri: str) -> Markup:
    # segno draws paths with SVG attributes only (no text, no style=): safe for a strict CSP.
    svg = segno.make(uri, error="m").svg_inline(dark="#111", light="#fff", omitsize=True)
    return Markup(svg)


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@login_required
def second_factor_setup() -> ResponseReturnValue:
    _admins_only()
    next_url = safe_next(request.args.get("next"), "admin.overview")
    age = seconds_since_verified()
    if second_factor.is_enrolled(current_user.id) and (age is None or age > RECENT_SECONDS):
        # Replacing an authenticator needs the current one first.
        return redirect(url_for("auth.second_factor_verify", next=request.full_path))
    secret = session.get(_PENDING_SECRET) or second_factor.new_secret()
    session[_PENDING_SECRET] = secret
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(current_user, secret, form.code.data or "")
        except ValidationFailed as exc:
            form.code.errors = [exc.message]
        else:
            session.pop(_PENDING_SECRET, None)
            mark_verified()
            return render_template("auth/second_factor_codes.html", codes=codes, next_url=next_url)
    uri = second_factor.provisioning_uri(secret, current_user.email)
    status = 200 if request.method == "GET" else 422
    return render_template(
        "auth/second_factor_setup.html",
        form=form,
        qr=_qr_svg(uri),
        secret=secret,
        next_url=next_url,
    ), status


def _verify_key() -> str:
    return f"second-factor:{current_user.get_id() if current_user.is_authenticated else ''}"


def _failed(response: Response) -> bool:
    return response.status_code not in {200, 302}


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(VERIFY_LIMIT, key_func=_verify_key, methods=["POST"], deduct_when=_failed)
def second_factor_verify() -> ResponseReturnValue:
    _admins_only()
    next_url = safe_next(request.args.get("next"), "admin.overview")
    has_totp = second_factor.is_enrolled(current_user.id)
    has_passkey = bool(passkeys.passkeys_of(current_user.id))
    if not (has_totp or has_passkey):
        return redirect(url_for("auth.second_factor_setup", next=next_url))
    form = CodeForm()
    if has_totp and form.validate_on_submit():
        try:
            verified = second_factor.verify(current_user, form.code.data or "")
        except AuthenticationFailed as exc:
            form.code.errors = [exc.message]
        else:
            mark_verified()
            if verified.method == "recovery":
                flash(
                    f"Recovery code used: {verified.recovery_codes_left} left. Set up your "
                    "authenticator again to get new ones.",
                    "info",
                )
            return redirect(next_url)
    status = 200 if request.method == "GET" else 422
    return render_template(
        "auth/second_factor_verify.html",
        form=form,
        next_url=next_url,
        form_error=None,
        has_totp=has_totp,
        has_passkey=has_passkey,
    ), status
