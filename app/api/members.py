"""The signed-in member: profile, step sync and history, wallet, leaderboard, achievements."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_member
from app.api.operations import ApiError, operation, reply
from app.api.pagination import keyset_page
from app.api.schemas import (
    MAX_SYNC_RECORDS,
    AchievementOut,
    AchievementsOut,
    AppealIn,
    AppealOut,
    DayOut,
    LeaderboardEntryOut,
    LeaderboardOut,
    LeaderboardQuery,
    MeOut,
    MyRankOut,
    PageQuery,
    ReasonOut,
    StepRecordOut,
    StepsOut,
    StepsQuery,
    SyncIn,
    SyncOut,
    SyncResultOut,
    TransactionOut,
    TransactionsOut,
    WalletOut,
)
from app.coins import queries as coin_queries
from app.core import bounded_json, idempotency
from app.core.errors import DomainError
from app.fraud import appeals
from app.fraud.scoring import Interval
from app.gamification import achievements, leaderboards
from app.models.wallet import CoinTransaction
from app.steps import sync as steps

MAX_HISTORY_DAYS = 366


def _wallet_out(user_id: int) -> WalletOut:
    return WalletOut(**coin_queries.fresh_wallet(user_id).as_dict())


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= idempotency.MAX_KEY_LENGTH:
        raise ApiError(
            422,
            "validation_error",
            f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} characters.",
            [{"field": "Idempotency-Key"}],
        )
    return key


def run_idempotent(work: Callable[[], idempotency.Answer]) -> tuple[Response | str, int]:
    """Run `work` (returning an Answer) under the request's Idempotency-Key, if any."""
    user = current_member()
    answer = idempotency.run_once(
        user.id,
        _idempotency_key(),
        method=request.method,
        path=request.path,
        raw_body=request.get_data(cache=True),
        work=work,
        error_body=DomainError.body,
    )
    if answer.body is None:
        return "", answer.status
    return jsonify(answer.body), answer.status


@operation(
    bp,
    "GET",
    "/me",
    summary="The signed-in member and their wallet",
    responses={200: MeOut},
    tags=["member"],
)
def me() -> ResponseReturnValue:
    user = current_member()
    return reply(
        MeOut(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            timezone=user.timezone,
            referral_code=user.referral_code,
            email_verified=user.email_verified,
            wallet=_wallet_out(user.id),
        )
    )


def _check_sync_size() -> None:
    """More than 100 records is 413 (SPEC §6), decided before full validation."""
    try:
        payload = bounded_json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return  # the body parser reports malformed JSON as 400
    records = payload.get("records") if isinstance(payload, dict) else None
    if isinstance(records, list) and len(records) > MAX_SYNC_RECORDS:
        raise ApiError(
            413,
            "payload_too_large",
            f"At most {MAX_SYNC_RECORDS} records per sync; send the rest in another.",
            [{"field": "records", "max": MAX_SYNC_RECORDS}],
        )


@operation(
    bp,
    "POST",
    "/steps/sync",
    summary="Upload daily step records; scores them and awards coins",
    body=SyncIn,
    responses={200: SyncOut},
    errors=(409, 429),
    idempotent=True,
    tags=["steps"],
    before_body=_check_sync_size,
)
def sync_steps(body: SyncIn) -> ResponseReturnValue:
    user = current_member()
    incoming = [
        steps.IncomingRecord(
            day=r.date,
            steps=r.steps,
            source=r.source,
            distance_m=r.distance_m,
            active_minutes=r.active_minutes,
            recording_method=r.recording_method,
            client_record_id=r.client_record_id,
            intervals=tuple(
                Interval(i.start, i.end, i.steps, i.distance_m) for i in (r.intervals or [])
            ),
        )
        for r in body.records
    ]

    def work() -> idempotency.Answer:
        outcome = steps.sync_batch(user, incoming, device_id=body.device_id)
        out = SyncOut(
            results=[SyncResultOut.model_validate(r.as_dict()) for r in outcome.results],
            wallet=WalletOut(**outcome.wallet),
        )
        return idempotency.Answer(200, out.model_dump(mode="json"))

    return run_idempotent(work)


