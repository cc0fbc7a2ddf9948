"""The member's day-by-day step history, flagged days and appeals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.backoffice.settings import get_settings
from app.core.errors import ValidationFailed
from app.core.request_values import is_htmx, parse_day
from app.fraud import appeals
from app.models.steps import StepRecord, StepValidation
from app.steps import sync as steps
from app.web import bp
from app.web.charts import steps_chart
from app.web.rendering import NOTIFICATIONS_CHANGED, render_page

PAGE_DAYS = 14
SOURCE_NAMES = {
    "google_fit": "Google Fit",
    "apple_health": "Apple Health",
    "health_connect": "Health Connect",
    "fitbit": "Fitbit",
    "manual": "Typed in",
}
# The most telling status of a day's cases comes first.
STATUS_ORDER = ("appealed", "rejected", "pending", "approved")


@dataclass
class DayView:
    day: date
    credited_steps: int = 0
    coins: int = 0
    records: list[StepRecord] = field(default_factory=list)

    @property
    def cases(self) -> list[StepValidation]:
        return [r.validation for r in self.records if r.validation is not None]

    @property
    def status(self) -> str | None:
        statuses = {case.status for case in self.cases}
        return next((s for s in STATUS_ORDER if s in statuses), None)

    @property
    def review_note(self) -> str | None:
        notes = [c.review_note for c in self.cases if c.status in ("rejected", "appealed")]
        return next((n for n in notes if n), None)

    @property
    def reasons(self) -> list[str]:
        seen: dict[str, None] = {}
        for case in self.cases:
            for reason in case.reasons or []:
                if isinstance(reason, dict) and reason.get("message"):
                    seen.setdefault(str(reason["message"]), None)
        return list(seen)

    @property
    def weighed_reasons(self) -> list[tuple[str, int]]:
        """Each reason's sentence with how many points it added to the score."""
        seen: dict[str, int] = {}
        for case in self.cases:
            for reason in case.reasons or []:
                if isinstance(reason, dict) and reason.get("message"):
                    message = str(reason["message"])
                    seen[message] = max(seen.get(message, 0), int(reason.get("weight") or 0))
        return list(seen.items())

    @property
    def score(self) -> int | None:
        return max((case.anomaly_score for case in self.cases), default=None)

    @property
    def appeal(self) -> StepValidation | None:
        return next((c for c in self.cases if c.appealed_at is not None), None)

    @property
    def can_appeal(self) -> bool:
        return appeals.can_appeal(self.cases)


def _parse_day(raw: str | None) -> date | None:
    try:
        return parse_day(raw) if raw else None
    except ValueError:
        return None


def day_views(user_id: int, start: date, end: date) -> list[DayView]:
    """Newest day first, each with its per-source records and review cases."""
    views = {
        d.day: DayView(d.day, d.credited_steps, d.coins)
        for d in steps.daily_totals(user_id, start, end)
    }
    by_day: dict[date, list[StepRecord]] = defaultdict(list)
    for record in steps.records_between(user_id, start, end):
        by_day[record.recorded_date].append(record)
    for day, records in by_day.items():
        views[day].records = records
    return sorted(views.values(), key=lambda v: v.day, reverse=True)


def _page_context(end: date, today: date) -> dict:
    start = end - timedelta(days=PAGE_DAYS - 1)
    days = day_views(current_user.id, start, end)
    totals = steps.daily_totals(current_user.id, start, end)
    settings = get_settings()
    newer = min(end + timedelta(days=PAGE_DAYS), today) if end < today else None
    return {
        "days": days,
        "start": start,
        "end": end,
        "today": today,
        "older": start - timedelta(days=1),
        "newer": newer,
        "chart": steps_chart(totals, settings.daily_step_cap),
        "chart_days": totals,
        "total": sum(d.credited_steps for d in days),
        "coins": sum(d.coins for d in days),
        "source_names": SOURCE_NAMES,
        "appeal_errors": {},
        "appeal_text": {},
        "threshold": settings.anomaly_threshold,
    }


@bp.get("/steps")
@login_required
def steps_page() -> ResponseReturnValue:
    today = steps.member_today(current_user)
    end = _parse_day(request.args.get("end")) or today
    end = min(end, today)
    return render_page("web/steps.html", "history", **_page_context(end, today))


@bp.post("/steps/<day>/appeal")
@login_required
def appeal(day: str) -> ResponseReturnValue:
    when = _parse_day(day)
    today = steps.member_today(current_user)
    if when is None or when > today:
        return redirect(url_for("web.steps_page"))
    message = request.form.get("message", "")
    try:
        appeals.appeal_day(current_user.id, when, message)
    except ValidationFailed as exc:
        context = _page_context(min(when + timedelta(days=PAGE_DAYS // 2), today), today)
        context["appeal_errors"] = {when: exc.message}
        context["appeal_text"] = {when: message}
        target = next(v for v in context["days"] if v.day == when)
        return render_page("web/steps.html", "day_row", status=422, d=target, **context)
    view = day_views(current_user.id, when, when)[0]
    if is_htmx():
        return render_page(
            "web/steps.html",
            "day_row",
            triggers=(NOTIFICATIONS_CHANGED,),
            d=view,
            source_names=SOURCE_NAMES,
            appeal_errors={},
            appeal_text={},
            threshold=get_settings().anomaly_threshold,
        )
    flash(
        f"Your appeal for {when.isoformat()} is in. An admin will review the day again.", "success"
    )
    return redirect(url_for("web.steps_page", end=when.isoformat()) + f"#day-{when.isoformat()}")
