"""The friends page over HTTP: invite by code or link, answer, remove and block."""

from __future__ import annotations

from app.gamification import friends
from tests.web.conftest import Member


def test_a_friend_link_asks_before_it_invites(client, member, make_member):
    ann = make_member(full_name="Ann Walker")
    browser = Member(client, member)
    page = browser.get(f"/friends/add/{ann.referral_code}")
    assert page.status_code == 200
    assert "Be friends with <strong>Ann W.</strong>?" in page.text
    assert friends.overview(ann.id).incoming == [], "opening the link sends nothing"
    sent = browser.post("/friends/invite", {"code": ann.referral_code})
    assert sent.status_code == 302
    assert [i.user_id for i in friends.overview(ann.id).incoming] == [member.id]
    assert browser.get("/friends/add/NOTACODE").status_code == 404


def test_a_bad_code_is_a_form_error_beside_the_field(client, member):
    browser = Member(client, member)
    answer = browser.post("/friends/invite", {"code": "ZZZZZZZZ"})
    assert answer.status_code == 404
    assert 'aria-invalid="true"' in answer.text
    assert 'id="friend-code-error" class="field-error">No member has that code.' in answer.text
    assert 'value="ZZZZZZZZ"' in answer.text, "what the member typed is kept"


def test_accept_remove_and_block_through_the_page(client, member, make_member):
    ann = make_member(full_name="Ann Walker")
    invitation = friends.invite(ann.id, member.referral_code)
    browser = Member(client, member)
    page = browser.get("/friends").text
    assert "Ann W." in page and "wants to be friends" in page
    assert browser.post(f"/friends/invitations/{invitation.id}/accept").status_code == 302
    assert "Ann W." in browser.get("/friends").text
    assert friends.are_friends(ann.id, member.id)
    assert browser.post(f"/friends/{ann.id}/block").status_code == 302
    assert not friends.are_friends(ann.id, member.id)
    assert "Unblock" in browser.get("/friends").text
    assert browser.post(f"/friends/{ann.id}/remove").status_code == 302
    assert browser.post("/friends/invitations/999/decline").status_code == 404


def test_friend_forms_need_the_csrf_token_and_a_session(client, member, make_member):
    ann = make_member(full_name="Ann Walker")
    assert client.get("/friends").status_code == 302
    Member(client, member)
    refused = client.post("/friends/invite", data={"code": ann.referral_code})
    assert refused.status_code == 400
    assert friends.overview(ann.id).incoming == []
