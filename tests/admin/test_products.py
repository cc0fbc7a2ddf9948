"""/admin/products: list and filters, create and edit, (de)activate, import with a preview."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.catalog import RewardProduct
from tests.admin.audit_trail import admin_logs, import_token
from tests.fixtures.sign_in import csrf_token

GET_PAGES = ["/admin/products", "/admin/products/new", "/admin/products/import"]


def product_count() -> int:
    return db.session.execute(select(func.count()).select_from(RewardProduct)).scalar_one()


def fresh(product_id: int) -> RewardProduct:
    db.session.expire_all()
    product = db.session.get(RewardProduct, product_id)
    assert product is not None
    return product


def form_data(**overrides: object) -> dict:
    data = {
        "title": "Trail Cap",
        "description": "Light and breathable.",
        "category": "Apparel",
        "image_url": "https://img.example.com/cap.png",
        "coin_price": "700",
        "stock_quantity": "60",
        "is_active": "y",
    }
    data.update({k: str(v) for k, v in overrides.items() if v is not None})
    return {k: v for k, v in data.items() if k not in overrides or overrides[k] is not None}


def upload(client, name: str, content: str | bytes):
    token = csrf_token(client, "/admin/products/import")
    body = content.encode() if isinstance(content, str) else content
    return client.post(
        "/admin/products/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


# --- access ----------------------------------------------------------------------------


def test_every_products_page_renders_for_an_admin(admin_client, make_product):
    product = make_product("Yoga Mat")
    for url in [*GET_PAGES, f"/admin/products/{product.id}/edit"]:
        answer = admin_client.get(url)
        assert answer.status_code == 200, url
        assert 'aria-current="page"' in answer.get_data(as_text=True) or url != GET_PAGES[0]


def test_members_get_403(member_client, make_product):
    product = make_product()
    for url in [*GET_PAGES, f"/admin/products/{product.id}/edit"]:
        assert member_client.get(url).status_code == 403, url


def test_visitors_are_sent_to_the_login_page(client, make_product):
    product = make_product()
    for url in [*GET_PAGES, f"/admin/products/{product.id}/edit"]:
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url


def test_every_products_post_without_a_csrf_token_is_400(admin_client, make_product):
    product = make_product()
    for url in [
        "/admin/products/new",
        f"/admin/products/{product.id}/edit",
        f"/admin/products/{product.id}/active",
        "/admin/products/import",
        "/admin/products/import/confirm",
    ]:
        assert admin_client.post(url, data={"active": "0"}).status_code == 400, url
    assert fresh(product.id).is_active
    assert admin_logs() == []


# --- list --------------------------------------------------------------------------------


def test_list_searches_and_filters_by_category_and_status(admin_client, make_product):
    make_product("Yoga Mat", category="Gear")
    make_product("Running Socks", category="Apparel")
    make_product("Old Headband", category="Apparel", is_active=False)

    page = admin_client.get("/admin/products").get_data(as_text=True)
    assert all(t in page for t in ("Yoga Mat", "Running Socks", "Old Headband"))

    page = admin_client.get("/admin/products?q=socks").get_data(as_text=True)
    assert "Running Socks" in page and "Yoga Mat" not in page

    page = admin_client.get("/admin/products?category=Apparel").get_data(as_text=True)
    assert "Running Socks" in page and "Old Headband" in page and "Yoga Mat" not in page

    page = admin_client.get("/admin/products?active=inactive").get_data(as_text=True)
    assert "Old Headband" in page and "Running Socks" not in page

    page = admin_client.get("/admin/products?q=nothing-like-it").get_data(as_text=True)
    assert "No product matches these filters." in page


def test_list_answers_just_the_table_to_htmx(admin_client, make_product):
    make_product("Yoga Mat")
    answer = admin_client.get(
        "/admin/products?q=yoga", headers={"HX-Request": "true", "HX-Target": "product-list"}
    )
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="product-list">')
    assert "Yoga Mat" in html and "<html" not in html


def test_an_empty_catalogue_says_how_to_fill_it(admin_client):
    page = admin_client.get("/admin/products").get_data(as_text=True)
    assert "The catalogue is empty." in page


# --- create and edit ---------------------------------------------------------------------


def test_creating_a_product_stores_it_with_the_admin_price_and_audits(admin_client, admin):
    token = csrf_token(admin_client, "/admin/products/new")
    answer = admin_client.post("/admin/products/new", data={**form_data(), "csrf_token": token})
    assert answer.status_code == 302

    product = db.session.execute(select(RewardProduct)).scalar_one()
    assert (product.title, product.category, product.coin_price, product.stock_quantity) == (
        "Trail Cap",
        "Apparel",
        700,
        60,
    )
    assert product.image_url == "https://img.example.com/cap.png"
    assert product.is_active and product.price_set_by_admin
    (log,) = admin_logs()
    assert (log.admin_id, log.action, log.entity_type, log.entity_id) == (
        admin.id,
        "product.create",
        "product",
        str(product.id),
    )
    assert log.before is None
    assert log.after["coin_price"] == 700 and log.after["title"] == "Trail Cap"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"coin_price": "0"}, "Coin price must be greater than 0."),
        ({"coin_price": "-5"}, "Coin price must be greater than 0."),
        ({"coin_price": "12.5"}, "Not a valid integer value."),
        ({"stock_quantity": "-1"}, "Stock must be at least 0."),
        ({"image_url": "javascript:alert(1)"}, "Image URL must be an http:// or https:// address."),
        ({"image_url": "ftp://files.example.com/cap.png"}, "http:// or https://"),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_invalid_input_shows_an_inline_error_keeps_the_input_and_saves_nothing(
    admin_client, overrides, message
):
    token = csrf_token(admin_client, "/admin/products/new")
    data = {**form_data(), **overrides, "csrf_token": token}
    answer = admin_client.post("/admin/products/new", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "field-error" in html and message in html
    assert 'aria-invalid="true"' in html
    assert 'value="Apparel"' in html  # what the admin typed stays in the form
    assert product_count() == 0
    assert admin_logs() == []


def test_editing_the_price_marks_it_as_set_by_the_admin(admin_client, admin, make_product):
    product = make_product("Yoga Mat", coin_price=2500, stock_quantity=40)
    assert not product.price_set_by_admin
    url = f"/admin/products/{product.id}/edit"
    token = csrf_token(admin_client, url)
    data = form_data(title="Yoga Mat", category="Gear", coin_price=2400, stock_quantity=35)
    answer = admin_client.post(url, data={**data, "stock_seen": "40", "csrf_token": token})
    assert answer.status_code == 302

    saved = fresh(product.id)
    assert (saved.coin_price, saved.stock_quantity, saved.price_set_by_admin) == (2400, 35, True)
    (log,) = admin_logs()
    assert (log.admin_id, log.action, log.entity_id) == (
        admin.id,
        "product.update",
        str(product.id),
    )
    assert log.before["coin_price"] == 2500 and log.after["coin_price"] == 2400
    assert log.before["stock_quantity"] == 40 and log.after["stock_quantity"] == 35
    assert log.after["price_set_by_admin"] is True


def test_editing_other_fields_leaves_the_price_to_the_shopify_sync(admin_client, make_product):
    product = make_product("Yoga Mat", coin_price=2500, stock_quantity=40, category="Gear")
    url = f"/admin/products/{product.id}/edit"
    form_page = admin_client.get(url).get_data(as_text=True)
    assert 'name="stock_seen" type="hidden" value="40"' in form_page
    token = csrf_token(admin_client, url)
    data = form_data(title="Yoga Mat Pro", category="Gear", coin_price=2500, stock_quantity=40)
    admin_client.post(url, data={**data, "stock_seen": "40", "csrf_token": token})

    saved = fresh(product.id)
    assert saved.title == "Yoga Mat Pro" and not saved.price_set_by_admin
    (log,) = admin_logs()
    assert "coin_price" not in log.before and log.before["title"] == "Yoga Mat"


def test_a_stock_typed_over_a_checkout_in_between_is_refused(admin_client, make_product):
    product = make_product("Yoga Mat", stock_quantity=40)
    url = f"/admin/products/{product.id}/edit"
    token = csrf_token(admin_client, url)
    product.stock_quantity = 39  # an order reserved one while the admin was typing
    db.session.commit()
    data = form_data(title="Yoga Mat", category="Gear", coin_price=500, stock_quantity=50)
    answer = admin_client.post(url, data={**data, "stock_seen": "40", "csrf_token": token})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Stock changed from 40 to 39" in html
    assert fresh(product.id).stock_quantity == 39
    assert admin_logs() == []


def test_an_unchanged_stock_is_never_written_back(admin_client, make_product):
    product = make_product("Yoga Mat", stock_quantity=40)
    url = f"/admin/products/{product.id}/edit"
    token = csrf_token(admin_client, url)
    product.stock_quantity = 39
    db.session.commit()
    data = form_data(title="Yoga Mat", category="Gear", coin_price=650, stock_quantity=40)
    answer = admin_client.post(url, data={**data, "stock_seen": "40", "csrf_token": token})
    assert answer.status_code == 302
    saved = fresh(product.id)
    assert (saved.coin_price, saved.stock_quantity) == (650, 39)


def test_editing_a_missing_product_is_404(admin_client):
    assert admin_client.get("/admin/products/999/edit").status_code == 404


# --- deactivate / reactivate ---------------------------------------------------------------


def test_deactivate_and_reactivate_without_javascript(admin_client, admin, make_product):
    product = make_product("Yoga Mat")
    token = csrf_token(admin_client, "/admin/products")
    url = f"/admin/products/{product.id}/active"

    answer = admin_client.post(
        url, data={"csrf_token": token, "active": "0", "next": "/admin/products?q=yoga"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/products?q=yoga"
    assert not fresh(product.id).is_active

    admin_client.post(url, data={"csrf_token": token, "active": "1"})
    assert fresh(product.id).is_active

    logs = admin_logs()
    assert [log.action for log in logs] == ["product.deactivate", "product.activate"]
    assert logs[0].before == {"is_active": True} and logs[0].after == {"is_active": False}
    assert all(log.admin_id == admin.id and log.entity_id == str(product.id) for log in logs)


def test_deactivate_by_htmx_answers_the_new_row(admin_client, make_product):
    product = make_product("Yoga Mat")
    token = csrf_token(admin_client, "/admin/products")
    answer = admin_client.post(
        f"/admin/products/{product.id}/active",
        data={"csrf_token": token, "active": "0"},
        headers={"HX-Request": "true"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.lstrip().startswith(f'<tr id="product-{product.id}">')
    assert "Reactivate" in html and "inactive" in html


# --- import ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue(make_product):
    return {
        "mat": make_product("Yoga Mat", coin_price=2500, stock_quantity=40, category="Gear"),
        "socks": make_product("Running Socks", coin_price=600, stock_quantity=200),
        "bottle": make_product("Water Bottle", coin_price=800, stock_quantity=120),
    }


def csv_file(catalogue) -> str:
    mat = catalogue["mat"].id
    return (
        "id,title,category,coin_price,stock,is_active,image_url,colour\n"
        f"{mat},,,2400,35,,,blue\n"  # changed by id: price and stock
        ",Running Socks,,,150,no,,\n"  # changed by title: stock and active
        ",Water Bottle,Gear,800,120,,,\n"  # unchanged
        ",Trail Cap,Apparel,700,60,yes,https://img.example.com/cap.png,\n"  # new
        ",Free Lunch,Food,0,5,,,\n"  # invalid: price
        ",Bad Image,Gear,100,5,,javascript:alert(1),\n"  # invalid: image URL
        "999,Ghost,,100,,,,\n"  # invalid: unknown id
        ",Trail Cap,Apparel,900,1,,,\n"  # invalid: duplicate of line 5
        ",No Category,,100,1,,,\n"  # invalid: a new product needs a category
    )


def test_import_preview_lists_new_changed_unchanged_and_invalid_rows(admin_client, catalogue):
    answer = upload(admin_client, "catalogue.csv", csv_file(catalogue))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<strong>1</strong> new" in html
    assert "<strong>2</strong> changed" in html
    assert "<strong>1</strong> unchanged" in html
    assert "<strong>5</strong> invalid" in html
    assert "Coin price: <del>2500</del> → <ins>2400</ins>" in html
    assert "Stock: <del>40</del> → <ins>35</ins>" in html
    assert "Stock: <del>200</del> → <ins>150</ins>" in html
    assert "Active: <del>True</del> → <ins>False</ins>" in html
    assert "Coin price must be greater than 0." in html
    assert "Image URL must be an http:// or https:// address." in html
    assert "There is no product with id 999." in html
    assert "Line 5 already changes this product." in html
    assert "Category is required." in html
    assert "Ignored column: colour." in html
    assert "Apply 3 changes" in html
    # A preview changes nothing.
    assert fresh(catalogue["mat"].id).coin_price == 2500
    assert product_count() == 3
    assert admin_logs() == []


def test_confirming_applies_exactly_the_previewed_changes(admin_client, admin, catalogue):
    html = upload(admin_client, "catalogue.csv", csv_file(catalogue)).get_data(as_text=True)
    token = csrf_token(admin_client, "/admin/products")
    answer = admin_client.post(
        "/admin/products/import/confirm", data={"csrf_token": token, "token": import_token(html)}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/products"

    mat, socks, bottle = (fresh(catalogue[k].id) for k in ("mat", "socks", "bottle"))
    assert (mat.coin_price, mat.stock_quantity, mat.price_set_by_admin) == (2400, 35, True)
    assert (socks.stock_quantity, socks.is_active, socks.coin_price) == (150, False, 600)
    assert not socks.price_set_by_admin
    assert (bottle.coin_price, bottle.stock_quantity) == (800, 120)
    titles = set(db.session.execute(select(RewardProduct.title)).scalars())
    assert titles == {"Yoga Mat", "Running Socks", "Water Bottle", "Trail Cap"}
    cap = db.session.execute(
        select(RewardProduct).where(RewardProduct.title == "Trail Cap")
    ).scalar_one()
    assert (cap.category, cap.coin_price, cap.stock_quantity, cap.is_active) == (
        "Apparel",
        700,
        60,
        True,
    )
    assert cap.image_url == "https://img.example.com/cap.png"

    logs = admin_logs()
    assert all(log.admin_id == admin.id for log in logs)
    by_entity = {(log.action, log.entity_id): log for log in logs}
    assert set(by_entity) == {
        ("product.update", str(mat.id)),
        ("product.update", str(socks.id)),
        ("product.create", str(cap.id)),
        ("product.import", None),
    }
    assert by_entity[("product.update", str(mat.id))].before == {
        "coin_price": 2500,
        "stock_quantity": 40,
    }
    assert by_entity[("product.update", str(socks.id))].after == {
        "stock_quantity": 150,
        "is_active": False,
    }
    assert by_entity[("product.import", None)].after == {"created": 1, "updated": 2}
    assert "catalogue.csv" in by_entity[("product.import", None)].note


def test_a_json_file_nested_a_thousand_deep_is_a_form_error(admin_client, catalogue):
    answer = upload(admin_client, "feed.json", "[" * 1000 + "]" * 1000)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "nested too deeply" in html and 'id="file-error"' in html


def test_json_import_matches_by_sku_and_creates_with_defaults(admin_client, catalogue):
    catalogue["bottle"].sku = "WB-750"
    db.session.commit()
    document = {
        "products": [
            {"sku": "WB-750", "coin_price": 850, "description": "Now in green."},
            {"title": "Trail Cap", "category": "Apparel", "price": 700, "sku": "TC-1"},
        ]
    }
    html = upload(admin_client, "feed.json", json.dumps(document)).get_data(as_text=True)
    assert "<strong>1</strong> new" in html and "<strong>1</strong> changed" in html
    token = csrf_token(admin_client, "/admin/products")
    admin_client.post(
        "/admin/products/import/confirm", data={"csrf_token": token, "token": import_token(html)}
    )
    bottle = fresh(catalogue["bottle"].id)
    assert (bottle.coin_price, bottle.description) == (850, "Now in green.")
    cap = db.session.execute(select(RewardProduct).where(RewardProduct.sku == "TC-1")).scalar_one()
    assert (cap.stock_quantity, cap.is_active, cap.description) == (0, True, "")


def test_a_catalogue_change_after_the_preview_applies_nothing(admin_client, catalogue):
    html = upload(admin_client, "catalogue.csv", csv_file(catalogue)).get_data(as_text=True)
    catalogue["mat"].stock_quantity = 39  # a checkout between preview and confirm
    db.session.commit()
    token = csrf_token(admin_client, "/admin/products")
    answer = admin_client.post(
        "/admin/products/import/confirm",
        data={"csrf_token": token, "token": import_token(html)},
        follow_redirects=True,
    )
    assert "The catalogue changed since the preview" in answer.get_data(as_text=True)
    assert fresh(catalogue["mat"].id).coin_price == 2500
    assert product_count() == 3
    assert admin_logs() == []


def test_confirming_twice_applies_once(admin_client, catalogue):
    html = upload(admin_client, "catalogue.csv", csv_file(catalogue)).get_data(as_text=True)
    token = csrf_token(admin_client, "/admin/products")
    data = {"csrf_token": token, "token": import_token(html)}
    admin_client.post("/admin/products/import/confirm", data=data)
    admin_client.post("/admin/products/import/confirm", data=data)
    assert product_count() == 4
    assert len(admin_logs("product.import")) == 1


def test_a_tampered_preview_is_refused(admin_client, catalogue):
    html = upload(admin_client, "catalogue.csv", csv_file(catalogue)).get_data(as_text=True)
    signed = import_token(html)
    payload, _, signature = signed.partition(".")
    forged = "e30" + payload[3:] + "." + signature  # rows swapped for "{}", old signature
    token = csrf_token(admin_client, "/admin/products")
    answer = admin_client.post(
        "/admin/products/import/confirm",
        data={"csrf_token": token, "token": forged},
        follow_redirects=True,
    )
    assert "could not be verified" in answer.get_data(as_text=True)
    assert product_count() == 3
    assert admin_logs() == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("catalogue.txt", "title\nMat\n", "Upload a .json or .csv file."),
        ("feed.json", "[{", "The JSON is malformed"),
        ("feed.json", '{"title": "Mat"}', "JSON must be a list of products"),
        ("empty.csv", "", "The file is empty."),
        ("latin1.csv", "title\nCaf\xe9\n".encode("latin-1"), "The file must be UTF-8 text."),
    ],
)
def test_an_unreadable_file_shows_the_reason_inline(admin_client, name, content, message):
    answer = upload(admin_client, name, content)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html and "field-error" in html
    assert 'name="token"' not in html
