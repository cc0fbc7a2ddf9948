"""The admin API, /api/v1/admin: what the console does, for operators' scripts.

Authenticated by an admin's personal access token (`Authorization: Bearer fka_…`, made at
/admin/tokens); read tokens may only GET. Every action goes through the same service
function as its console page, so it is validated and audited the same way; the audit row
also names the token (app/backoffice/audit.py reads it from the request).
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from app import jobs as job_registry
from app.api import bp
from app.api.admin_schemas import (
    AnalyticsOut,
    AnalyticsQuery,
    ApproveIn,
    CaseOut,
    CasesOut,
    CasesQuery,
    CoinAdjustmentIn,
    CoinAdjustmentOut,
    DecisionOut,
    EvidenceOut,
    JobOut,
    JobRunOut,
    JobRunsOut,
    JobRunsQuery,
    JobsOut,
    MemberDetailOut,
    MemberOrderOut,
    MemberOut,
    MembersOut,
    MembersQuery,
    MemberStatusIn,
    RejectIn,
    RunNowOut,
    SettingChangeOut,
    SettingOut,
    SettingsOut,
    SettingsUpdateIn,
    SettingsUpdateOut,
)
from app.api.auth import current_member
from app.api.members import run_idempotent
from app.api.operations import operation, reply
from app.api.pagination import decode_cursor, encode_cursor, keyset_page
from app.api.schemas import TransactionOut, WalletOut
from app.backoffice import analytics, job_runs, member_admin
from app.backoffice import settings as settings_service
from app.core import idempotency
from app.fraud import review
from app.models.base import utcnow
from app.models.users import User

TAGS = ["admin"]


def _admin_id() -> int:
    return current_member().id


# --- members --------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/admin/members",
    summary="Members, newest first; `q` searches e-mail, name and referral code",
    query=MembersQuery,
    responses={200: MembersOut},
    tags=TAGS,
    admin_scope="read",
)
def admin_list_members(query: MembersQuery) -> ResponseReturnValue:
    page, next_cursor = keyset_page(
        member_admin.search_statement(query.q),
        User.id,
        limit=query.limit,
        cursor=query.cursor,
        newest_first=True,
    )
    return reply(
        MembersOut(items=[MemberOut.model_validate(u) for u in page], next_cursor=next_cursor)
    )


def _member_out_detail(user_id: int) -> MemberDetailOut:
    detail = member_admin.member_detail(user_id)
    return MemberDetailOut(
        member=MemberOut.model_validate(detail.member),
        wallet=WalletOut(**detail.wallet.as_dict()),
        recent_transactions=[
            TransactionOut.model_validate(row, from_attributes=True)
            for row in detail.recent_transactions
        ],
        flags=detail.flags,
        recent_orders=[MemberOrderOut.model_validate(o) for o in detail.recent_orders],
    )


@operation(
    bp,
    "GET",
    "/admin/members/<int:user_id>",
    summary="One member: account, wallet, latest ledger rows, flags by status, orders",
    responses={200: MemberDetailOut},
    errors=(404,),
    tags=TAGS,
    admin_scope="read",
)
def admin_get_member(user_id: int) -> ResponseReturnValue:
    return reply(_member_out_detail(user_id))


@operation(
    bp,
    "POST",
    "/admin/members/<int:user_id>/status",
    summary="Ban, deactivate or restore a member (a reason is required unless restoring)",
    body=MemberStatusIn,
    responses={200: MemberOut},
    errors=(404,),
    tags=TAGS,
    admin_scope="write",
)
def admin_set_member_status(user_id: int, body: MemberStatusIn) -> ResponseReturnValue:
    member = member_admin.set_status(user_id, body.status, admin_id=_admin_id(), reason=body.reason)
    return reply(MemberOut.model_validate(member))


@operation(
    bp,
    "POST",
    "/admin/members/<int:user_id>/coin-adjustments",
    summary="Add or take coins by hand, through the ledger, with the reason the member reads",
    body=CoinAdjustmentIn,
    responses={201: CoinAdjustmentOut},
    errors=(404, 409),
    idempotent=True,
    tags=TAGS,
    admin_scope="write",
)
def admin_adjust_coins(user_id: int, body: CoinAdjustmentIn) -> ResponseReturnValue:
    admin_id = _admin_id()

    def work() -> idempotency.Answer:
        row = member_admin.adjust_coins(user_id, body.amount, body.reason, admin_id=admin_id)
        wallet = member_admin.member_detail(user_id, recent=0).wallet
        answer = CoinAdjustmentOut(
            transaction=TransactionOut.model_validate(row, from_attributes=True),
            wallet=WalletOut(**wallet.as_dict()),
        )
        return idempotency.Answer(201, answer.model_dump(mode="json"))

    return run_idempotent(work)


# --- fraud queue ------------------------------------------------------------------------


def _case_out(case: review.Case) -> CaseOut:
    v, r, u = case.validation, case.record, case.member
    return CaseOut(
        id=v.id,
        status=v.status,
        recorded_date=v.recorded_date,
        anomaly_score=v.anomaly_score,
        reasons=list(v.reasons or []),
        member_id=u.id,
        member_name=u.full_name,
        source=r.source,
        steps=r.steps,
        distance_m=r.distance_m,
        created_at=v.created_at,
        appeal_message=v.appeal_message,
        appealed_at=v.appealed_at,
        reviewed_by_id=v.reviewed_by_id,
        reviewed_at=v.reviewed_at,
        review_note=v.review_note,
    )


@operation(
    bp,
    "GET",
    "/admin/fraud/cases",
    summary="The fraud queue (open cases by default), oldest case first",
    query=CasesQuery,
    responses={200: CasesOut},
    tags=TAGS,
    admin_scope="read",
)
def admin_list_cases(query: CasesQuery) -> ResponseReturnValue:
    filters = review.QueueFilters(
        status=query.status, min_score=query.min_score, member=query.member
    )
    cases = review.cases_after(filters, after_id=decode_cursor(query.cursor), limit=query.limit + 1)
    page = cases[: query.limit]
    next_cursor = encode_cursor(page[-1].validation.id) if len(cases) > query.limit else None
    return reply(CasesOut(items=[_case_out(c) for c in page], next_cursor=next_cursor))


@operation(
    bp,
    "GET",
    "/admin/fraud/cases/<int:case_id>",
    summary="A case's evidence: reasons, the member's 30 days, other sources, past flags",
    responses={200: EvidenceOut},
    errors=(404,),
    tags=TAGS,
    admin_scope="read",
)
def admin_get_case(case_id: int) -> ResponseReturnValue:
    ev = review.evidence(case_id)
    return reply(
        EvidenceOut(
            case=_case_out(ev.case),
            days=ev.days,
            other_sources=ev.other_sources,
            account_age_days=ev.account_age_days,
            past_flags=ev.past_flags,
        )
    )


@operation(
    bp,
    "POST",
    "/admin/fraud/cases/<int:case_id>/approve",
    summary="Approve a flagged day: its steps count and its coins are paid now",
    body=ApproveIn,
    responses={200: DecisionOut},
    errors=(404, 409),
    tags=TAGS,
    admin_scope="write",
)
def admin_approve_case(case_id: int, body: ApproveIn) -> ResponseReturnValue:
    coins = review.approve(case_id, admin_id=_admin_id(), note=body.note)
    return reply(DecisionOut(id=case_id, status="approved", coins_awarded=coins))


@operation(
    bp,
    "POST",
    "/admin/fraud/cases/<int:case_id>/reject",
    summary="Reject a flagged day; the note is what the member reads",
    body=RejectIn,
    responses={200: DecisionOut},
    errors=(404, 409),
    tags=TAGS,
    admin_scope="write",
)
def admin_reject_case(case_id: int, body: RejectIn) -> ResponseReturnValue:
    review.reject(case_id, admin_id=_admin_id(), note=body.note)
    return reply(DecisionOut(id=case_id, status="rejected", coins_awarded=0))


# --- settings ---------------------------------------------------------------------------


def _settings_items() -> list[SettingOut]:
    current = settings_service.get_settings()
    return [
        SettingOut(
            key=spec.key,
            value=getattr(current, spec.key),
            default=spec.default,
            minimum=spec.minimum,
            maximum=spec.maximum,
            description=spec.description,
        )
        for spec in settings_service.SPECS
    ]


@operation(
    bp,
    "GET",
    "/admin/settings",
    summary="Every setting with its value, default and allowed range",
    responses={200: SettingsOut},
    tags=TAGS,
    admin_scope="read",
)
def admin_get_settings() -> ResponseReturnValue:
    return reply(SettingsOut(items=_settings_items()))


@operation(
    bp,
    "PATCH",
    "/admin/settings",
    summary="Change settings: all values are validated first, nothing is saved if one fails",
    body=SettingsUpdateIn,
    responses={200: SettingsUpdateOut},
    tags=TAGS,
    admin_scope="write",
)
def admin_update_settings(body: SettingsUpdateIn) -> ResponseReturnValue:
    changed = settings_service.update_settings(body.values, admin_id=_admin_id())
    return reply(
        SettingsUpdateOut(
            items=_settings_items(),
            changed={
                key: SettingChangeOut(old=old, new=new) for key, (old, new) in changed.items()
            },
        )
    )


# --- analytics --------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/admin/analytics",
    summary="Activity, coins, review rates, top products and the funnel for a date range",
    query=AnalyticsQuery,
    responses={200: AnalyticsOut},
    tags=TAGS,
    admin_scope="read",
)
def admin_analytics(query: AnalyticsQuery) -> ResponseReturnValue:
    default_start, default_end = analytics.default_range(utcnow().date())
    report = analytics.analytics(query.from_ or default_start, query.to or default_end)
    return reply(AnalyticsOut.model_validate(report))


# --- jobs -------------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/admin/jobs",
    summary="Every nightly job with its schedule, next run and newest run",
    responses={200: JobsOut},
    tags=TAGS,
    admin_scope="read",
)
def admin_list_jobs() -> ResponseReturnValue:
    return reply(JobsOut(items=[JobOut.model_validate(j) for j in job_registry.list_jobs()]))


@operation(
    bp,
    "GET",
    "/admin/jobs/runs",
    summary="Run history, newest first (optionally of one job)",
    query=JobRunsQuery,
    responses={200: JobRunsOut},
    errors=(404,),
    tags=TAGS,
    admin_scope="read",
)
def admin_job_runs(query: JobRunsQuery) -> ResponseReturnValue:
    if query.job is not None:
        job_registry.get_job(query.job)
    runs = job_runs.recent_runs(
        query.job, limit=query.limit + 1, before_id=decode_cursor(query.cursor)
    )
    page = runs[: query.limit]
    next_cursor = encode_cursor(page[-1].id) if len(runs) > query.limit else None
    return reply(
        JobRunsOut(items=[JobRunOut.model_validate(r) for r in page], next_cursor=next_cursor)
    )


@operation(
    bp,
    "POST",
    "/admin/jobs/<name>/run",
    summary="Run a job now (recorded as a manual run; the answer waits for it to finish)",
    responses={200: RunNowOut},
    errors=(404,),
    tags=TAGS,
    admin_scope="write",
)
def admin_run_job(name: str) -> ResponseReturnValue:
    result = job_registry.run_now(name, admin_id=_admin_id())
    return reply(
        RunNowOut(
            run_id=result.run_id,
            job_name=result.job_name,
            outcome=result.outcome,
            rows_touched=result.rows_touched,
            details=result.details,
            error_text=result.error_text,
        )
    )
