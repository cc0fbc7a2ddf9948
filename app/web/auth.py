"""Accounts in the browser: register, sign in and out, password reset and change."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.accounts import account_notices, accounts, email_codes, email_verification, password_reset
from app.accounts.login_limits import (
    account_email_code_limit,
    account_login_limit,
    account_reset_limit,
    is_account_limit,
)
from app.core.errors import AccountDisabled, AuthenticationFailed, Conflict, ValidationFailed
from app.extensions import limiter
from app.models.users import User
from app.web.errors import register_error_handlers
from app.web.forms import apply_errors, timezone_choices
from app.web.rendering import safe_next

bp = Blueprint("auth", __name__)
register_error_handlers(bp)

LOGIN_LIMIT = "10 per minute"
REGISTER_LIMIT = "20 per hour"
RESET_LIMIT = "5 per 15 minutes"
EMAIL_CODE_LIMIT = "10 per hour"


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in on this device for 14 days")


class EmailCodeForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class EmailCodeSignInForm(FlaskForm):
    email = HiddenField(validators=[DataRequired(), Length(max=254)])
    code = StringField(
        "Code from the e-mail",
        validators=[DataRequired("Type the 6 digits from the e-mail."), Length(max=16)],
    )
    remember = BooleanField("Keep me signed in on this device for 14 days")


class RegisterForm(FlaskForm):
    full_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=256)],
        description="At least 8 characters; not a common password, your e-mail or your name.",
    )
    timezone = SelectField("Time zone", default="UTC", validate_choice=False)
    referral_code = StringField(
        "Referral code (optional)",
        validators=[Optional(), Length(max=16)],
        description="From a friend's invite link: you both get bonus coins.",
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=256)],
        description="At least 8 characters; not a common password, your e-mail or your name.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


def _ip_key() -> str:
    return f"{request.endpoint}:{request.remote_addr}"


@bp.errorhandler(429)
def too_many_attempts(error: TooManyRequests) -> ResponseReturnValue:
    """The rate limit answers on the page itself, saying how long to wait."""
    current = limiter.current_limit
    retry = max(1, int(current.reset_at - time.time())) if current else 60
    wait = f"{retry} seconds" if retry < 120 else f"{retry // 60} minutes"
    if current is not None and is_account_limit(current.key):
        if request.endpoint == "auth.forgot_password":
            message = f"Too many reset e-mails were asked for this address. Wait {wait}."
        elif request.endpoint == "auth.email_code":
            message = f"Too many codes were asked for this address. Wait {wait}."
        else:
            message = (
                f"Too many attempts to sign in to this account. Wait {wait}, then try again, "
                "or reset your password."
            )
    else:
        message = f"Too many attempts from your network. Wait {wait}, then try again."
    if request.endpoint == "auth.resend_verification":
        flash(f"Confirmation links were sent several times already. Wait {wait}.", "error")
        response = redirect(url_for("web.settings") + "#profile")
        response.headers["Retry-After"] = str(retry)
        return response
    if request.endpoint == "auth.second_factor_verify":
        message = f"Too many wrong codes. Wait {wait}, then try again."
        form, template = second_factor_views.CodeForm(), "auth/second_factor_verify.html"
    elif request.endpoint == "auth.email_code":
        form, template = EmailCodeForm(), "auth/email_code.html"
    elif request.endpoint == "auth.email_code_sign_in":
        form, template = EmailCodeSignInForm(), "auth/email_code_sent.html"
    elif request.endpoint == "auth.register":
        form = RegisterForm()
        form.timezone.choices = timezone_choices()
        template = "auth/register.html"
    elif request.endpoint == "auth.forgot_password":
        form, template = ForgotPasswordForm(), "auth/forgot_password.html"
    else:
        form, template = LoginForm(), "auth/login.html"
    response = current_app.make_response(
        (render_template(template, form=form, form_error=message, email=_typed_email(form)), 429)
    )
    response.headers["Retry-After"] = str(retry)
    return response


def _typed_email(form: FlaskForm) -> str | None:
    field = getattr(form, "email", None)
    return field.data if field is not None else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, key_func=_ip_key, methods=["POST"])
@account_login_limit
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    form_error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except (AuthenticationFailed, AccountDisabled) as exc:
            form_error = exc.message
        else:
            return _signed_in(user, remember=bool(form.remember.data))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form, form_error=form_error), status


def _signed_in(user: User, *, remember: bool) -> WerkzeugResponse:
    """Start the session, then go on; an admin proves the second factor before anything."""
    second_factor_views.forget_verification()
    login_user(user, remember=remember)
    if user.is_admin:
        return redirect(
            url_for(
                "auth.second_factor_verify",
                next=safe_next(request.args.get("next"), "admin.overview"),
            )
        )
    return redirect(safe_next(request.args.get("next")))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(EMAIL_CODE_LIMIT, key_func=_ip_key, methods=["POST"])
@account_email_code_limit
def email_code() -> ResponseReturnValue:
    """Ask for a sign-in code by e-mail: the same answer whether or not the address exists."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = EmailCodeForm()
    if form.validate_on_submit():
        email_codes.request_code(form.email.data or "")
        entry = EmailCodeSignInForm(formdata=None, email=form.email.data)
        return render_template(
            "auth/email_code_sent.html", form=entry, form_error=None, email=form.email.data
        )
    status = 200 if request.method == "GET" else 422
    return render_template("auth/email_code.html", form=form, form_error=None), status


