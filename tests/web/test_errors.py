"""Error pages in the site's style, CSRF on every state change, domain errors mapped."""

from __future__ import annotations

from app.core.errors import Forbidden
from app.web.errors import message_response


def test_unknown_page_is_a_styled_404(client):
    answer = client.get("/no-such-page")

    assert answer.status_code == 404
    assert '<p class="error-code" aria-hidden="true">404</p>' in answer.text
    assert "css/app.css" in answer.text


def test_a_post_without_csrf_token_is_refused_with_400(signed_in, make_product):
    bottle = make_product("Water Bottle")

    for path in (
        "/settings/profile",
        f"/cart/add/{bottle.id}",
        "/logout",
        "/notifications/read-all",
    ):
        answer = signed_in.client.post(path, data={"full_name": "Hacker"})
        assert answer.status_code == 400, path
        assert "This form has expired" in answer.text

    assert signed_in.get("/cart").text.count("Water Bottle") == 0


def test_htmx_without_csrf_header_gets_the_message_in_the_flash_area(signed_in, make_product):
    bottle = make_product("Water Bottle")

    answer = signed_in.client.post(f"/cart/add/{bottle.id}", headers={"HX-Request": "true"})

    assert answer.status_code == 400
    assert answer.headers["HX-Retarget"] == "#flash"
    assert "Reload it and try again" in answer.text and "<html" not in answer.text


def test_htmx_domain_errors_land_in_the_flash_area(signed_in):
    answer = signed_in.htmx_post("/cart/999999/remove")
    assert answer.status_code == 200  # removing what is not there is fine
    missing = signed_in.htmx_post("/cart/add/999999", {"quantity": "1"})
    assert missing.status_code == 404
    assert missing.headers["HX-Retarget"] == "#flash"
    assert "not available" in missing.text


def test_forbidden_renders_a_styled_403(app):
    with app.test_request_context("/admin"):
        error = Forbidden("Admins only.")
        answer = message_response(error.status, "Not allowed", error.message)
    assert answer.status_code == 403
    assert "Admins only." in answer.get_data(as_text=True)
    assert "Your account cannot open this page." in answer.get_data(as_text=True)


def test_an_unexpected_error_is_a_styled_500(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    answer = client.get("/boom-for-test")

    assert answer.status_code == 500
    assert "Your coins are safe" in answer.text
    assert "boom" not in answer.text.replace("boom-for-test", "")
