"""The nightly jobs (SPEC §8): each a thin function over services, and the schedule (UTC)."""

from __future__ import annotations

import logging

from app.backoffice import events, housekeeping
from app.backoffice.settings import get_settings
from app.catalog import shopify
from app.coins import reconciliation
from app.core import outbox
from app.core.db import transaction
from app.fraud import rescoring
from app.gamification import achievement_repair, challenges, leaderboards
from app.jobs.runner import JobContext, JobOutcome, JobSpec

logger = logging.getLogger("app.jobs")


def rebuild_leaderboards(ctx: JobContext) -> JobOutcome:
    plan = leaderboards.plan_boards(now=ctx.now)
    ctx.progress.total(len(plan))
    built = leaderboards.rebuild_leaderboards(now=ctx.now, plan=plan, progress=ctx.progress.advance)
    return JobOutcome(
        rows_touched=sum(board.members_ranked for board in built),
        details={
            "boards": [
                {
                    "period": board.period,
                    "period_start": board.period_start.isoformat(),
                    "members_ranked": board.members_ranked,
                    "final": board.final,
                }
                for board in built
            ]
        },
    )


def settle_challenges(ctx: JobContext) -> JobOutcome:
    ids = challenges.due_challenge_ids(now=ctx.now)
    ctx.progress.total(len(ids))
    result = challenges.settle_due_challenges(now=ctx.now, progress=ctx.progress.advance)
    return JobOutcome(
        rows_touched=len(result.settled) + len(result.voided), details=result.as_details()
    )


def evaluate_achievements(ctx: JobContext) -> JobOutcome:
    ids = achievement_repair.active_member_ids()
    ctx.progress.total(len(ids))
    result = achievement_repair.repair_missed_achievements(
        now=ctx.now, user_ids=ids, progress=ctx.progress.advance
    )
    return JobOutcome(rows_touched=len(result.unlocked), details=result.as_details())


def rescore_anomalies(ctx: JobContext) -> JobOutcome:
    since = rescoring.first_rescored_day(ctx.now, get_settings())
    ids = rescoring.members_to_rescore(since)
    ctx.progress.total(len(ids))
    result = rescoring.rescore_recent_days(now=ctx.now, user_ids=ids, progress=ctx.progress.advance)
    return JobOutcome(
        rows_touched=result.scores_changed + len(result.flagged) + result.cases_updated,
        details={"since": since.isoformat(), **result.as_details()},
    )


def sync_shopify_catalogue(ctx: JobContext) -> JobOutcome:
    client = shopify.client_from_config(ctx.config, sleep=ctx.sleep)
    if client is None:
        return JobOutcome.skipped(
            "SHOPIFY_STORE_URL and SHOPIFY_ACCESS_TOKEN are not set: no store to sync from."
        )
    ctx.progress.total(1)
    result = shopify.sync_catalogue(
        client,
        coins_per_unit=int(
            ctx.config.get("SHOPIFY_COINS_PER_CURRENCY_UNIT") or shopify.COINS_PER_CURRENCY_UNIT
        ),
    )
    ctx.progress.advance()
    return JobOutcome(
        rows_touched=result.rows_touched,
        details={
            **result.as_details(),
            "requests": client.requests_made,
            "throttled_seconds": round(client.throttled_seconds, 3),
        },
    )


def reconcile_wallets(ctx: JobContext) -> JobOutcome:
    ctx.progress.total(2)
    with transaction():
        result = reconciliation.find_wallet_drift()
    ctx.progress.advance()
    with transaction():
        chains = reconciliation.verify_ledger_chains(now=ctx.now)
        reconciliation.publish_chain_heads(chains)
    ctx.progress.advance()
    if result.drift:
        logger.warning(
            "%d of %d wallets disagree with the ledger (user ids %s)",
            len(result.drift),
            result.wallets_checked,
            [item.user_id for item in result.drift[:20]],
        )
    if chains.breaks or chains.previous_matches is False:
        logger.warning(
            "ledger hash chains broken for %d members (first rows %s); published history %s",
            len(chains.breaks),
            [(item.user_id, item.row_id) for item in chains.breaks[:20]],
            "changed" if chains.previous_matches is False else "intact",
        )
    return JobOutcome(
        rows_touched=result.wallets_checked,
        details={**result.as_details(), "chains": chains.as_details()},
    )


def clean_up_tokens(ctx: JobContext) -> JobOutcome:
    ctx.progress.total(3)
    with transaction():
        tokens = housekeeping.delete_expired_refresh_tokens(ctx.now)
    ctx.progress.advance()
    with transaction():
        keys = housekeeping.delete_expired_idempotency_keys(ctx.now)
    ctx.progress.advance()
    with transaction():
        partitions = events.ensure_partitions(ctx.now)
    ctx.progress.advance()
    return JobOutcome(
        rows_touched=tokens + keys,
        details={
            "refresh_tokens_deleted": tokens,
            "idempotency_keys_deleted": keys,
            "event_partitions_created": partitions,
        },
    )


def retry_outbox_mail(ctx: JobContext) -> JobOutcome:
    report = outbox.retry_waiting(now=ctx.now)
    return JobOutcome(rows_touched=report.attempted, details=report.as_details())


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "challenges",
            "Settle finished challenges (stakes to the winners) and void those too few joined.",
            1,
            30,
            settle_challenges,
        ),
        JobSpec(
            "leaderboards",
            "Weekly, monthly and all-time leaderboards from credited steps.",
            2,
            0,
            rebuild_leaderboards,
        ),
        JobSpec(
            "achievements",
            "Evaluate every active member's achievements; repairs missed awards.",
            2,
            30,
            evaluate_achievements,
        ),
        JobSpec(
            "anomaly_rescore",
            "Re-score the recent days now that more history has arrived.",
            3,
            0,
            rescore_anomalies,
        ),
        JobSpec(
            "shopify_sync",
            "Sync reward products and stock from the Shopify store.",
            4,
            0,
            sync_shopify_catalogue,
        ),
        JobSpec(
            "reconcile_wallets",
            "Check every wallet against the ledger and report any drift.",
            5,
            0,
            reconcile_wallets,
        ),
        JobSpec(
            "cleanup_tokens",
            "Delete expired refresh tokens and idempotency keys; keep event partitions ahead.",
            5,
            30,
            clean_up_tokens,
        ),
        JobSpec(
            "mail_outbox",
            "Send again the e-mails (order updates) that could not be sent at the time.",
            6,
            0,
            retry_outbox_mail,
        ),
    )
}
