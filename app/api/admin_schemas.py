"""Request and response schemas of the admin API (/api/v1/admin). They join the same OpenAPI
document as app/api/schemas.py; kept apart so the phone contract stays readable."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from app.api.schemas import In, Out, PageQuery, TransactionOut, WalletOut
from app.models.users import STATUSES

# A Literal built from the tuple constant: pydantic reads it at run time, mypy cannot.
MemberStatus = Literal[STATUSES]  # type: ignore[valid-type]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Note = Annotated[str, Field(max_length=2000)]
# Bigger corrections than this are a mistake or a second admin's job, not a script's.
MAX_ADJUSTMENT = 1_000_000


class FromAttributes(Out):
    model_config = ConfigDict(from_attributes=True)


# --- members --------------------------------------------------------------------------


class MembersQuery(PageQuery):
    q: Annotated[str, Field(max_length=100)] | None = None


class MemberOut(FromAttributes):
    id: int
    email: str
    full_name: str
    role: str
    status: str
    status_reason: str | None
    timezone: str
    referral_code: str
    created_at: datetime
    last_login_at: datetime | None


class MembersOut(Out):
    items: list[MemberOut]
    next_cursor: str | None


class MemberOrderOut(FromAttributes):
    order_code: str
    status: str
    total_coins: int
    created_at: datetime


class MemberDetailOut(Out):
    member: MemberOut
    wallet: WalletOut
    recent_transactions: list[TransactionOut]
    flags: dict[str, int]
    recent_orders: list[MemberOrderOut]


class MemberStatusIn(In):
    status: MemberStatus
    reason: Annotated[str, Field(max_length=500)] = ""


class CoinAdjustmentIn(In):
    amount: Annotated[int, Field(ge=-MAX_ADJUSTMENT, le=MAX_ADJUSTMENT, strict=True)]
    reason: Reason


class CoinAdjustmentOut(Out):
    transaction: TransactionOut
    wallet: WalletOut


# --- fraud queue ------------------------------------------------------------------------


class CasesQuery(PageQuery):
    status: Literal["open", "pending", "appealed", "approved", "rejected", "all"] = "open"
    min_score: Annotated[int, Field(ge=0, le=100)] | None = None
    member: Annotated[str, Field(max_length=100)] | None = None


class CaseOut(Out):
    id: int
    status: str
    recorded_date: date
    anomaly_score: int
    reasons: list[dict[str, Any]]
    member_id: int
    member_name: str
    source: str
    steps: int
    distance_m: float | None
    created_at: datetime
    appeal_message: str | None
    appealed_at: datetime | None
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    review_note: str | None


class CasesOut(Out):
    items: list[CaseOut]
    next_cursor: str | None


class EvidenceDayOut(FromAttributes):
    day: date
    credited_steps: int
    coins: int
    pending: bool
    rejected: bool


class OtherSourceOut(FromAttributes):
    source: str
    steps: int
    status: str
    distance_m: float | None


class EvidenceOut(Out):
    case: CaseOut
    days: list[EvidenceDayOut]
    other_sources: list[OtherSourceOut]
    account_age_days: int
    past_flags: dict[str, int]


class ApproveIn(In):
    note: Note | None = None


class RejectIn(In):
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class DecisionOut(Out):
    id: int
    status: str
    coins_awarded: int


# --- settings ---------------------------------------------------------------------------


class SettingOut(Out):
    key: str
    value: int
    default: int
    minimum: int
    maximum: int
    description: str


class SettingsOut(Out):
    items: list[SettingOut]


class SettingsUpdateIn(In):
    # Values are checked by the settings service, which names the field that is wrong.
    values: Annotated[dict[str, Any], Field(min_length=1, max_length=50)]


class SettingChangeOut(Out):
    old: int
    new: int


class SettingsUpdateOut(SettingsOut):
    changed: dict[str, SettingChangeOut]


# --- analytics --------------------------------------------------------------------------


class AnalyticsQuery(In):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class DayPointOut(FromAttributes):
    day: date
    active_members: int
    credited_steps: int
    average_steps: int
    coins_issued: int
    coins_spent: int
    coins_frozen: int


class CoinTotalsOut(FromAttributes):
    issued: int
    spent: int
    frozen: int
    released: int
    refunded: int
    adjusted: int


class ReviewNumbersOut(FromAttributes):
    records: int
    flagged: int
    reviewed: int
    approved: int
    flag_rate: float | None
    approval_rate: float | None


class TopProductOut(FromAttributes):
    product_id: int
    title: str
    units: int
    coins: int


class FunnelOut(FromAttributes):
    registered: int
    synced: int
    redeemed: int


class AnalyticsOut(FromAttributes):
    start: date
    end: date
    days: list[DayPointOut]
    unique_active_members: int
    average_daily_active: float
    average_steps: int
    coins: CoinTotalsOut
    review: ReviewNumbersOut
    top_products: list[TopProductOut]
    funnel: FunnelOut


# --- jobs -------------------------------------------------------------------------------


class JobRunOut(FromAttributes):
    id: int
    job_name: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    rows_touched: int | None
    details: dict[str, Any] | None
    error_text: str | None


class JobOut(FromAttributes):
    name: str
    description: str
    schedule: str
    next_run_at: datetime
    running: bool
    last_run: JobRunOut | None


class JobsOut(Out):
    items: list[JobOut]


class JobRunsQuery(PageQuery):
    job: Annotated[str, Field(max_length=64)] | None = None


class JobRunsOut(Out):
    items: list[JobRunOut]
    next_cursor: str | None


class RunNowOut(Out):
    run_id: int | None
    job_name: str
    outcome: str
    rows_touched: int | None
    details: dict[str, Any]
    error_text: str | None