@bp.post("/login/code/verify")
@limiter.limit(LOGIN_LIMIT, key_func=_ip_key)
@account_login_limit
def email_code_sign_in() -> ResponseReturnValue:
    form = EmailCodeSignInForm()
    form_error = None
    if form.validate_on_submit():
        try:
            user = email_codes.sign_in_with_code(form.email.data or "", form.code.data or "")
        except (AuthenticationFailed, AccountDisabled) as exc:
            form_error = exc.message
        else:
            return _signed_in(user, remember=bool(form.remember.data))
    return render_template(
        "auth/email_code_sent.html", form=form, form_error=form_error, email=form.email.data
    ), 422


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    accounts.end_browser_sessions(current_user.id)
    second_factor_views.forget_verification()
    logout_user()
    flash("You are signed out. See you on your next walk!", "info")
    return redirect(url_for("web.landing"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, key_func=_ip_key, methods=["POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = RegisterForm()
    form.timezone.choices = timezone_choices()
    if request.method == "GET" and request.args.get("ref"):
        form.referral_code.data = request.args["ref"].strip().upper()[:16]
    if form.validate_on_submit():
        try:
            user = accounts.register_member(
                form.email.data or "",
                form.password.data or "",
                form.full_name.data or "",
                timezone=form.timezone.data,
                referral_code=(form.referral_code.data or "").strip().upper() or None,
                signup_ip=request.remote_addr,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict:
            account_notices.tell_owner_about_sign_up(form.email.data or "")
            form.email.errors = [
                "This e-mail cannot be used to register. If it is yours, sign in or reset "
                "your password."
            ]
        else:
            email_verification.send_verification(user.id)
            login_user(user)
            flash(
                "Welcome to FitKart! Sync your steps from the app to start earning. We sent "
                "you a link to confirm your e-mail: you need it before checking out.",
                "success",
            )
            return redirect(url_for("web.dashboard"))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/register.html", form=form), status


@bp.get("/email/verify/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    """The link in the confirmation mail: works signed in or not (another device)."""
    try:
        email_verification.verify_link(token)
    except email_verification.VerificationLinkInvalid as exc:
        page = render_template("auth/email_verified.html", confirmed=False, message=exc.message)
        return page, 400
    return render_template("auth/email_verified.html", confirmed=True, message="")


def _member_key() -> str:
    return f"verify-again:{current_user.get_id()}"


@bp.post("/settings/email/verify-again")
@login_required
@limiter.limit("3 per hour", key_func=_member_key)
def resend_verification() -> ResponseReturnValue:
    if current_user.email_verified:
        flash("Your e-mail address is already confirmed.", "info")
    else:
        email_verification.send_verification(current_user.id)
        flash(f"A new confirmation link is on its way to {current_user.email}.", "success")
    return redirect(url_for("web.settings") + "#profile")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, key_func=_ip_key, methods=["POST"])
@account_reset_limit
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data or "")
        # The same answer whether or not the address has an account.
        return render_template("auth/reset_sent.html", email=form.email.data)
    status = 200 if request.method == "GET" else 422
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        password_reset.user_for_token(token)
    except password_reset.ResetLinkInvalid as exc:
        return render_template("auth/reset_invalid.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            logout_user()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/reset_password.html", form=form, token=token), status


@bp.post("/settings/password")
@login_required
def change_password() -> ResponseReturnValue:
    """A new password signs out every other browser and revokes the phone's tokens."""
    from app.web.settings import PasswordForm, render_settings

    form = PasswordForm()
    if form.validate_on_submit():
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        try:
            accounts.change_password(
                current_user, form.current_password.data or "", form.password.data or ""
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            # The bump of session_version ended this session too: start a fresh one here.
            login_user(current_user._get_current_object(), remember=remembered in request.cookies)
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("web.settings") + "#change-password")
    return render_settings(422, password_form=form)


from app.web import second_factor as second_factor_views  # noqa: E402  (routes register on import)

from app.web import provider_sign_in as _provider_routes  # noqa: E402,F401  # isort: skip
from app.web import passkeys as _passkey_routes  # noqa: E402,F401  # isort: skip
