"""The shop on a phone in real Chromium: every shop page fits 360 px with no sideways
scroll; wishing, saving toward a goal, reviewing and moderating work by tapping."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.backoffice import events
from app.catalog import reviews, wishlist
from app.extensions import db
from app.models.base import utcnow
from app.models.orders import Order
from app.orders import cart
from tests.browser.conftest import sign_in_admin
from tests.catalog.test_reviews import deliver
from tests.fixtures.sign_in import sign_in_page

SMALL_PHONE = {"width": 360, "height": 740}
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
CATEGORIES = ("Electronics", "Apparel & Shoes", "Home and Kitchen", "Fitness Gear", "Gift Cards")


def fits(page: Page, path: str) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert page.evaluate(FITS), f"{path} is {width} px wide on a 360 px screen"


def test_every_shop_page_fits_a_360_px_screen(page: Page, member, make_member, make_product):
    for category in CATEGORIES:
        make_product(f"A {category} reward", category=category, coin_price=700)
    mat = make_product(
        "Extra-long premium non-slip yoga and pilates mat", category="Fitness Gear", coin_price=300
    )
    deliver(member.id, mat.id)
    other = make_member(full_name="Ola Otherwalker")
    deliver(other.id, mat.id)
    reviews.save_review(other.id, mat.id, 2, "Unbrokenwordthatgoesonandonwithoutanyspaces" * 3)
    reviews.save_review(member.id, mat.id, 5, "Grippy and thick.\nWorth every step.")
    wishlist.set_goal(member.id, mat.id)
    wishlist.add(member.id, make_product("Sold out socks", stock_quantity=0).id)
    cart.add(member.id, mat.id, 1)
    code = db.session.execute(
        select(Order.order_code).where(Order.user_id == member.id)
    ).scalar_one()
    db.session.commit()
    page.set_viewport_size(SMALL_PHONE)
    sign_in_page(page, member.email)

    for path in (
        "/rewards",
        "/rewards?category=Fitness+Gear",
        f"/rewards/{mat.id}",
        f"/rewards/{mat.id}/review",
        "/cart",
        "/checkout",
        "/orders",
        f"/orders/{code}",
        "/wishlist",
        "/dashboard",
    ):
        fits(page, path)


def test_the_category_chips_scroll_inside_the_page_at_390_px(page: Page, member, make_product):
    for category in CATEGORIES:
        make_product(category=category)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, member.email)
    fits(page, "/rewards")
    chips = page.locator("fieldset.chips")
    assert chips.evaluate("el => el.scrollWidth > el.clientWidth")  # they scroll, in place


def test_a_member_wishes_saves_toward_and_reviews_by_tapping(page: Page, member, make_product):
    earbuds = make_product("Earbuds", coin_price=50_000)
    bottle = make_product("Bottle", coin_price=400)
    deliver(member.id, bottle.id)
    db.session.commit()
    page.set_viewport_size(SMALL_PHONE)
    sign_in_page(page, member.email)

    page.goto(f"/rewards/{earbuds.id}")
    page.get_by_role("button", name="Add to wishlist").click()
    expect(page.get_by_text("“Earbuds” is on your wishlist.")).to_be_visible()
    page.get_by_role("button", name="Save toward this").click()
    expect(page.get_by_text("Your saving goal")).to_be_visible()
    page.goto("/dashboard")
    expect(page.locator("#goal-card")).to_contain_text("coins to go")
    expect(page.locator("#goal-card")).to_contain_text("Earbuds")

    page.goto(f"/rewards/{bottle.id}")
    page.get_by_role("link", name="Write a review").click()
    page.get_by_label("4 stars").check()
    page.get_by_label("Your review (optional)").fill("Keeps water <cold>.")
    page.get_by_role("button", name="Post review").click()
    expect(page).to_have_url(re.compile(rf"/rewards/{bottle.id}#reviews$"))
    expect(page.locator(".review-body")).to_have_text("Keeps water <cold>.")
    expect(page.locator(".review-summary")).to_contain_text("4.0 out of 5 · 1 review")
    assert page.evaluate(FITS)


def test_an_admin_hides_a_reported_review_on_a_phone(
    page: Page, admin, member, make_member, make_product
):
    mat = make_product("Mat")
    author = make_member(full_name="Rex Rude")
    deliver(author.id, mat.id)
    review, _ = reviews.save_review(author.id, mat.id, 1, "Nasty words here")
    reviews.report(member.id, review.id, "insults")
    db.session.commit()
    page.set_viewport_size(SMALL_PHONE)
    sign_in_admin(page, admin)

    page.goto("/admin/reviews")
    expect(page.locator(f"#review-{review.id}")).to_contain_text("1 open report")
    assert page.evaluate(FITS)
    page.get_by_label("Rule it breaks").fill("Insults")
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_text("The review is hidden.")).to_be_visible()
    expect(page.get_by_text("No reported reviews")).to_be_visible()
    page.goto("/admin/reviews?show=hidden")
    expect(page.locator(f"#review-{review.id}")).to_contain_text("hidden: Insults")
    assert page.evaluate(FITS)


def test_the_shop_funnel_draws_on_the_analytics_page_on_a_phone(page: Page, admin, member):
    now = utcnow()
    events.write_batch(
        [
            {"user_id": member.id, "event_type": kind, "platform": "web", "created_at": now}
            for kind in (events.REWARD_VIEWED, events.ADDED_TO_CART)
        ]
    )
    db.session.commit()
    page.set_viewport_size(SMALL_PHONE)
    sign_in_admin(page, admin)
    page.goto("/admin/analytics")
    funnel = page.locator("#shop-funnel")
    expect(funnel).to_contain_text("Viewed a reward")
    expect(funnel).to_contain_text("100.0%")
    page.wait_for_function(
        "() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')]"
        ".some(c => Chart.getChart(c) && c.dataset.chart.includes('Started checkout'))"
    )
    assert page.evaluate(FITS)
