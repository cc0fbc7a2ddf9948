"""One CSRF handler: the console refuses a missing token as the member pages do."""

from __future__ import annotations

MESSAGE = "This page was open too long or came from elsewhere. Reload it and try again."


def test_an_admin_form_without_its_token_gets_the_same_page_as_a_member_form(
    admin_client, member_client
):
    admin_answer = admin_client.post("/admin/settings", data={})
    member_answer = member_client.post("/settings/profile", data={"full_name": "X"})
    for answer in (admin_answer, member_answer):
        assert answer.status_code == 400
        assert "This form has expired" in answer.text and MESSAGE in answer.text


def test_an_admin_htmx_post_without_its_token_gets_the_message_in_the_flash_area(admin_client):
    answer = admin_client.post("/admin/settings", headers={"HX-Request": "true"})
    assert answer.status_code == 400
    assert answer.headers["HX-Retarget"] == "#flash"
    assert MESSAGE in answer.text and "<html" not in answer.text
