"""Wishlist, saving goal and reviews through /api/v1, with the SPEC error shape."""

from __future__ import annotations

from app.catalog import reviews
from tests.catalog.test_reviews import deliver


def test_the_phone_wishes_sets_a_goal_and_clears_it(phone, member, make_product):
    mat = make_product("Mat", coin_price=400)
    first = phone.post("/wishlist", {"product_id": mat.id})
    assert first.status_code == 201
    assert phone.post("/wishlist", {"product_id": mat.id}).status_code == 200
    assert [i["product"]["title"] for i in first.get_json()["items"]] == ["Mat"]
    assert phone.get("/goal").status_code == 404
    goal = phone.client.put(
        "/api/v1/goal", json={"product_id": mat.id}, headers=phone.headers
    ).get_json()
    assert (goal["coins_to_go"], goal["affordable"], goal["days_to_go"]) == (400, False, None)
    listing = phone.get("/wishlist").get_json()
    assert listing["goal"]["product"]["id"] == mat.id and listing["items"][0]["is_goal"]
    assert phone.client.delete("/api/v1/goal", headers=phone.headers).status_code == 204
    assert (
        phone.client.delete(f"/api/v1/wishlist/{mat.id}", headers=phone.headers).status_code == 204
    )
    assert phone.get("/wishlist").get_json() == {"items": [], "goal": None}


def test_wishlist_errors_use_the_spec_shape(phone, make_product):
    missing = phone.post("/wishlist", {"product_id": 999_999})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = phone.post("/wishlist", {"product_id": "7"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"][0]["field"] == "product_id"
    gone = phone.client.delete("/api/v1/wishlist/12345", headers=phone.headers)
    assert gone.status_code == 404 and "error" in gone.get_json()


def test_reviews_are_written_once_listed_with_the_average_and_reported(
    phone, member, make_member, make_product
):
    mat = make_product("Mat")
    refused = phone.client.put(
        f"/api/v1/products/{mat.id}/reviews/mine", json={"rating": 5}, headers=phone.headers
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    deliver(member.id, mat.id)
    url = f"/api/v1/products/{mat.id}/reviews/mine"
    created = phone.client.put(url, json={"rating": 5, "body": "Great"}, headers=phone.headers)
    assert created.status_code == 201 and created.get_json()["author"] == "Mia M."
    edited = phone.client.put(url, json={"rating": 3, "body": "Okay"}, headers=phone.headers)
    assert edited.status_code == 200 and edited.get_json()["id"] == created.get_json()["id"]
    bad = phone.client.put(url, json={"rating": 6}, headers=phone.headers)
    assert bad.status_code == 422

    other = make_member(full_name="Olga Other")
    deliver(other.id, mat.id)
    theirs, _ = reviews.save_review(other.id, mat.id, 1, "meh")
    listing = phone.get(f"/products/{mat.id}/reviews?limit=1").get_json()
    assert (listing["average_rating"], listing["review_count"]) == (2.0, 2)
    assert [i["id"] for i in listing["items"]] == [theirs.id]
    assert listing["mine"]["rating"] == 3 and listing["can_review"]
    more = phone.get(f"/products/{mat.id}/reviews?limit=1&cursor={listing['next_cursor']}")
    assert [i["body"] for i in more.get_json()["items"]] == ["Okay"]

    report = phone.post(f"/reviews/{theirs.id}/report", {"reason": "rude"})
    assert report.status_code == 200 and report.get_json() == {
        "review_id": theirs.id,
        "reported": True,
    }
    own = phone.post(f"/reviews/{created.get_json()['id']}/report", {})
    assert own.status_code == 422
