"""Reviews: only after delivery, one per member and product, moderated with an audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.catalog import reviews
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models.admin import AdminLog
from app.models.users import UserAddress
from app.orders import orders


def deliver(user_id: int, product_id: int, *, last_status: str = "delivered") -> None:
    """Give the member an order of the product and move it along to `last_status`."""
    db.session.add(
        UserAddress(
            user_id=user_id, line1="1 Main St", city="Berlin", country="DE", is_default=True
        )
    )
    db.session.commit()
    with transaction():
        ledger.award_step_coins(user_id, date(2026, 11, 20), 5000)
    order = orders.place_order(user_id, [(product_id, 1)])
    for status in ("processing", "shipped", "delivered"):
        orders.change_status(order.order_code, status, admin_id=None, tracking_number="T1")
        if status == last_status:
            break


@pytest.fixture
def mat(make_product):
    return make_product("Yoga Mat", coin_price=500)


def test_only_a_member_whose_order_was_delivered_may_review(member, mat):
    with pytest.raises(Forbidden):
        reviews.save_review(member.id, mat.id, 5, "Lovely")
    deliver(member.id, mat.id, last_status="shipped")
    with pytest.raises(Forbidden):
        reviews.save_review(member.id, mat.id, 5, "Lovely")


def test_a_review_is_once_per_product_and_editable(member, mat):
    deliver(member.id, mat.id)
    first, created = reviews.save_review(member.id, mat.id, 4, "  Grippy.  ")
    assert created and (first.rating, first.body) == (4, "Grippy.")
    again, created = reviews.save_review(member.id, mat.id, 2, "Wore out fast.")
    assert not created and again.id == first.id
    assert reviews.summary(mat.id) == reviews.ReviewSummary(2.0, 1)


@pytest.mark.parametrize("rating", [0, 6, True, "5", None])
def test_a_rating_outside_one_to_five_is_refused(member, mat, rating):
    deliver(member.id, mat.id)
    with pytest.raises(ValidationFailed):
        reviews.save_review(member.id, mat.id, rating, "")


def test_a_review_longer_than_the_limit_is_refused(member, mat):
    deliver(member.id, mat.id)
    with pytest.raises(ValidationFailed) as refused:
        reviews.save_review(member.id, mat.id, 3, "x" * 1001)
    assert refused.value.details[0]["field"] == "body"


def test_average_and_count_leave_hidden_reviews_out(member, make_member, admin, mat):
    other = make_member(full_name="Otto Other Walker")
    deliver(member.id, mat.id)
    deliver(other.id, mat.id)
    kept, _ = reviews.save_review(member.id, mat.id, 5, "Great")
    rude, _ = reviews.save_review(other.id, mat.id, 1, "rude words")
    assert reviews.summary(mat.id) == reviews.ReviewSummary(3.0, 2)
    reviews.hide(rude.id, "Insults", admin_id=admin.id)
    assert reviews.summary(mat.id) == reviews.ReviewSummary(5.0, 1)
    assert [r.review.id for r in reviews.visible_reviews(mat.id)] == [kept.id]
    reviews.save_review(other.id, mat.id, 2, "edited")  # editing does not unhide it
    assert reviews.summary(mat.id).count == 1


def test_reviewers_are_shown_by_first_name_and_initial(member, mat):
    deliver(member.id, mat.id)
    reviews.save_review(member.id, mat.id, 5, "")
    assert reviews.visible_reviews(mat.id)[0].author == "Mia M."


def test_reports_queue_a_review_for_moderators_most_reported_first(member, make_member, admin, mat):
    reporters = [make_member() for _ in range(2)]
    author = make_member()
    deliver(member.id, mat.id)
    deliver(author.id, mat.id)
    once, _ = reviews.save_review(member.id, mat.id, 4, "fine")
    twice, _ = reviews.save_review(author.id, mat.id, 1, "spam spam")
    assert reviews.report(reporters[0].id, once.id, "off topic") is True
    assert reviews.report(reporters[0].id, once.id, "again") is False
    for reporter in reporters:
        reviews.report(reporter.id, twice.id, "spam")
    queue, total = reviews.moderation_queue("reported")
    assert total == 2
    assert [(row.review.id, row.open_reports) for row in queue] == [(twice.id, 2), (once.id, 1)]
    assert queue[1].reasons == ["off topic"]


def test_a_member_cannot_report_their_own_or_a_hidden_review(member, make_member, admin, mat):
    deliver(member.id, mat.id)
    review, _ = reviews.save_review(member.id, mat.id, 4, "mine")
    with pytest.raises(ValidationFailed):
        reviews.report(member.id, review.id, "")
    reviews.hide(review.id, "Spam", admin_id=admin.id)
    with pytest.raises(NotFound):
        reviews.report(make_member().id, review.id, "")


def test_hiding_unhiding_and_dismissing_are_audited(member, make_member, admin, mat):
    deliver(member.id, mat.id)
    review, _ = reviews.save_review(member.id, mat.id, 1, "bad")
    reviews.report(make_member().id, review.id, "abuse")
    with pytest.raises(ValidationFailed):
        reviews.hide(review.id, "  ", admin_id=admin.id)
    reviews.hide(review.id, "Abusive language", admin_id=admin.id)
    assert reviews.moderation_queue("reported") == ([], 0)
    assert reviews.moderation_queue("hidden")[1] == 1
    reviews.unhide(review.id, admin_id=admin.id)
    reviews.report(make_member().id, review.id, "still abuse")
    assert reviews.dismiss_reports(review.id, admin_id=admin.id) == 1
    actions = db.session.execute(
        select(AdminLog.action).where(AdminLog.entity_type == "review").order_by(AdminLog.id)
    ).scalars()
    assert list(actions) == ["review.hide", "review.unhide", "review.dismiss_reports"]
