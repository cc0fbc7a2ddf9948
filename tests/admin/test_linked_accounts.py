"""Admin pages for issue 13: linked accounts on the member page and in the fraud evidence,
held referral bonuses approved or rejected, refused days in the queue."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import transaction
from app.extensions import db
from app.fraud import linked_accounts
from app.models.linked_accounts import ReferralHold
from app.models.steps import StepValidation
from app.models.users import Referral
from app.steps import sync as steps
from app.steps.sync import IncomingRecord
from tests.fixtures.sign_in import csrf_token
from tests.orders.test_orders import balances


def sync(user, steps_count: int, device_id: str | None = None, **extra):
    return steps.sync_records(
        user,
        [
            IncomingRecord(
                day=steps.member_today(user), steps=steps_count, source="google_fit", **extra
            )
        ],
        device_id=device_id,
    )


def hold_between(referrer, referred) -> ReferralHold:
    referral = db.session.execute(
        select(Referral).where(Referral.referred_id == referred.id)
    ).scalar_one()
    hold = ReferralHold(
        referral_id=referral.id,
        reasons=[{"code": "linked_accounts", "message": "Same phone.", "weight": 0}],
    )
    db.session.add(hold)
    db.session.commit()
    return hold


def test_member_page_shows_accounts_on_the_same_phone_and_sign_up_address(
    admin_client, make_member
):
    owner = make_member(full_name="Olive Owner")
    twin = make_member(full_name="Tom Twin")
    neighbour = make_member(full_name="Nia Neighbour")
    sync(owner, 7000, device_id="pixel-shared")
    sync(twin, 7000, device_id="pixel-shared")
    with transaction():
        linked_accounts.record_signup_address(owner.id, "192.0.2.44")
        linked_accounts.record_signup_address(neighbour.id, "192.0.2.44")

    page = admin_client.get(f"/admin/users/{owner.id}").get_data(as_text=True)

    assert 'id="linked-accounts"' in page
    assert "Tom Twin" in page and "<code>pixel-shared</code>" in page
    assert "Nia Neighbour" in page and "same sign-up address" in page
    assert "Signed up from 192.0.2.44" in page


def test_fraud_evidence_lists_signals_and_the_linked_accounts(admin_client, make_member):
    owner, twin = make_member(full_name="Olive Owner"), make_member(full_name="Tom Twin")
    sync(owner, 7000, device_id="pixel-shared")
    [result] = sync(twin, 7000, device_id="pixel-shared")
    assert result.status == "flagged"
    case = db.session.execute(select(StepValidation)).scalar_one()

    html = admin_client.get(f"/admin/fraud/{case.id}", headers={"HX-Request": "true"}).text

    assert "Phone shared with other accounts" in html
    assert 'class="signal-fired"' in html
    assert "not measured" in html  # no intervals were sent: cadence checks could not run
    assert "Olive Owner" in html and "same phone" in html


def test_admin_approves_a_held_bonus_from_the_member_page(admin_client, make_member):
    referrer = make_member(full_name="Rita Ring")
    referred = make_member(full_name="Ned Ring", referral_code=referrer.referral_code)
    hold = hold_between(referrer, referred)
    page = admin_client.get(f"/admin/users/{referred.id}").text
    assert "Referral bonuses held" in page and "Approve and pay the bonus" in page
    token = csrf_token(admin_client, f"/admin/users/{referred.id}")

    answer = admin_client.post(
        f"/admin/referral-holds/{hold.id}/approve", data={"csrf_token": token, "note": "ok"}
    )

    assert answer.status_code == 302
    assert balances(referrer.id)[0] == 500 and balances(referred.id)[0] == 250
    db.session.expire_all()
    assert db.session.get(ReferralHold, hold.id).status == "approved"


def test_rejecting_a_held_bonus_without_a_note_is_refused(admin_client, make_member):
    referrer = make_member()
    referred = make_member(referral_code=referrer.referral_code)
    hold = hold_between(referrer, referred)
    token = csrf_token(admin_client, f"/admin/users/{referred.id}")

    refused = admin_client.post(
        f"/admin/referral-holds/{hold.id}/reject", data={"csrf_token": token, "note": ""}
    )
    done = admin_client.post(
        f"/admin/referral-holds/{hold.id}/reject",
        data={"csrf_token": token, "note": "Same person."},
    )

    assert refused.status_code == 302 and done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReferralHold, hold.id).status == "rejected"
    assert balances(referrer.id)[0] == 0


def test_held_bonus_actions_need_an_admin(member_client, make_member):
    referrer = make_member()
    referred = make_member(referral_code=referrer.referral_code)
    hold = hold_between(referrer, referred)
    token = csrf_token(member_client, "/dashboard")

    answer = member_client.post(
        f"/admin/referral-holds/{hold.id}/approve", data={"csrf_token": token}
    )

    assert answer.status_code == 403
    assert db.session.get(ReferralHold, hold.id).status == "pending"


def test_a_refused_day_is_in_the_queue_and_the_members_flag_history(admin_client, member):
    [result] = sync(member, 150_000)
    assert result.status == "rejected"

    queue = admin_client.get("/admin/fraud?status=rejected").text
    page = admin_client.get(f"/admin/users/{member.id}").text

    assert member.full_name in queue
    assert "score 100 · rejected" in page
