"""Product reviews: members who received a reward rate it (1 to 5) and say a few words.

One review per member and product, editable. Review text is plain text: stored as typed
(trimmed), escaped wherever it is shown. Members report reviews that break the rules;
moderators hide them (with a reason, audited) or dismiss the reports. A hidden review
counts nowhere and stays hidden when its author edits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from app.backoffice.audit import record_admin_action
from app.catalog import browse
from app.core.db import rows_affected, transaction
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import RewardProduct
from app.models.orders import Order, OrderItem
from app.models.shop import (
    REPORT_REASON_MAX_CHARS,
    REVIEW_MAX_CHARS,
    ProductReview,
    ReviewReport,
)
from app.models.users import User

MODERATION_FILTERS = ("reported", "hidden", "all")
HIDE_REASON_MAX_CHARS = 300


@dataclass(frozen=True)
class ReviewSummary:
    average: float | None
    count: int


@dataclass(frozen=True)
class ShownReview:
    review: ProductReview
    author: str  # "First L."


def display_name(full_name: str) -> str:
    parts = full_name.split()
    if not parts:
        return "A member"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def _clean_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(
            "Choose a rating from 1 to 5 stars.",
            details=[{"field": "rating", "message": "Choose 1 to 5 stars."}],
        )
    return rating


def _clean_text(text: str | None, limit: int, field: str) -> str:
    # Plain text: line breaks kept, other control characters dropped.
    cleaned = "".join(c for c in (text or "") if c in "\n\t" or c.isprintable()).strip()
    if len(cleaned) > limit:
        message = f"At most {limit} characters, please ({len(cleaned)} now)."
        raise ValidationFailed(message, details=[{"field": field, "message": message}])
    return cleaned


def has_received(user_id: int, product_id: int) -> bool:
    """Whether one of the member's orders of this product was delivered."""
    return (
        db.session.execute(
            select(OrderItem.id)
            .join(Order, Order.id == OrderItem.order_id)
            .where(
                Order.user_id == user_id,
                OrderItem.product_id == product_id,
                Order.delivered_at.is_not(None),
            )
            .limit(1)
        ).scalar_one_or_none()
        is not None
    )


def summary(product_id: int) -> ReviewSummary:
    average, count = db.session.execute(
        select(func.avg(ProductReview.rating), func.count()).where(
            ProductReview.product_id == product_id, ProductReview.hidden_at.is_(None)
        )
    ).one()
    return ReviewSummary(None if not count else round(float(average), 1), int(count))


def visible_reviews(
    product_id: int, *, limit: int = 20, before_id: int | None = None
) -> list[ShownReview]:
    """The product's reviews that are not hidden, newest first (by id, for paging)."""
    stmt = (
        select(ProductReview, User.full_name)
        .join(User, User.id == ProductReview.user_id)
        .where(ProductReview.product_id == product_id, ProductReview.hidden_at.is_(None))
    )
    if before_id is not None:
        stmt = stmt.where(ProductReview.id < before_id)
    rows = db.session.execute(stmt.order_by(ProductReview.id.desc()).limit(limit)).all()
    return [ShownReview(review, display_name(name)) for review, name in rows]


def my_review(user_id: int, product_id: int) -> ProductReview | None:
    return db.session.execute(
        select(ProductReview).where(
            ProductReview.user_id == user_id, ProductReview.product_id == product_id
        )
    ).scalar_one_or_none()


def save_review(
    user_id: int, product_id: int, rating: object, body: str | None
) -> tuple[ProductReview, bool]:
    """Write or edit the member's review. Returns (review, created)."""
    clean_rating = _clean_rating(rating)
    clean_body = _clean_text(body, REVIEW_MAX_CHARS, "body")
    with transaction():
        browse.active_product(product_id)
        if not has_received(user_id, product_id):
            raise Forbidden(
                "You can review a reward once an order of it has been delivered to you."
            )
        review = db.session.execute(
            select(ProductReview)
            .where(ProductReview.user_id == user_id, ProductReview.product_id == product_id)
            .with_for_update()
        ).scalar_one_or_none()
        created = review is None
        if review is None:
            review = ProductReview(user_id=user_id, product_id=product_id, rating=clean_rating)
            db.session.add(review)
        review.rating = clean_rating
        review.body = clean_body
        review.updated_at = utcnow()
        db.session.flush()
    return review, created


def report_product_id(review_id: int) -> int:
    """The product a visible review is about (NotFound for a hidden or missing one)."""
    review = db.session.get(ProductReview, review_id)
    if review is None or review.hidden_at is not None:
        raise NotFound("No such review.")
    return review.product_id


