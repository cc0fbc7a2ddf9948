"""Every model, imported so the metadata (and Alembic) sees all tables."""

from app.models.admin import (
    AdminApiToken,
    AdminLog,
    AnalyticsEvent,
    IdempotencyKey,
    JobRun,
    Setting,
)
from app.models.base import Base
from app.models.cart import CartItem
from app.models.catalog import ProductVariant, RewardProduct
from app.models.gamification import (
    Achievement,
    LeaderboardEntry,
    LeaderboardMonth,
    MemberMonthSteps,
    UserAchievement,
)
from app.models.groups import Challenge, ChallengeParticipant, Team, TeamMember
from app.models.jobs import JobLock
from app.models.linked_accounts import AccountDevice, ReferralHold, SignupAddress
from app.models.mail import OutboundMail
from app.models.notifications import Notification
from app.models.orders import Order, OrderItem
from app.models.promotions import PromoCode, PromoRedemption
from app.models.shop import ProductReview, ReviewReport, SavingGoal, WishlistItem
from app.models.sign_in import (
    EmailCode,
    ExternalIdentity,
    Passkey,
    RecoveryCode,
    TotpCredential,
    UsedNonce,
)
from app.models.social import Friendship
from app.models.steps import StepRecord, StepValidation
from app.models.users import Referral, RefreshToken, User, UserAddress
from app.models.wallet import CoinTransaction, Wallet

__all__ = [
    "AccountDevice",
    "Achievement",
    "AdminApiToken",
    "AdminLog",
    "AnalyticsEvent",
    "Base",
    "CartItem",
    "Challenge",
    "ChallengeParticipant",
    "CoinTransaction",
    "EmailCode",
    "ExternalIdentity",
    "Friendship",
    "IdempotencyKey",
    "JobLock",
    "JobRun",
    "LeaderboardEntry",
    "LeaderboardMonth",
    "MemberMonthSteps",
    "Notification",
    "Order",
    "OrderItem",
    "OutboundMail",
    "Passkey",
    "ProductReview",
    "ProductVariant",
    "PromoCode",
    "PromoRedemption",
    "RecoveryCode",
    "Referral",
    "ReferralHold",
    "RefreshToken",
    "ReviewReport",
    "RewardProduct",
    "SavingGoal",
    "Setting",
    "SignupAddress",
    "StepRecord",
    "StepValidation",
    "Team",
    "TeamMember",
    "TotpCredential",
    "UsedNonce",
    "User",
    "UserAchievement",
    "UserAddress",
    "Wallet",
    "WishlistItem",
]
