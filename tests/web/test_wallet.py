"""The wallet: balances, filtered ledger, infinite scroll and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.coins import ledger
from app.core.db import transaction
from app.steps import sync as steps


def test_wallet_shows_balances_and_the_ledger_newest_first(signed_in, walk, fund):
    user = signed_in.user
    walk(user, 5000, steps.member_today(user) - timedelta(days=1))
    fund(user, 300)

    page = signed_in.get("/wallet").text

    assert "350" in page  # 50 from steps + 300
    assert page.index("Adjustment: test funds") < page.index("Steps on")
    assert "2 movements" in page
    assert "/wallet/export.csv" in page


def test_an_empty_wallet_says_how_to_earn(signed_in):
    page = signed_in.get("/wallet").text
    assert "No coins yet" in page


def test_filter_by_type_and_date(signed_in, walk, fund):
    user = signed_in.user
    walk(user, 5000)
    fund(user, 300)
    today = steps.member_today(user).isoformat()

    only_steps = signed_in.get("/wallet?type=step_reward").text
    assert "Steps on" in only_steps and "test funds" not in only_steps
    assert "clear filters" in only_steps

    future = signed_in.get("/wallet?from=2999-01-01").text
    assert "Nothing matches these filters" in future

    today_only = signed_in.get(f"/wallet?from={today}&to={today}").text
    assert "2 movements" in today_only


def test_a_bad_filter_date_is_an_inline_error(signed_in):
    answer = signed_in.get("/wallet?from=yesterday&to=2020-01-01")
    assert answer.status_code == 422
    assert "Use a date like" in answer.text and 'value="yesterday"' in answer.text


def test_filters_by_htmx_return_only_the_ledger(signed_in, fund):
    fund(signed_in.user, 10)
    answer = signed_in.htmx_get("/wallet?type=admin_adjustment")
    assert answer.text.lstrip().startswith('<div id="ledger">')
    assert "HX-Request" in answer.headers["Vary"]


def test_infinite_scroll_loads_older_rows_as_a_fragment(signed_in, admin):
    with transaction():
        for n in range(30):
            ledger.adjust_by_admin(signed_in.user.id, n + 1, f"gift {n + 1}", admin_id=admin.id)

    first = signed_in.get("/wallet").text
    assert "gift 30" in first and "gift 6<" in first and "gift 5<" not in first
    assert 'hx-trigger="revealed"' in first

    marker = 'hx-get="'
    start = first.index(marker, first.index('class="load-more"')) + len(marker)
    more_url = first[start : first.index('"', start)].replace("&amp;", "&")
    more = signed_in.htmx_get(more_url)

    assert more.status_code == 200
    assert more.text.lstrip().startswith("<tr>")
    assert "gift 5<" in more.text and "gift 1<" in more.text and "gift 6<" not in more.text
    assert "load-more" not in more.text


def test_csv_download_has_every_filtered_row(signed_in, admin, walk):
    walk(signed_in.user, 5000)
    with transaction():
        ledger.adjust_by_admin(signed_in.user.id, 7, "bonus", admin_id=admin.id)

    answer = signed_in.get("/wallet/export.csv")

    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["transaction_type"] for r in rows] == ["step_reward", "admin_adjustment"]
    assert rows[1]["description"] == "Adjustment: bonus"
    assert rows[0]["amount"] == "50"

    filtered = signed_in.get("/wallet/export.csv?type=admin_adjustment").text
    assert "step_reward" not in filtered


def test_wallet_csv_defuses_cells_a_spreadsheet_would_run(signed_in):
    with transaction():
        ledger.award_achievement(signed_in.user.id, "=cmd|'/C calc'!A0", 5)
        ledger.award_achievement(signed_in.user.id, "-1+1", 5)

    rows = list(csv.DictReader(io.StringIO(signed_in.get("/wallet/export.csv").text)))

    assert [r["reference_id"] for r in rows] == ["'=cmd|'/C calc'!A0", "'-1+1"]
    assert rows[0]["amount"] == "5"
