"""Status StrEnums keep the stored words: the CHECK constraints and old rows still match."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db
from app.models.linked_accounts import HoldStatus
from app.models.orders import ORDER_STATUSES, OrderStatus
from app.models.social import FriendshipStatus
from app.models.steps import OPEN_CASE_STATUSES, CaseStatus, RecordStatus, StepRecord
from app.models.users import ReferralStatus, UserStatus


def test_each_status_enum_keeps_the_words_the_database_stores():
    assert ORDER_STATUSES == (
        "pending",
        "processing",
        "shipped",
        "delivered",
        "cancelled",
        "refunded",
    )
    assert [s.value for s in RecordStatus] == ["verified", "pending", "rejected"]
    assert [s.value for s in CaseStatus] == ["pending", "approved", "rejected", "appealed"]
    assert OPEN_CASE_STATUSES == ("pending", "appealed")
    assert [s.value for s in FriendshipStatus] == ["pending", "accepted", "declined", "blocked"]
    assert [s.value for s in UserStatus] == ["active", "deactivated", "banned"]
    assert [s.value for s in ReferralStatus] == ["pending", "converted"]
    assert [s.value for s in HoldStatus] == ["pending", "approved", "rejected"]
    assert f"{OrderStatus.SHIPPED}" == "shipped"


def test_a_status_written_as_an_enum_is_stored_and_read_as_its_word(member):
    db.session.add(
        StepRecord(
            user_id=member.id,
            recorded_date=member.created_at.date(),
            source="fitbit",
            steps=10,
            status=RecordStatus.PENDING,
        )
    )
    db.session.commit()
    stored = db.session.execute(text("SELECT status FROM step_records")).scalar_one()
    assert stored == "pending" and type(stored) is str
    db.session.expire_all()
    assert db.session.query(StepRecord).one().status == RecordStatus.PENDING
