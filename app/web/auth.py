"""Login and logout for the browser (registration and password reset come with the pages)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.extensions import db, limiter
from app.services import accounts
from app.services.errors import AccountDisabled, AuthenticationFailed

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in on this device")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would hand members to a phishing page."""
    if not target:
        return url_for("web.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.dashboard")
    return target


def _login_rate_key() -> str:
    return f"login:{request.remote_addr}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", key_func=_login_rate_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except (AuthenticationFailed, AccountDisabled) as exc:
            form.password.errors = [exc.message]
        else:
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("web.landing"))