def report(user_id: int, review_id: int, reason: str | None) -> bool:
    """Report a visible review of someone else's. True if new, False if already reported."""
    clean_reason = _clean_text(reason, REPORT_REASON_MAX_CHARS, "reason")
    with transaction():
        review = db.session.get(ProductReview, review_id)
        if review is None or review.hidden_at is not None:
            raise NotFound("No such review.")
        if review.user_id == user_id:
            raise ValidationFailed("You cannot report your own review.")
        existing = db.session.execute(
            select(ReviewReport).where(
                ReviewReport.review_id == review_id, ReviewReport.user_id == user_id
            )
        ).scalar_one_or_none()
        if existing is not None:
            if existing.resolved_at is None:
                return False
            # Reported again after a moderator kept it: it goes back to the queue.
            existing.resolved_at = None
            existing.reason = clean_reason
            existing.created_at = utcnow()
            return True
        db.session.add(ReviewReport(review_id=review_id, user_id=user_id, reason=clean_reason))
        db.session.flush()
    return True


# --- moderation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModerationRow:
    review: ProductReview
    author: str
    author_email: str
    product_title: str
    open_reports: int
    reasons: list[str]


def moderation_queue(
    show: str = "reported", *, limit: int = 50, offset: int = 0
) -> tuple[list[ModerationRow], int]:
    """Reviews for moderators, the most reported first; and how many match."""
    open_count = (
        select(ReviewReport.review_id, func.count().label("n"))
        .where(ReviewReport.resolved_at.is_(None))
        .group_by(ReviewReport.review_id)
        .subquery()
    )
    reports = func.coalesce(open_count.c.n, 0)
    stmt = (
        select(ProductReview, User.full_name, User.email, RewardProduct.title, reports)
        .join(User, User.id == ProductReview.user_id)
        .join(RewardProduct, RewardProduct.id == ProductReview.product_id)
        .outerjoin(open_count, open_count.c.review_id == ProductReview.id)
    )
    if show == "reported":
        stmt = stmt.where(open_count.c.n > 0)
    elif show == "hidden":
        stmt = stmt.where(ProductReview.hidden_at.is_not(None))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(
        stmt.order_by(reports.desc(), ProductReview.id.desc()).limit(limit).offset(offset)
    ).all()
    ids = [row[0].id for row in rows]
    reasons: dict[int, list[str]] = {}
    if ids:
        for review_id, reason in db.session.execute(
            select(ReviewReport.review_id, ReviewReport.reason)
            .where(ReviewReport.review_id.in_(ids), ReviewReport.resolved_at.is_(None))
            .order_by(ReviewReport.id)
        ):
            if reason:
                reasons.setdefault(review_id, []).append(reason)
    return [
        ModerationRow(review, display_name(name), email, title, int(n), reasons.get(review.id, []))
        for review, name, email, title, n in rows
    ], int(total)


def _lock_review(review_id: int) -> ProductReview:
    review = db.session.execute(
        select(ProductReview)
        .where(ProductReview.id == review_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if review is None:
        raise NotFound("No such review.")
    return review


def _resolve_reports(review_id: int, when: datetime) -> int:
    return rows_affected(
        update(ReviewReport)
        .where(ReviewReport.review_id == review_id, ReviewReport.resolved_at.is_(None))
        .values(resolved_at=when)
    )


def hide(review_id: int, reason: str, *, admin_id: int) -> ProductReview:
    """Hide a review that breaks the rules; its open reports are resolved. Audited."""
    clean_reason = _clean_text(reason, HIDE_REASON_MAX_CHARS, "reason")
    if not clean_reason:
        raise ValidationFailed(
            "Say which rule the review breaks.",
            details=[{"field": "reason", "message": "A reason is required."}],
        )
    when = utcnow()
    with transaction():
        review = _lock_review(review_id)
        if review.hidden_at is not None:
            return review
        review.hidden_at, review.hidden_by_id, review.hidden_reason = when, admin_id, clean_reason
        resolved = _resolve_reports(review_id, when)
        record_admin_action(
            admin_id,
            "review.hide",
            "review",
            review.id,
            before={"hidden": False},
            after={"hidden": True, "reports_resolved": resolved},
            note=clean_reason,
        )
    return review


def unhide(review_id: int, *, admin_id: int) -> ProductReview:
    with transaction():
        review = _lock_review(review_id)
        if review.hidden_at is None:
            return review
        before = {"hidden": True, "reason": review.hidden_reason}
        review.hidden_at = review.hidden_by_id = review.hidden_reason = None
        record_admin_action(
            admin_id, "review.unhide", "review", review.id, before=before, after={"hidden": False}
        )
    return review


def dismiss_reports(review_id: int, *, admin_id: int) -> int:
    """Keep the review as it is: its open reports are resolved. Audited. Returns how many."""
    with transaction():
        review = _lock_review(review_id)
        resolved = _resolve_reports(review.id, utcnow())
        if resolved:
            record_admin_action(
                admin_id,
                "review.dismiss_reports",
                "review",
                review.id,
                after={"reports_resolved": resolved},
            )
    return resolved
