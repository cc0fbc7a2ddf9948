"""Wishlist, saving goal and reviews on the member pages (plain forms, no JavaScript)."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog import reviews, wishlist
from app.extensions import db
from app.models.shop import ProductReview, ReviewReport
from tests.catalog.test_reviews import deliver


def test_a_member_wishes_for_a_reward_from_its_page_and_sees_it_on_the_wishlist(
    signed_in, member, make_product
):
    lamp = make_product("Desk Lamp", coin_price=900)
    page = signed_in.get(f"/rewards/{lamp.id}").text
    assert "Add to wishlist" in page
    answer = signed_in.post(
        f"/wishlist/{lamp.id}/add", {"back": f"/rewards/{lamp.id}"}, follow_redirects=True
    )
    assert answer.status_code == 200 and "On your wishlist" in answer.text
    listing = signed_in.get("/wishlist").text
    assert "Desk Lamp" in listing and "900 more coins needed" in listing
    signed_in.post(f"/wishlist/{lamp.id}/remove", {"back": "/wishlist"})
    assert wishlist.items(member.id) == []


def test_the_goal_shows_on_the_dashboard_with_coins_to_go(signed_in, member, make_product, fund):
    fund(member, 300)
    earbuds = make_product("Earbuds", coin_price=1000)
    signed_in.post(f"/wishlist/{earbuds.id}/goal", {"back": "/wishlist"})
    dashboard = signed_in.get("/dashboard").text
    assert "Earbuds" in dashboard and "700 <small>coins to go" in dashboard
    fund(member, 800)
    assert "Affordable now" in signed_in.get("/dashboard").text
    signed_in.post("/goal/clear", {"back": "/wishlist"})
    assert wishlist.progress(member.id) is None


def test_a_wishlist_post_without_csrf_is_refused(signed_in, make_product):
    lamp = make_product()
    answer = signed_in.client.post(f"/wishlist/{lamp.id}/add", data={})
    assert answer.status_code == 400


def test_wishing_for_an_inactive_reward_is_a_404_page(signed_in, make_product):
    gone = make_product(is_active=False)
    assert signed_in.post(f"/wishlist/{gone.id}/add").status_code == 404


def test_a_delivered_reward_gets_a_review_that_shows_escaped_on_its_page(
    signed_in, member, make_product
):
    mat = make_product("Yoga Mat")
    deliver(member.id, mat.id)
    assert "Write a review" in signed_in.get(f"/rewards/{mat.id}").text
    answer = signed_in.post(
        f"/rewards/{mat.id}/review", {"rating": "4", "body": "<script>alert(1)</script> grippy"}
    )
    assert answer.status_code == 302
    page = signed_in.get(f"/rewards/{mat.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; grippy" in page
    assert "<script>alert(1)" not in page
    assert "<strong>4.0</strong> out of 5 · 1 review" in page


def test_a_review_form_error_is_shown_next_to_the_field(signed_in, member, make_product):
    mat = make_product("Yoga Mat")
    deliver(member.id, mat.id)
    answer = signed_in.post(f"/rewards/{mat.id}/review", {"body": "x" * 1001})
    assert answer.status_code == 422
    assert 'id="rating-error"' in answer.text and "At most 1000 characters" in answer.text
    assert db.session.execute(select(ProductReview)).first() is None


def test_a_member_without_a_delivered_order_cannot_open_the_review_form(signed_in, make_product):
    mat = make_product()
    assert signed_in.get(f"/rewards/{mat.id}/review").status_code == 403
    assert signed_in.post(f"/rewards/{mat.id}/review", {"rating": "5"}).status_code == 403


def test_a_member_reports_someone_elses_review(signed_in, make_member, make_product):
    author = make_member(full_name="Rex Writer")
    mat = make_product("Yoga Mat")
    deliver(author.id, mat.id)
    review, _ = reviews.save_review(author.id, mat.id, 1, "buy elsewhere http://spam")
    page = signed_in.get(f"/rewards/{mat.id}").text
    assert "Rex W." in page and "Report review" in page
    answer = signed_in.post(f"/reviews/{review.id}/report", {"reason": "spam link"})
    assert answer.status_code == 302
    report = db.session.execute(select(ReviewReport)).scalar_one()
    assert (report.review_id, report.reason) == (review.id, "spam link")
