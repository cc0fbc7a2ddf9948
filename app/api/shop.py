"""The wishlist, the saving goal and reviews on the phone."""

from __future__ import annotations

from dataclasses import asdict

from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_member
from app.api.operations import operation, reply
from app.api.pagination import decode_cursor, encode_cursor
from app.api.schemas import PageQuery, ProductOut
from app.api.shop_schemas import (
    GoalIn,
    GoalOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    ReviewOut,
    ReviewsOut,
    WishlistAddIn,
    WishlistItemOut,
    WishlistOut,
)
from app.catalog import browse, reviews, wishlist
from app.core.errors import NotFound
from app.models.catalog import RewardProduct
from app.models.shop import ProductReview


def _product(p: RewardProduct) -> ProductOut:
    return ProductOut(**asdict(browse.listed(p)))


def _goal(goal: wishlist.GoalProgress | None) -> GoalOut | None:
    if goal is None:
        return None
    return GoalOut(
        product=_product(goal.product),
        available_coins=goal.available,
        coins_to_go=goal.to_go,
        affordable=goal.affordable,
        daily_average_coins=round(goal.daily_average, 2),
        days_to_go=goal.days_left,
    )


def _review(review: ProductReview, author: str) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        product_id=review.product_id,
        rating=review.rating,
        body=review.body,
        author=author,
        created_at=review.created_at,
        updated_at=review.updated_at,
        hidden=review.hidden_at is not None,
    )


@operation(
    bp,
    "GET",
    "/wishlist",
    summary="The member's wished rewards, newest first, and the saving goal",
    responses={200: WishlistOut},
    tags=["wishlist"],
)
def get_wishlist() -> ResponseReturnValue:
    return reply(_wishlist(current_member().id))


def _wishlist(user_id: int) -> WishlistOut:
    return WishlistOut(
        items=[
            WishlistItemOut(product=_product(w.product), added_at=w.added_at, is_goal=w.is_goal)
            for w in wishlist.items(user_id)
        ],
        goal=_goal(wishlist.progress(user_id)),
    )


@operation(
    bp,
    "POST",
    "/wishlist",
    summary="Wish for a reward (201; 200 when it was already on the wishlist)",
    body=WishlistAddIn,
    responses={201: WishlistOut, 200: WishlistOut},
    errors=(404,),
    tags=["wishlist"],
)
def add_to_wishlist(body: WishlistAddIn) -> ResponseReturnValue:
    user_id = current_member().id
    added = wishlist.add(user_id, body.product_id)
    return reply(_wishlist(user_id), 201 if added else 200)


@operation(
    bp,
    "DELETE",
    "/wishlist/<int:product_id>",
    summary="Take a reward off the wishlist (and drop it as the goal)",
    responses={204: None},
    errors=(404,),
    tags=["wishlist"],
)
def remove_from_wishlist(product_id: int) -> ResponseReturnValue:
    wishlist.remove(current_member().id, product_id)
    return "", 204


@operation(
    bp,
    "GET",
    "/goal",
    summary="The saving goal: coins to go and about how many days at the recent pace",
    responses={200: GoalOut},
    errors=(404,),
    tags=["wishlist"],
)
def get_goal() -> ResponseReturnValue:
    goal = _goal(wishlist.progress(current_member().id))
    if goal is None:
        raise NotFound("You have no saving goal.")
    return reply(goal)


@operation(
    bp,
    "PUT",
    "/goal",
    summary="Save toward a reward (it joins the wishlist)",
    body=GoalIn,
    responses={200: GoalOut},
    errors=(404,),
    tags=["wishlist"],
)
def set_goal(body: GoalIn) -> ResponseReturnValue:
    goal = _goal(wishlist.set_goal(current_member().id, body.product_id))
    assert goal is not None
    return reply(goal)


@operation(
    bp,
    "DELETE",
    "/goal",
    summary="Clear the saving goal",
    responses={204: None},
    errors=(404,),
    tags=["wishlist"],
)
def clear_goal() -> ResponseReturnValue:
    wishlist.clear_goal(current_member().id)
    return "", 204


@operation(
    bp,
    "GET",
    "/products/<int:product_id>/reviews",
    summary="A reward's visible reviews, newest first, with the average rating and count",
    query=PageQuery,
    responses={200: ReviewsOut},
    errors=(404,),
    tags=["reviews"],
)
def list_reviews(product_id: int, query: PageQuery) -> ResponseReturnValue:
    user = current_member()
    browse.active_product(product_id)
    shown = reviews.visible_reviews(
        product_id, limit=query.limit + 1, before_id=decode_cursor(query.cursor)
    )
    page = shown[: query.limit]
    summary = reviews.summary(product_id)
    mine = reviews.my_review(user.id, product_id)
    return reply(
        ReviewsOut(
            average_rating=summary.average,
            review_count=summary.count,
            items=[_review(s.review, s.author) for s in page],
            next_cursor=encode_cursor(page[-1].review.id) if len(shown) > query.limit else None,
            mine=_review(mine, reviews.display_name(user.full_name)) if mine else None,
            can_review=mine is not None or reviews.has_received(user.id, product_id),
        )
    )


@operation(
    bp,
    "PUT",
    "/products/<int:product_id>/reviews/mine",
    summary="Write or edit your review (201 when new); only after an order of it was delivered",
    body=ReviewIn,
    responses={200: ReviewOut, 201: ReviewOut},
    errors=(403, 404),
    tags=["reviews"],
)
def save_my_review(product_id: int, body: ReviewIn) -> ResponseReturnValue:
    user = current_member()
    review, created = reviews.save_review(user.id, product_id, body.rating, body.body)
    return reply(_review(review, reviews.display_name(user.full_name)), 201 if created else 200)


@operation(
    bp,
    "POST",
    "/reviews/<int:review_id>/report",
    summary="Report someone else's review to the moderators",
    body=ReportIn,
    responses={200: ReportOut},
    errors=(404,),
    tags=["reviews"],
)
def report_review(review_id: int, body: ReportIn) -> ResponseReturnValue:
    reported = reviews.report(current_member().id, review_id, body.reason)
    return reply(ReportOut(review_id=review_id, reported=reported))
