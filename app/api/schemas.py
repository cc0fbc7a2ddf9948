"""Request and response schemas of /api/v1. The OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from app.models.steps import RECORDING_METHODS, SOURCES

# Literals built from the tuple constants: pydantic reads them at run time, mypy cannot.
Source = Literal[SOURCES]  # type: ignore[valid-type]
RecordingMethod = Literal[RECORDING_METHODS]  # type: ignore[valid-type]
MAX_SYNC_RECORDS = 100
MAX_ID = 2_147_483_647  # ids beyond a 32-bit integer cannot exist; refuse them up front
Email = Annotated[str, Field(min_length=3, max_length=254)]
Password = Annotated[str, Field(min_length=1, max_length=256)]


class In(BaseModel):
    """Query strings: every value arrives as text, so numbers are parsed from it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class BodyIn(In):
    """JSON request bodies: strict types (`true` or `"100"` is no number), dates and times
    still from ISO 8601 strings; unknown fields are ignored so older phones keep working."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, strict=True)


class Out(BaseModel):
    pass


# --- errors ---------------------------------------------------------------------------


class ErrorBody(Out):
    code: str
    message: str
    details: list[dict] = []


class ErrorResponse(Out):
    error: ErrorBody


# --- auth -----------------------------------------------------------------------------


class RegisterIn(BodyIn):
    email: Email
    password: Annotated[str, Field(min_length=8, max_length=256)]
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    timezone: Annotated[str, Field(max_length=64)] | None = None
    referral_code: Annotated[str, Field(max_length=16)] | None = None
    device_name: Annotated[str, Field(max_length=120)] | None = None


class LoginIn(BodyIn):
    email: Email
    password: Password
    device_name: Annotated[str, Field(max_length=120)] | None = None


class EmailCodeIn(BodyIn):
    email: Email


class EmailCodeVerifyIn(BodyIn):
    email: Email
    code: Annotated[str, Field(min_length=1, max_length=16)]
    device_name: Annotated[str, Field(max_length=120)] | None = None


class EmailCodeSentOut(Out):
    message: str


class EmailVerificationIn(BodyIn):
    code: Annotated[str, Field(min_length=1, max_length=16)]


class EmailVerifiedOut(Out):
    email_verified: bool


class ProviderSignInIn(BodyIn):
    id_token: Annotated[str, Field(min_length=1, max_length=8192)]
    # The raw nonce the app gave the provider SDK; each may be used once.
    nonce: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    # Apple shares the name only on the first sign-in, with the app, not in the token.
    full_name: Annotated[str, Field(max_length=120)] | None = None
    device_name: Annotated[str, Field(max_length=120)] | None = None


class ProviderLinkIn(BodyIn):
    id_token: Annotated[str, Field(min_length=1, max_length=8192)]
    nonce: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class LinkedProviderOut(Out):
    provider: Literal["google", "apple"]
    email: str | None
    linked_at: datetime


class RefreshIn(BodyIn):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class WalletOut(Out):
    available_coins: int
    frozen_coins: int
    lifetime_earned: int
    lifetime_spent: int


class UserOut(Out):
    id: int
    email: str
    full_name: str
    timezone: str
    referral_code: str
    # False until the member confirms the address (link or code); checkout waits for it.
    email_verified: bool


class MeOut(UserOut):
    wallet: WalletOut


class AuthOut(Out):
    user: UserOut
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class TokenOut(Out):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


# --- steps ----------------------------------------------------------------------------


class IntervalIn(BodyIn):
    start: AwareDatetime
    end: AwareDatetime
    steps: Annotated[int, Field(ge=0, le=1_000_000)]
    # Optional: a watch that measures each stretch's distance lets runs be told from rides.
    distance_m: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> IntervalIn:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class StepRecordIn(BodyIn):
    date: date
    steps: Annotated[int, Field(ge=0, le=10_000_000)]
    source: Source
    distance_m: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None
    active_minutes: Annotated[int, Field(ge=0, le=1440)] | None = None
    recording_method: RecordingMethod = "automatic"
    client_record_id: Annotated[str, Field(max_length=128)] | None = None
    intervals: Annotated[list[IntervalIn], Field(max_length=1440)] | None = None


class SyncIn(BodyIn):
    device_id: Annotated[str, Field(max_length=128)] | None = None
    records: Annotated[list[StepRecordIn], Field(min_length=1, max_length=MAX_SYNC_RECORDS)]


class ReasonOut(Out):
    code: str
    message: str
    weight: int


class SyncResultOut(Out):
    date: date
    source: str
    status: Literal["accepted", "unchanged", "flagged", "rejected"]
    steps: int
    coins_awarded: int
    reasons: list[ReasonOut]


class SyncOut(Out):
    results: list[SyncResultOut]
    wallet: WalletOut


QueryDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class StepsQuery(In):
    from_: QueryDate | None = Field(default=None, alias="from")
    to: QueryDate | None = None


class StepRecordOut(Out):
    date: date
    source: str
    steps: int
    distance_m: float | None
    active_minutes: int | None
    recording_method: str
    status: Literal["verified", "pending", "rejected"]
    anomaly_score: int
    reasons: list[ReasonOut] = Field(
        description="Why the record was flagged or refused, each with its weight in the score"
    )
    review_status: Literal["pending", "approved", "rejected", "appealed"] | None = None
    can_appeal: bool = False


class DayOut(Out):
    date: date
    credited_steps: int
    coins: int


class StepsOut(Out):
    records: list[StepRecordOut]
    days: list[DayOut]


class AppealIn(In):
    message: Annotated[str, Field(min_length=1, max_length=4000)]


class AppealOut(Out):
    date: date
    status: Literal["appealed"]
    message: str
    appealed_at: datetime
    records: int = Field(description="How many rejected records of the day were appealed")


# --- wallet, leaderboard, achievements --------------------------------------------------


class PageQuery(In):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str, Field(max_length=200)] | None = None


class TransactionOut(Out):
    id: int
    created_at: datetime
    transaction_type: str
    amount: int
    frozen_change: int
    available_after: int
    frozen_after: int
    description: str
    reference_type: str | None
    reference_id: str | None


class TransactionsOut(Out):
    items: list[TransactionOut]
    next_cursor: str | None


class LeaderboardQuery(In):
    period: Literal["weekly", "monthly", "all_time"] = "weekly"
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class LeaderboardEntryOut(Out):
    rank: int
    display_name: str
    total_steps: int


class MyRankOut(Out):
    rank: int
    total_steps: int


class LeaderboardOut(Out):
    period: Literal["weekly", "monthly", "all_time"]
    generated_at: datetime | None
    entries: list[LeaderboardEntryOut]
    me: MyRankOut | None


class AchievementOut(Out):
    code: str
    name: str
    description: str
    reward_coins: int
    unlocked_at: datetime | None
    progress: Annotated[float, Field(ge=0, le=1)]


class AchievementsOut(Out):
    items: list[AchievementOut]


# --- catalogue and orders -----------------------------------------------------------------


class ProductsQuery(PageQuery):
    category: Annotated[str, Field(max_length=60)] | None = None
    q: Annotated[str, Field(max_length=100)] | None = None


class ProductOut(Out):
    id: int
    title: str
    category: str
    coin_price: int
    in_stock: bool
    image_url: str | None
    # True: the product is ordered by variant (GET /products/{id} lists them); coin_price
    # is then the lowest variant price.
    has_variants: bool = False


class ProductsOut(Out):
    items: list[ProductOut]
    next_cursor: str | None


class VariantOptionOut(Out):
    name: str
    value: str


class VariantOut(Out):
    id: int
    title: str
    options: list[VariantOptionOut]
    coin_price: int
    in_stock: bool


class ProductDetailOut(ProductOut):
    description: str
    # The choices a member picks one of (cart and order lines then need its variant_id).
    variants: list[VariantOut]


class CartItemIn(BodyIn):
    product_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    # Required where the product has variants; refused where it has none.
    variant_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    quantity: Annotated[int, Field(ge=1, le=10)] = 1


class CartLineOut(Out):
    product_id: int
    variant_id: int | None
    title: str
    variant_title: str | None
    quantity: int
    coin_price: int
    subtotal: int
    # Why the line cannot be ordered as it is (out of stock, withdrawn…), or null.
    problem: str | None


class CartOut(Out):
    items: list[CartLineOut]
    total_coins: int


class AddressIn(BodyIn):
    recipient_name: Annotated[str, Field(max_length=120)] | None = None
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Annotated[str, Field(max_length=200)] | None = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    state: Annotated[str, Field(max_length=100)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
    phone: Annotated[str, Field(max_length=32)] | None = None


class OrderLineIn(BodyIn):
    product_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    quantity: Annotated[int, Field(ge=1, le=10)] = 1
    # Required where the product has variants (see GET /products/{id}).
    variant_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class OrderIn(BodyIn):
    items: Annotated[list[OrderLineIn], Field(min_length=1, max_length=20)]
    address_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    shipping_address: AddressIn | None = None
    promo_code: Annotated[
        str | None, Field(max_length=64, description="A discount code: its coins come off")
    ] = None

    @model_validator(mode="after")
    def _one_address(self) -> OrderIn:
        if self.address_id is not None and self.shipping_address is not None:
            raise ValueError("give address_id or shipping_address, not both")
        return self


class OrderItemOut(Out):
    product_id: int
    title: str
    quantity: int
    coin_price: int
    variant_id: int | None = None
    variant_title: str | None = None


class OrderOut(Out):
    order_code: str
    status: Literal["pending", "processing", "shipped", "delivered", "cancelled", "refunded"]
    total_coins: int
    # With a promo code: the code and the coins it took off (total_coins is after it).
    promo_code: str | None = None
    discount_coins: int = 0
    items: list[OrderItemOut]
    created_at: datetime
    tracking_number: str | None
    shipping_address: dict


class OrdersOut(Out):
    items: list[OrderOut]
    next_cursor: str | None


# --- friends -------------------------------------------------------------------------------


class FriendInviteIn(BodyIn):
    referral_code: str = Field(min_length=1, max_length=8, description="The friend's code")


class FriendOut(Out):
    user_id: int
    display_name: str
    weekly_steps: int | None = Field(
        description="Verified steps this week; null when the member keeps steps private"
    )
    is_me: bool


class FriendInvitationOut(Out):
    id: int
    user_id: int
    display_name: str
    created_at: datetime


class FriendsOut(Out):
    week_start: date
    board: list[FriendOut]
    incoming: list[FriendInvitationOut]
    outgoing: list[FriendInvitationOut]
    blocked: list[FriendInvitationOut]


class FriendshipOut(Out):
    id: int
    status: str
