"""One product search: the member pages and the phone's API find the same products."""

from __future__ import annotations

import re

import pytest

from app.catalog import browse
from app.extensions import db
from tests.api.conftest import Phone
from tests.web.conftest import Member

QUERIES = [
    ("", None),
    ("bottle", None),
    ("STEEL bottle", None),  # every word must match, in any field, any case
    ("bottle steel", None),
    ("gear", None),  # the category is searched too
    ("mat", "gear"),
    ("", "ELECTRONICS"),
    ("100%", None),  # % is a character, not a wildcard
    ("zeppelin", None),
]


@pytest.fixture
def catalogue(make_product) -> None:
    make_product("Yoga Mat", category="Gear")
    bottle = make_product("Water Bottle", category="Gear")
    bottle.description = "Steel, keeps drinks cold."
    make_product("Earbuds", category="Electronics", stock_quantity=0)
    make_product("100% Cotton Socks", category="Clothing")
    make_product("Hidden Bottle", is_active=False)
    db.session.commit()


def titles_found(query: str, category: str | None) -> set[str]:
    found = db.session.execute(browse.matching_products(query, category)).scalars()
    return {p.title for p in found}


def test_every_word_must_match_the_title_description_or_category(catalogue):
    assert titles_found("STEEL bottle", None) == {"Water Bottle"}
    assert titles_found("steel mat", None) == set()
    assert titles_found("gear", None) == {"Yoga Mat", "Water Bottle"}
    assert titles_found("", " gear ") == {"Yoga Mat", "Water Bottle"}
    assert titles_found("100%", None) == {"100% Cotton Socks"}


def test_inactive_products_are_never_found(catalogue):
    assert "Hidden Bottle" not in titles_found("bottle", None)


def test_web_and_api_return_the_same_products_for_the_same_query(client, member, catalogue):
    phone = Phone(client.application.test_client(), member.email)
    browser = Member(client.application.test_client(), member)
    for query, category in QUERIES:
        params = {"q": query, **({"category": category} if category else {})}
        api = {p["id"] for p in phone.get("/products", query_string=params).get_json()["items"]}
        page = browser.get("/rewards", query_string=params).text
        web = {int(found) for found in re.findall(r'href="/rewards/(\d+)"', page)}
        assert web == api, (query, category)
        assert web == {p.id for p in browse.search(query, category).items}
