"""app/catalog called directly: the members' search (browse) and the admins' catalogue
(manage: field rules, edits with their audit row, the two-step import)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.catalog import browse, manage
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models.admin import AdminLog
from app.models.catalog import RewardProduct


def titles(page: browse.ProductPage) -> list[str]:
    return [product.title for product in page.items]


def audit_actions(product_id: int) -> list[str]:
    return list(
        db.session.execute(
            select(AdminLog.action)
            .where(AdminLog.entity_type == "product", AdminLog.entity_id == str(product_id))
            .order_by(AdminLog.id)
        ).scalars()
    )


# --- browse: what members see ------------------------------------------------------------


def test_search_lists_in_stock_first_then_cheapest_and_hides_inactive(make_product):
    make_product("Sold-out socks", coin_price=100, stock_quantity=0)
    make_product("Water bottle", coin_price=900)
    make_product("Sweatband", coin_price=300)
    make_product("Retired cap", coin_price=50, is_active=False)
    assert titles(browse.search()) == ["Sweatband", "Water bottle", "Sold-out socks"]


def test_every_search_word_must_match_title_description_or_category(make_product):
    make_product("Trail running shoes", category="Gear", coin_price=900)
    make_product("Running cap", category="Apparel", coin_price=200)
    make_product("Yoga mat", category="Gear", coin_price=300)
    assert titles(browse.search("running gear")) == ["Trail running shoes"]
    assert titles(browse.search("RUNNING")) == ["Running cap", "Trail running shoes"]


def test_search_treats_percent_and_underscore_as_plain_characters(make_product):
    make_product("100% cotton tee")
    make_product("Cotton_blend hoodie")
    make_product("Cotton shorts")
    assert titles(browse.search("100%")) == ["100% cotton tee"]
    assert titles(browse.search("n_b")) == ["Cotton_blend hoodie"]


def test_the_category_filter_ignores_case_and_pages_say_when_more_follow(make_product):
    for n in range(5):
        make_product(f"Gear {n}", category="Gear", coin_price=100 + n)
    make_product("Voucher", category="Vouchers")
    first = browse.search(category="gear", per_page=2)
    assert (titles(first), first.total, first.has_more) == (["Gear 0", "Gear 1"], 5, True)
    last = browse.search(category="GEAR", page=3, per_page=2)
    assert (titles(last), last.has_more) == (["Gear 4"], False)
    assert browse.categories() == ["Gear", "Vouchers"]


def test_an_inactive_or_unknown_product_is_not_found(make_product):
    hidden = make_product(is_active=False)
    shown = make_product()
    assert browse.active_product(shown.id).id == shown.id
    for product_id in (hidden.id, 999_999):
        with pytest.raises(NotFound):
            browse.active_product(product_id)


# --- manage: what admins do --------------------------------------------------------------


def test_a_new_product_needs_title_category_and_a_positive_price():
    with pytest.raises(ValidationFailed) as refused:
        manage.clean_product_fields({"title": "  ", "coin_price": "0"}, complete=True)
    assert {d["field"] for d in refused.value.details} == {"title", "category", "coin_price"}


def test_creating_a_product_writes_its_audit_row_and_marks_the_price_as_the_admins(admin):
    product = manage.create_product(
        {"title": "Headlamp", "category": "Gear", "coin_price": "1200", "stock_quantity": "3"},
        admin_id=admin.id,
    )
    assert (product.coin_price, product.stock_quantity, product.price_set_by_admin) == (
        1200,
        3,
        True,
    )
    assert audit_actions(product.id) == ["product.create"]


def test_an_edit_returns_only_what_changed_and_an_unchanged_save_logs_nothing(admin):
    product = manage.create_product(
        {"title": "Headlamp", "category": "Gear", "coin_price": 1200}, admin_id=admin.id
    )
    fields = {"title": "Headlamp", "category": "Gear", "coin_price": 1500}
    assert manage.update_product(product.id, fields, admin_id=admin.id) == {
        "coin_price": (1200, 1500)
    }
    assert manage.update_product(product.id, fields, admin_id=admin.id) == {}
    assert audit_actions(product.id) == ["product.create", "product.update"]


def test_a_stock_edit_is_refused_when_checkouts_moved_the_stock_meanwhile(admin, make_product):
    product = make_product(stock_quantity=10)
    product.stock_quantity = 8  # two were reserved while the admin had the form open
    db.session.commit()
    fields = {"title": product.title, "category": "Gear", "coin_price": 500, "stock_quantity": 20}
    with pytest.raises(Conflict):
        manage.update_product(product.id, fields, admin_id=admin.id, stock_seen=10)
    # Saving the form with the stock as it was seen keeps the current stock.
    fields["stock_quantity"] = 10
    manage.update_product(
        product.id, {**fields, "title": "Renamed"}, admin_id=admin.id, stock_seen=10
    )
    db.session.refresh(product)
    assert (product.title, product.stock_quantity) == ("Renamed", 8)


def test_an_import_applies_exactly_the_previewed_plan(admin, make_product):
    existing = make_product("Old bottle", coin_price=400)
    upload = json.dumps(
        [
            {"id": existing.id, "price": 450},
            {"title": "New mat", "category": "Gear", "coin_price": 900},
            {"title": "", "category": "Gear", "coin_price": 10},
        ]
    ).encode()
    preview = manage.preview_import("catalogue.json", upload)
    assert [row.status for row in preview.plan.rows] == ["changed", "new", "invalid"]
    assert preview.token is not None
    result = manage.confirm_import(preview.token, admin_id=admin.id)
    assert result.updated == [existing.id] and len(result.created) == 1
    db.session.refresh(existing)
    assert (existing.coin_price, existing.price_set_by_admin) == (450, True)


def test_an_import_is_refused_when_the_catalogue_changed_after_the_preview(admin, make_product):
    existing = make_product("Old bottle", coin_price=400)
    upload = json.dumps([{"id": existing.id, "price": 450}]).encode()
    preview = manage.preview_import("catalogue.json", upload)
    existing.coin_price = 420  # another admin saved a price in between
    db.session.commit()
    assert preview.token is not None
    with pytest.raises(Conflict):
        manage.confirm_import(preview.token, admin_id=admin.id)
    assert db.session.get_one(RewardProduct, existing.id).coin_price == 420


def test_a_tampered_import_token_is_refused(admin):
    with pytest.raises(ValidationFailed):
        manage.confirm_import("not-a-signed-token", admin_id=admin.id)
