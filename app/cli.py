"""Commands: flask seed …, users …, jobs / products / scheduler …, fraud …  (SPEC §8)."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.accounts import accounts
from app.core.errors import DomainError
from app.extensions import db

DEFAULT_ADMIN_EMAIL = "admin@fitkart.example"
# Development-only credentials, printed by `make run` and given in the README.
DEV_ADMIN_PASSWORD = "fitkart-admin"
SECOND_FACTOR_STEP = (
    "Next step: sign in at /login with this password. Admins need a second factor, so the "
    "first sign-in shows a QR code (once) to scan with an authenticator app, then ten "
    "one-time recovery codes to keep; /admin opens only after that."
)


def register_cli(app: Flask) -> None:
    from app.jobs.cli import jobs_group, products_group, scheduler_group

    app.cli.add_command(seed_group)
    app.cli.add_command(users_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(products_group)
    app.cli.add_command(scheduler_group)
    app.cli.add_command(bench_group)
    app.cli.add_command(fraud_group)


@click.group("seed", help="Load initial or demo data.")
def seed_group() -> None:
    pass


@seed_group.command("initial")
@click.option("--admin-email", default=DEFAULT_ADMIN_EMAIL, show_default=True)
@click.option(
    "--admin-password",
    envvar="FITKART_ADMIN_PASSWORD",
    help="Password for a new admin account (default: generated and printed; "
    f"'{DEV_ADMIN_PASSWORD}' in development).",
)
def seed_initial(admin_email: str, admin_password: str | None) -> None:
    """Admin account, 8 achievements, 8 products and the settings. Safe to re-run."""
    from seeds.initial import load_initial

    development = current_app.config.get("ENV_NAME") == "development"
    if not admin_password:
        admin_password = DEV_ADMIN_PASSWORD if development else accounts.generate_password()
    try:
        result = load_initial(admin_email, admin_password)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    if result.admin_created:
        click.echo(f"Admin account: {result.admin_email} / {result.admin_password}")
        if development:
            _enrol_development_authenticator(result.admin_email)
        else:
            click.echo(SECOND_FACTOR_STEP)
    else:
        click.echo(f"Admin account {result.admin_email} already exists; left as it is.")
    click.echo(
        f"Added {result.achievements_added} achievements, {result.products_added} products, "
        f"{result.settings_added} settings."
    )


@seed_group.command("demo")
@click.option(
    "--users", "user_count", type=click.IntRange(1, 100_000), default=200, show_default=True
)
@click.option("--days", type=click.IntRange(1, 730), default=90, show_default=True)
@click.option("--seed", "random_seed", type=int, default=42, show_default=True)
def seed_demo(user_count: int, days: int, random_seed: int) -> None:
    """Realistic demo members, steps, coins, orders and flags. Skips if already loaded."""
    from seeds.demo import DEMO_PASSWORD, demo_already_loaded, generate_demo

    if demo_already_loaded():
        click.echo("Demo data is already loaded; nothing added.")
        return
    with click.progressbar(length=user_count, label="Demo members") as bar:
        summary = generate_demo(user_count, days, seed=random_seed, progress=bar.update)
    click.echo(summary.describe())
    click.echo(f"Demo members sign in with their e-mail and the password '{DEMO_PASSWORD}'.")
    click.echo(f"For example: {summary.example_email} / {DEMO_PASSWORD}")


@click.group("users", help="Manage accounts.")
def users_group() -> None:
    pass


@users_group.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="FitKart Admin", show_default=True)
def create_admin(email: str, password: str, name: str) -> None:
    """Create an admin account (production admins come from here)."""
    try:
        user = accounts.create_user(email, password, name, role="admin", email_verified=True)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Admin {user.email} created.")
    click.echo(SECOND_FACTOR_STEP)


def _enrol_development_authenticator(email: str) -> None:
    from app.accounts import second_factor

    user = accounts.find_by_email(email)
    assert user is not None
    secret = second_factor.new_secret()
    second_factor.enrol_without_check(user, secret)
    click.echo(
        f"Its second factor (development only): add the key {secret} to an authenticator "
        f"app, or run `flask users totp-code {email}` for the current code."
    )


@users_group.command("totp-code")
@click.argument("email")
def totp_code(email: str) -> None:
    """Development only: the code an admin's authenticator app shows now."""
    from app.accounts import second_factor

    if current_app.config.get("ENV_NAME") != "development":
        raise click.ClickException("totp-code works in development only (FITKART_ENV).")
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        click.echo(second_factor.code_for_development(user))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@click.group("bench", help="Measurements that choose settings for this machine.")
def bench_group() -> None:
    pass


# OWASP's floor for bcrypt, and the time a sign-in may spend hashing (SPEC: login < 150 ms).
BCRYPT_FLOOR = 10
BCRYPT_BUDGET_MS = 100.0


@bench_group.command("bcrypt")
@click.option("--tries", type=click.IntRange(1, 50), default=5, show_default=True)
def bench_bcrypt(tries: int) -> None:
    """Time one password check at each bcrypt cost; recommend BCRYPT_ROUNDS for this machine."""
    from app.accounts.passwords import time_bcrypt

    configured = current_app.config.get("BCRYPT_ROUNDS", 12)
    recommended = BCRYPT_FLOOR
    for cost in range(BCRYPT_FLOOR, 15):
        elapsed = time_bcrypt(cost, tries)
        mark = " (configured)" if cost == configured else ""
        click.echo(f"cost {cost}: {elapsed:7.1f} ms{mark}")
        if elapsed <= BCRYPT_BUDGET_MS:
            recommended = cost
        if elapsed > 4 * BCRYPT_BUDGET_MS:
            break
    click.echo(
        f"Recommended: BCRYPT_ROUNDS={recommended} (the highest cost >= {BCRYPT_FLOOR} whose "
        f"check takes <= {BCRYPT_BUDGET_MS:.0f} ms here). Members' hashes move to it at their "
        "next sign-in."
    )


@click.group("fraud", help="Anti-cheat tools.")
def fraud_group() -> None:
    """`flask fraud …`"""


@fraud_group.command("backtest")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400))
@click.option(
    "--threshold",
    type=click.IntRange(0, 100),
    default=None,
    help="Preview another anomaly_threshold (default: the current setting).",
)
def fraud_backtest(days: int, threshold: int | None) -> None:
    """Re-score stored days with the current model; report what would change. Read-only."""
    from app.fraud.backtest import backtest

    report = backtest(days, threshold=threshold)
    for line in report.lines():
        click.echo(line)
    for user_id, day, change in report.examples:
        click.echo(f"  member {user_id} {day.isoformat()}: {change}")
