"""Promo codes for phones: redeem a coin code (a discount code goes on `POST /orders`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.api import bp
from app.api.auth import current_member
from app.api.members import _wallet_out, run_idempotent
from app.api.operations import operation
from app.api.schemas import BodyIn, Out, WalletOut
from app.core import idempotency
from app.orders import promo_codes


class PromoRedeemIn(BodyIn):
    code: Annotated[str, Field(min_length=1, max_length=64, description="Case does not matter")]


class PromoRedeemOut(Out):
    code: str
    coins: int
    wallet: WalletOut


@operation(
    bp,
    "POST",
    "/promo-codes/redeem",
    summary="Redeem a coin promo code: its coins go to the wallet (422 promo_code_expired, "
    "promo_code_not_started, promo_code_used_up, promo_code_member_limit, "
    "promo_code_not_first_order, promo_code_unknown, promo_code_wrong_kind …)",
    body=PromoRedeemIn,
    responses={201: PromoRedeemOut},
    errors=(409,),
    idempotent=True,
    tags=["wallet"],
)
def redeem_promo_code(body: PromoRedeemIn) -> tuple:
    user = current_member()

    def work() -> idempotency.Answer:
        redemption = promo_codes.redeem_coins(user.id, body.code)
        answer = PromoRedeemOut(
            code=promo_codes.normalise(body.code),
            coins=redemption.coins,
            wallet=_wallet_out(user.id),
        )
        return idempotency.Answer(201, answer.model_dump(mode="json"))

    return run_idempotent(work)
