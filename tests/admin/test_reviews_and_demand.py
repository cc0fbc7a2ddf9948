"""Admin: reviews moderation (reported first, audited, escaped) and wishlist demand."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog import reviews, wishlist
from app.extensions import db
from app.models.admin import AdminLog
from app.models.shop import ProductReview
from tests.catalog.test_reviews import deliver


def test_reported_reviews_come_first_and_text_is_escaped(
    admin_client, member, make_member, make_product
):
    mat = make_product("Mat")
    deliver(member.id, mat.id)
    other = make_member(full_name="Otto Other")
    deliver(other.id, mat.id)
    quiet, _ = reviews.save_review(member.id, mat.id, 5, "fine")
    loud, _ = reviews.save_review(other.id, mat.id, 1, "<b>BUY</b> at spam.example")
    reviews.report(member.id, loud.id, "<i>spam</i>")
    page = admin_client.get("/admin/reviews").get_data(as_text=True)
    assert "&lt;b&gt;BUY&lt;/b&gt; at spam.example" in page and "<b>BUY" not in page
    assert "&lt;i&gt;spam&lt;/i&gt;" in page
    assert f'id="review-{quiet.id}"' not in page  # not reported: not in the queue
    everything = admin_client.get("/admin/reviews?show=all").get_data(as_text=True)
    assert everything.index(f'id="review-{loud.id}"') < everything.index(f'id="review-{quiet.id}"')


def test_an_admin_hides_and_unhides_a_review_with_an_audit_trail(
    admin_client, member, make_product
):
    mat = make_product("Mat")
    deliver(member.id, mat.id)
    review, _ = reviews.save_review(member.id, mat.id, 1, "rude")
    token = admin_client.csrf
    refused = admin_client.post(
        f"/admin/reviews/{review.id}/hide", data={"csrf_token": token, "reason": ""}
    )
    assert refused.status_code == 302
    assert db.session.get(ProductReview, review.id).hidden_at is None
    admin_client.post(
        f"/admin/reviews/{review.id}/hide", data={"csrf_token": token, "reason": "Insults"}
    )
    db.session.expire_all()
    assert db.session.get(ProductReview, review.id).hidden_reason == "Insults"
    admin_client.post(f"/admin/reviews/{review.id}/unhide", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(ProductReview, review.id).hidden_at is None
    logged = db.session.execute(
        select(AdminLog.action, AdminLog.note).where(AdminLog.entity_type == "review")
    ).all()
    assert logged == [("review.hide", "Insults"), ("review.unhide", None)]


def test_the_product_page_shows_wishlist_demand(admin_client, member, make_member, make_product):
    lamp = make_product("Lamp", stock_quantity=0)
    wishlist.add(member.id, lamp.id)
    wishlist.set_goal(make_member().id, lamp.id)
    page = admin_client.get(f"/admin/products/{lamp.id}/edit").get_data(as_text=True)
    assert "2 members wish for it" in page and "1 saves toward it" in page
    assert "Out of stock: restocking tells them." in page