@operation(
    bp,
    "GET",
    "/steps",
    summary="Step records and per-day credited totals and coins (default: last 30 days)",
    query=StepsQuery,
    responses={200: StepsOut},
    tags=["steps"],
)
def list_steps(query: StepsQuery) -> ResponseReturnValue:
    user = current_member()
    end = query.to or steps.member_today(user)
    start = query.from_ or end - datetime.timedelta(days=29)
    if start > end:
        raise ApiError(
            422, "validation_error", "'from' must not be after 'to'.", [{"field": "from"}]
        )
    if (end - start).days >= MAX_HISTORY_DAYS:
        raise ApiError(
            422,
            "validation_error",
            f"Ask for at most {MAX_HISTORY_DAYS} days at once.",
            [{"field": "from"}],
        )
    records = steps.records_between(user.id, start, end)
    appealable = {
        day
        for day in {r.recorded_date for r in records}
        if appeals.can_appeal(
            [r.validation for r in records if r.recorded_date == day and r.validation]
        )
    }
    return reply(
        StepsOut(
            records=[
                StepRecordOut(
                    date=r.recorded_date,
                    source=r.source,
                    steps=r.steps,
                    distance_m=r.distance_m,
                    active_minutes=r.active_minutes,
                    recording_method=r.recording_method,
                    status=r.status,
                    anomaly_score=r.anomaly_score,
                    reasons=[
                        ReasonOut.model_validate(reason)
                        for reason in (r.validation.reasons if r.validation else [])
                        if isinstance(reason, dict)
                    ],
                    review_status=r.validation.status if r.validation else None,
                    can_appeal=r.recorded_date in appealable,
                )
                for r in records
            ],
            days=[
                DayOut(date=d.day, credited_steps=d.credited_steps, coins=d.coins)
                for d in steps.daily_totals(user.id, start, end)
            ],
        )
    )


@operation(
    bp,
    "POST",
    "/steps/<date>/appeal",
    summary="Appeal a rejected day, once, with a message; the day returns to the review queue",
    body=AppealIn,
    responses={200: AppealOut},
    errors=(404, 409),
    tags=["steps"],
)
def appeal_day(body: AppealIn, date: str) -> ResponseReturnValue:
    user = current_member()
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise ApiError(
            422, "validation_error", "The date must be YYYY-MM-DD.", [{"field": "date"}]
        ) from None
    cases = appeals.appeal_day(user.id, day, body.message)
    return reply(
        AppealOut(
            date=day,
            status="appealed",
            message=cases[0].appeal_message or "",
            appealed_at=cases[0].appealed_at,
            records=len(cases),
        )
    )


@operation(
    bp, "GET", "/wallet", summary="Coin balances", responses={200: WalletOut}, tags=["wallet"]
)
def wallet() -> ResponseReturnValue:
    return reply(_wallet_out(current_member().id))


@operation(
    bp,
    "GET",
    "/wallet/transactions",
    summary="The ledger, newest first, with cursor pagination",
    query=PageQuery,
    responses={200: TransactionsOut},
    tags=["wallet"],
)
def transactions(query: PageQuery) -> ResponseReturnValue:
    user = current_member()
    page, next_cursor = keyset_page(
        coin_queries.transactions_statement(user.id),
        CoinTransaction.id,
        limit=query.limit,
        cursor=query.cursor,
        newest_first=True,
    )
    return reply(
        TransactionsOut(
            items=[TransactionOut.model_validate(row, from_attributes=True) for row in page],
            next_cursor=next_cursor,
        )
    )


@operation(
    bp,
    "GET",
    "/leaderboard",
    summary="Precomputed rankings; `me` is the member's own rank when ranked",
    query=LeaderboardQuery,
    responses={200: LeaderboardOut},
    tags=["leaderboard"],
)
def leaderboard(query: LeaderboardQuery) -> ResponseReturnValue:
    user = current_member()
    mine = leaderboards.member_rank(user.id, query.period)
    return reply(
        LeaderboardOut(
            period=query.period,
            generated_at=leaderboards.generated_at(query.period),
            entries=[
                LeaderboardEntryOut(
                    rank=e.rank, display_name=e.display_name, total_steps=e.total_steps
                )
                for e in leaderboards.top_entries(query.period, query.limit)
            ],
            me=MyRankOut(rank=mine.rank, total_steps=mine.total_steps) if mine else None,
        )
    )


@operation(
    bp,
    "GET",
    "/achievements",
    summary="Every achievement with the member's progress",
    responses={200: AchievementsOut},
    tags=["achievements"],
)
def list_achievements() -> ResponseReturnValue:
    user = current_member()
    return reply(
        AchievementsOut(
            items=[
                AchievementOut(
                    code=p.achievement.code,
                    name=p.achievement.name,
                    description=p.achievement.description,
                    reward_coins=p.achievement.reward_coins,
                    unlocked_at=p.unlocked_at,
                    progress=round(p.fraction, 4),
                )
                for p in achievements.progress_for(user.id)
            ]
        )
    )
