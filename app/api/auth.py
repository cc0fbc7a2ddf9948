"""Register, log in, refresh, log out."""

from __future__ import annotations

from flask import Response, g, request
from flask.typing import ResponseReturnValue

from app.accounts import accounts, email_codes, email_verification, provider_sign_in, tokens
from app.accounts.login_limits import account_email_code_limit, account_login_limit
from app.api import bp
from app.api.operations import ApiError, operation, reply
from app.api.schemas import (
    AuthOut,
    EmailCodeIn,
    EmailCodeSentOut,
    EmailCodeVerifyIn,
    EmailVerificationIn,
    EmailVerifiedOut,
    LinkedProviderOut,
    LoginIn,
    ProviderLinkIn,
    ProviderSignInIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from app.core.errors import DomainError
from app.extensions import limiter
from app.models.users import User


def _client(device_name: str | None = None) -> tokens.ClientInfo:
    return tokens.ClientInfo(
        device_name=device_name,
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string or None,
    )


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        timezone=user.timezone,
        referral_code=user.referral_code,
        email_verified=user.email_verified,
    )


def _ip_key() -> str:
    return f"login-ip:{request.remote_addr}"


def _member_key(prefix: str) -> str:
    """Per account, however many logins it has; the limiter may ask before authentication
    runs, so the bearer token is read here (an unusable one fails authentication anyway)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    try:
        user = tokens.user_for_access_token(raw.strip()) if scheme.lower() == "bearer" else None
    except DomainError:
        user = None
    return f"{prefix}:{user.id if user else 'anonymous'}"


@operation(
    bp,
    "POST",
    "/auth/register",
    summary="Create an account (optionally with a friend's referral code)",
    body=RegisterIn,
    responses={201: AuthOut},
    errors=(409, 429),
    auth=False,
    tags=["auth"],
)
@limiter.limit("20 per hour", key_func=_ip_key)
def register(body: RegisterIn) -> ResponseReturnValue:
    user, pair = accounts.register_with_tokens(
        body.email,
        body.password,
        body.full_name,
        timezone=body.timezone or "UTC",
        referral_code=body.referral_code or None,
        signup_ip=request.remote_addr,
        client=_client(body.device_name),
    )
    email_verification.send_verification(user.id)  # the mail carries a code for the app
    return reply(AuthOut(user=_user_out(user), **pair.as_dict()), 201)


@operation(
    bp,
    "POST",
    "/auth/login",
    summary="Exchange e-mail and password for an access and a refresh token",
    body=LoginIn,
    responses={200: AuthOut},
    errors=(401, 403, 429),
    auth=False,
    tags=["auth"],
)
@limiter.limit("10 per minute", key_func=_ip_key)
@account_login_limit
def login(body: LoginIn) -> ResponseReturnValue:
    user, pair = accounts.sign_in_with_tokens(body.email, body.password, _client(body.device_name))
    return reply(AuthOut(user=_user_out(user), **pair.as_dict()))


@operation(
    bp,
    "POST",
    "/auth/email-code",
    summary="E-mail a 6-digit sign-in code (10 minutes, 5 tries); same answer for any address",
    body=EmailCodeIn,
    responses={202: EmailCodeSentOut},
    errors=(429,),
    auth=False,
    tags=["auth"],
)
@limiter.limit("10 per hour", key_func=_ip_key)
@account_email_code_limit
def email_code(body: EmailCodeIn) -> ResponseReturnValue:
    email_codes.request_code(body.email)
    message = "If an account exists for this address, a sign-in code is on its way."
    return reply(EmailCodeSentOut(message=message), 202)


@operation(
    bp,
    "POST",
    "/auth/email-code/verify",
    summary="Exchange the e-mailed code for an access and a refresh token",
    body=EmailCodeVerifyIn,
    responses={200: AuthOut},
    errors=(401, 403, 429),
    auth=False,
    tags=["auth"],
)
@limiter.limit("10 per minute", key_func=_ip_key)
@account_login_limit
def email_code_verify(body: EmailCodeVerifyIn) -> ResponseReturnValue:
    user = email_codes.sign_in_with_code(body.email, body.code)
    pair = tokens.issue_pair(user, _client(body.device_name))
    return reply(AuthOut(user=_user_out(user), **pair.as_dict()))


def _provider_sign_in(name: str, body: ProviderSignInIn) -> tuple[Response, int]:
    result = provider_sign_in.sign_in(
        name, body.id_token, nonce=body.nonce, full_name=body.full_name
    )
    pair = tokens.issue_pair(result.user, _client(body.device_name))
    status = 201 if result.created else 200
    return reply(AuthOut(user=_user_out(result.user), **pair.as_dict()), status)


_PROVIDER_ERRORS = (401, 403, 404, 409, 429, 503)


@operation(
    bp,
    "POST",
    "/auth/oauth/google",
    summary="Sign in with a Google ID token (201: a new account, 200: a known one); "
    "404 provider_not_configured without GOOGLE_CLIENT_IDS",
    body=ProviderSignInIn,
    responses={200: AuthOut, 201: AuthOut},
    errors=_PROVIDER_ERRORS,
    auth=False,
    tags=["auth"],
)
@limiter.limit("20 per minute", key_func=_ip_key)
def oauth_google(body: ProviderSignInIn) -> ResponseReturnValue:
    return _provider_sign_in("google", body)


@operation(
    bp,
    "POST",
    "/auth/oauth/apple",
    summary="Sign in with an Apple ID token (send full_name on the first sign-in: Apple "
    "gives it only then); 404 provider_not_configured without APPLE_CLIENT_IDS",
    body=ProviderSignInIn,
    responses={200: AuthOut, 201: AuthOut},
    errors=_PROVIDER_ERRORS,
    auth=False,
    tags=["auth"],
)
@limiter.limit("20 per minute", key_func=_ip_key)
def oauth_apple(body: ProviderSignInIn) -> ResponseReturnValue:
    return _provider_sign_in("apple", body)


@operation(
    bp,
    "POST",
    "/me/providers/<provider>",
    summary="Link a Google or Apple account to the signed-in member (its ID token)",
    body=ProviderLinkIn,
    responses={201: LinkedProviderOut},
    errors=(404, 409, 429, 503),
    tags=["auth"],
)
@limiter.limit("20 per hour", key_func=lambda: _member_key("link-provider"))
def link_provider(provider: str, body: ProviderLinkIn) -> ResponseReturnValue:
    identity = provider_sign_in.link(current_member(), provider, body.id_token, nonce=body.nonce)
    out = LinkedProviderOut(
        provider=identity.provider, email=identity.email, linked_at=identity.created_at
    )
    return reply(out, 201)


@operation(
    bp,
    "POST",
    "/auth/refresh",
    summary="Rotate a refresh token into a new pair (reuse revokes the family)",
    body=RefreshIn,
    responses={200: TokenOut},
    errors=(401, 403, 429),
    auth=False,
    tags=["auth"],
)
@limiter.limit("30 per minute", key_func=_ip_key)
def refresh(body: RefreshIn) -> ResponseReturnValue:
    pair = tokens.rotate(body.refresh_token, _client())
    return reply(TokenOut(**pair.as_dict()))


@operation(
    bp,
    "POST",
    "/auth/logout",
    summary="Revoke a refresh token and its family",
    body=RefreshIn,
    responses={204: None},
    auth=False,
    tags=["auth"],
)
def logout(body: RefreshIn) -> ResponseReturnValue:
    tokens.revoke(body.refresh_token)
    return "", 204


@operation(
    bp,
    "POST",
    "/me/email-verification",
    summary="E-mail the confirmation link and code again (a no-op once confirmed)",
    responses={202: EmailVerifiedOut},
    errors=(429,),
    tags=["auth"],
)
@limiter.limit("3 per hour", key_func=lambda: _member_key("verify-again"))
def email_verification_again() -> ResponseReturnValue:
    user = current_member()
    if not user.email_verified:
        email_verification.send_verification(user.id)
    return reply(EmailVerifiedOut(email_verified=user.email_verified), 202)


@operation(
    bp,
    "POST",
    "/me/email-verification/confirm",
    summary="Confirm the e-mail address with the mailed code (5 tries, 3 days)",
    body=EmailVerificationIn,
    responses={200: EmailVerifiedOut},
    errors=(429,),
    tags=["auth"],
)
@limiter.limit("10 per hour", key_func=lambda: _member_key("verify-code"))
def email_verification_confirm(body: EmailVerificationIn) -> ResponseReturnValue:
    user = current_member()
    email_verification.verify_code(user, body.code)
    return reply(EmailVerifiedOut(email_verified=True))


def current_member() -> User:
    user = getattr(g, "api_user", None)
    if user is None:
        raise ApiError(401, "unauthorized", "Sign in first.")
    return user
