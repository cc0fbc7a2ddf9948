"""Friends through the phone API, with the SPEC error shape."""

from __future__ import annotations

from tests.fixtures.sign_in import Phone


def test_two_phones_become_friends_and_see_the_board(app, make_member):
    ann = make_member(full_name="Ann Walker")
    bob = make_member(full_name="Bob Stroll")
    ann_phone, bob_phone = Phone(app.test_client(), ann.email), Phone(app.test_client(), bob.email)

    sent = ann_phone.post("/friends/invitations", {"referral_code": bob.referral_code})
    assert sent.status_code == 201 and sent.get_json()["status"] == "pending"
    listing = bob_phone.get("/friends").get_json()
    (incoming,) = listing["incoming"]
    assert (incoming["user_id"], incoming["display_name"]) == (ann.id, "Ann W.")

    accepted = bob_phone.post(f"/friends/invitations/{incoming['id']}/accept")
    assert accepted.get_json() == {"id": incoming["id"], "status": "accepted"}
    board = ann_phone.get("/friends").get_json()["board"]
    assert {(row["display_name"], row["weekly_steps"], row["is_me"]) for row in board} == {
        ("Ann W.", 0, True),
        ("Bob S.", 0, False),
    }

    again = ann_phone.post("/friends/invitations", {"referral_code": bob.referral_code})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"

    assert (
        bob_phone.client.delete(f"/api/v1/friends/{ann.id}", headers=bob_phone.headers).status_code
        == 204
    )
    gone = bob_phone.client.delete(f"/api/v1/friends/{ann.id}", headers=bob_phone.headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"


def test_bad_codes_and_strangers_invitations_are_clear_4xx(app, make_member):
    ann = make_member(full_name="Ann Walker")
    bob = make_member(full_name="Bob Stroll")
    carl = make_member(full_name="Carl Third")
    ann_phone = Phone(app.test_client(), ann.email)
    unknown = ann_phone.post("/friends/invitations", {"referral_code": "ZZZZZZZZ"})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["message"] == "No member has that code."
    missing = ann_phone.post("/friends/invitations", {})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["details"][0]["field"] == "referral_code"
    own = ann_phone.post("/friends/invitations", {"referral_code": ann.referral_code})
    assert own.status_code == 422
    invitation = ann_phone.post("/friends/invitations", {"referral_code": bob.referral_code})
    carl_phone = Phone(app.test_client(), carl.email)
    stolen = carl_phone.post(f"/friends/invitations/{invitation.get_json()['id']}/accept")
    assert stolen.status_code == 404
    blocked = carl_phone.post(f"/friends/{ann.id}/block")
    assert blocked.status_code == 200 and blocked.get_json()["status"] == "blocked"
    hidden = ann_phone.post("/friends/invitations", {"referral_code": carl.referral_code})
    assert hidden.status_code == 404
    assert app.test_client().get("/api/v1/friends").status_code == 401


def test_ids_too_large_to_exist_are_404_not_500(app, member):
    phone = Phone(app.test_client(), member.email)
    huge = 99_999_999_999_999_999_999
    answers = [
        phone.post(f"/friends/{huge}/block"),
        phone.post(f"/friends/invitations/{huge}/accept"),
        phone.post(f"/friends/invitations/{huge}/decline"),
        phone.client.delete(f"/api/v1/friends/{huge}", headers=phone.headers),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert {a.get_json()["error"]["code"] for a in answers} == {"not_found"}
