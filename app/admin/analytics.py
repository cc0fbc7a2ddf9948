"""Analytics over a chosen date range: activity, coins, review rates, products, the funnel."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from app.admin import bp
from app.admin.forms import arg_date
from app.backoffice import analytics as analytics_service
from app.backoffice import events
from app.core.errors import ValidationFailed
from app.models.base import utcnow


@bp.get("/analytics")
def analytics() -> ResponseReturnValue:
    default_start, default_end = analytics_service.default_range(utcnow().date())
    start = arg_date("from") or default_start
    end = arg_date("to") or default_end
    error = None
    try:
        analytics_service.check_range(start, end)
    except ValidationFailed as exc:
        error = exc.message
        start, end = default_start, default_end
    report = analytics_service.analytics(start, end)
    charts = {
        "activity": {
            "type": "line",
            "labels": [p.day.isoformat() for p in report.days],
            "series": [
                {"label": "Active members", "data": [p.active_members for p in report.days]},
                {
                    "label": "Average credited steps",
                    "data": [p.average_steps for p in report.days],
                    "axis": "y1",
                },
            ],
        },
        "coins": {
            "type": "bar",
            "labels": [p.day.isoformat() for p in report.days],
            "series": [
                {"label": "Issued", "data": [p.coins_issued for p in report.days]},
                {"label": "Spent", "data": [p.coins_spent for p in report.days]},
                {"label": "Frozen at checkout", "data": [p.coins_frozen for p in report.days]},
            ],
        },
        "products": {
            "type": "bar",
            "horizontal": True,
            "labels": [p.title for p in report.top_products],
            "series": [{"label": "Units", "data": [p.units for p in report.top_products]}],
        },
        "funnel": {
            "type": "bar",
            "labels": ["Registered", "Synced", "Redeemed"],
            "series": [
                {
                    "label": "Members",
                    "data": [
                        report.funnel.registered,
                        report.funnel.synced,
                        report.funnel.redeemed,
                    ],
                }
            ],
        },
    }
    shop = events.shop_funnel(start, end)
    charts["shop_funnel"] = {
        "type": "bar",
        "labels": [step.label for step in shop.steps],
        "series": [{"label": "Members", "data": [step.members for step in shop.steps]}],
    }
    return render_template(
        "admin/analytics.html", report=report, charts=charts, error=error, shop_funnel=shop
    ), (422 if error else 200)
