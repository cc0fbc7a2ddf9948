"""Schemas of the wishlist, saving goal and review endpoints of /api/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.api.schemas import MAX_ID, BodyIn, Out, ProductOut
from app.models.shop import REPORT_REASON_MAX_CHARS, REVIEW_MAX_CHARS

ProductId = Annotated[int, Field(ge=1, le=MAX_ID)]


class WishlistAddIn(BodyIn):
    product_id: ProductId


class GoalIn(BodyIn):
    product_id: ProductId


class GoalOut(Out):
    product: ProductOut
    available_coins: int
    coins_to_go: int
    affordable: bool
    daily_average_coins: float = Field(description="Coins earned a day over the last 14 days")
    days_to_go: int | None = Field(
        description="About how many days at that pace; 0 when affordable, null with no recent "
        "earning"
    )


class WishlistItemOut(Out):
    product: ProductOut
    added_at: datetime
    is_goal: bool


class WishlistOut(Out):
    items: list[WishlistItemOut]
    goal: GoalOut | None


class ReviewIn(BodyIn):
    rating: Annotated[int, Field(ge=1, le=5)]
    body: Annotated[str, Field(max_length=REVIEW_MAX_CHARS)] = ""


class ReviewOut(Out):
    id: int
    product_id: int
    rating: int
    body: str = Field(description="Plain text; escape it when you show it")
    author: str
    created_at: datetime
    updated_at: datetime
    hidden: bool = Field(description="Hidden by a moderator (only ever true on your own review)")


class ReviewsOut(Out):
    average_rating: float | None
    review_count: int
    items: list[ReviewOut]
    next_cursor: str | None
    mine: ReviewOut | None
    can_review: bool = Field(description="An order of this product was delivered to you")


class ReportIn(BodyIn):
    reason: Annotated[str, Field(max_length=REPORT_REASON_MAX_CHARS)] = ""


class ReportOut(Out):
    review_id: int
    reported: bool = Field(description="False when you had already reported it")
