"""The public list and map and the staff map in a real browser, on a phone and a desktop,
with and without JavaScript; screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import re

import pytest

from complaints.lifecycle import Actor
from complaints.services import complaint_create
from dispositions.services import disposition_route, disposition_start

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
PHONE = "0812-3456-7890"


@pytest.fixture(autouse=True)
def _plain_map(settings):
    # No tile server in tests: the points sit on a plain background.
    settings.MAP_TILE_URL = ""
    settings.MAP_CENTER = "-6.885,107.615,14"


def seed(world, staff_roads):
    spots = [
        ("Jalan berlubang besar depan SDN 3, hub " + PHONE, world.road, -6.8853, 107.6131),
        ("Sampah menumpuk di pinggir sungai", world.garbage, -6.8871, 107.6182),
        ("Lampu jalan mati sepanjang Jl. Dago", world.streetlight, -6.8812, 107.6120),
        ("Jalan retak dekat halte", world.road, -6.8855, 107.6133),
    ]
    made = []
    for text, category, lat, lon in spots:
        c = complaint_create(
            channel="web",
            text=text,
            category=category,
            area=world.dago,
            latitude=lat,
            longitude=lon,
        )
        disposition_route(complaint_id=c.pk)
        c.refresh_from_db()
        made.append(c)
    disposition_start(complaint=made[0], actor=Actor.for_user(staff_roads))
    secret = complaint_create(
        channel="web",
        text="Rahasia pungli",
        category=world.road,
        area=world.dago,
        latitude=-6.884,
        longitude=107.614,
        is_confidential=True,
    )
    return made, secret


def test_public_list_and_map_on_a_phone_and_desktop(browser, world, staff_roads):
    _made, secret = seed(world, staff_roads)
    page = browser.new_page(mobile=True)
    page.set_viewport_size({"width": 360, "height": 760})
    page.goto("/aduan/")
    assert page.locator(".public-row").count() == 4
    assert PHONE not in page.content() and secret.tracking_code not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser.screenshot(page, "public-list-phone")

    page.goto("/aduan/peta/")
    page.wait_for_selector("#complaint-map[data-loaded]")
    assert page.locator(".map-cluster").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser.screenshot(page, "public-map-phone")

    desktop = browser.new_page(mobile=False)
    desktop.goto("/aduan/peta/")
    desktop.wait_for_selector("#complaint-map[data-loaded]")
    browser.screenshot(desktop, "public-map-desktop")
    # A single complaint's marker (no count on it) opens its read-only public page.
    single = desktop.locator(".map-cluster").filter(has_not_text=re.compile(r"\d")).first
    with desktop.expect_navigation():
        single.click()
    assert re.search(r"/aduan/[0-9A-Z]{4}-[0-9A-Z]{4}/$", desktop.url)
    assert PHONE not in desktop.content()
    browser.screenshot(desktop, "public-detail-desktop")
    assert browser.js_errors == []


def test_without_javascript_the_map_page_is_a_list(browser, world, staff_roads):
    seed(world, staff_roads)
    page = browser.new_page(mobile=True, javascript=False)
    page.goto("/aduan/peta/")
    assert not page.locator("#complaint-map").is_visible()
    assert page.locator(".public-row").count() == 4
    page.select_option("#f-status", "yellow")
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert page.locator(".public-row").count() == 1
    browser.screenshot(page, "public-map-nojs-phone")


def test_staff_map_shows_only_the_agency(browser, world, staff_roads, staff_env):
    seed(world, staff_roads)
    page = browser.new_page(mobile=False)
    browser.login(page, username="staff_env")
    page.goto("/dashboard/peta/?status=open")
    page.wait_for_selector("#complaint-map[data-loaded]")
    total = page.evaluate(
        "Array.from(document.querySelectorAll('.map-cluster')).reduce("
        "(n, el) => n + (parseInt(el.textContent, 10) || 1), 0)"
    )
    assert total == 1  # the garbage complaint only
    browser.screenshot(page, "staff-map-desktop")
    phone = browser.new_page(mobile=True)
    browser.login(phone, username="staff_env")
    phone.goto("/dashboard/peta/?status=open")
    phone.wait_for_selector("#complaint-map[data-loaded]")
    browser.screenshot(phone, "staff-map-phone")
    assert browser.js_errors == []
