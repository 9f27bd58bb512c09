"""A citizen in a real browser: send a complaint with photos, get the code, watch it move."""

from __future__ import annotations

import re

import pytest

from complaints.lifecycle import Actor
from complaints.models import Complaint, Status
from dispositions.services import disposition_start
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.browser

TEXT = "Jalan berlubang besar di depan SDN 3 Sukarasa, motor sering jatuh saat hujan."


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": make_image_bytes(size=(800, 600))}


def test_a_citizen_sends_a_complaint_and_watches_it(browser, world, staff_roads):
    page = browser.new_page()
    page.goto("/")
    browser.screenshot(page, "citizen-01-home")
    page.get_by_role("link", name="Kirim aduan").first.click()

    page.fill("#id_text", TEXT)
    page.select_option("#id_category", str(world.road.pk))
    # Each choice fetches the next level from the areas API and fills the select below.
    page.select_option("#id_province", world.jabar.code)
    page.wait_for_selector(f"#id_regency option[value='{world.bandung.code}']", state="attached")
    page.select_option("#id_regency", world.bandung.code)
    page.wait_for_selector(f"#id_district option[value='{world.sukasari.code}']", state="attached")
    page.select_option("#id_district", world.sukasari.code)
    page.wait_for_selector(f"#id_village option[value='{world.sukarasa.code}']", state="attached")
    page.select_option("#id_village", world.sukarasa.code)
    page.fill("#id_address", "Depan SDN 3")
    page.fill("#id_latitude", "-6.880000")
    page.fill("#id_longitude", "107.600000")
    page.set_input_files("#id_photos", [photo("jalan-1.jpg"), photo("jalan-2.jpg")])
    page.wait_for_selector("#photo-preview li:nth-child(2)")
    page.fill("#id_phone", "081234567890")
    browser.screenshot(page, "citizen-02-form-filled")

    page.get_by_role("button", name="Kirim aduan").click()
    page.wait_for_url(re.compile(r"/aduan/terkirim/"))
    complaint = Complaint.objects.get()
    assert page.locator("#tracking-code").inner_text() == complaint.tracking_code
    assert page.locator("#track-url").inner_text().endswith(f"/lacak/{complaint.public_token}/")
    assert complaint.attachments.count() == 2
    assert complaint.area == world.sukarasa
    browser.screenshot(page, "citizen-03-receipt")

    page.get_by_role("link", name="Pantau aduan saya").click()
    page.wait_for_url(re.compile(r"/lacak/"))
    assert "Dinas Bina Marga Kota Bandung" in page.locator("#live").inner_text()
    assert page.locator(".status-badge.status-red").first.is_visible()
    assert page.locator(".thumbs img").count() == 2
    assert "081234567890" not in page.content()
    browser.screenshot(page, "citizen-04-tracking-red")

    # The agency starts work; the open page turns yellow by itself.
    disposition_start(complaint=complaint, actor=Actor.for_user(staff_roads))
    assert Complaint.objects.get().status == Status.IN_PROGRESS
    page.wait_for_selector("#live .status-badge.status-yellow", timeout=25_000)
    browser.screenshot(page, "citizen-05-tracking-yellow")
    assert browser.js_errors == []


def test_the_area_selects_work_without_javascript(browser, world):
    # Many phones here run in English; the page still answers in Indonesian.
    page = browser.new_page(javascript=False, locale="en-US")
    page.goto("/aduan/baru/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.fill("#id_text", TEXT)
    page.select_option("#id_province", world.jabar.code)
    page.get_by_role("button", name="Tampilkan pilihan wilayah").click()
    page.select_option("#id_regency", world.bandung.code)
    page.get_by_role("button", name="Tampilkan pilihan wilayah").click()
    options = page.locator("#id_district option").all_inner_texts()
    assert "Sukasari" in options
    assert "Coblong" in options
    assert page.locator("#id_text").input_value() == TEXT
    assert page.locator(".errorlist").count() == 0
    browser.screenshot(page, "citizen-06-form-no-js")


def test_a_bad_photo_on_a_desktop_in_english_keeps_the_good_one(browser, world):
    page = browser.new_page(mobile=False)
    page.goto("/aduan/baru/")
    page.locator(".lang-switch button[value='en']").click()
    page.wait_for_selector("html[lang='en']")
    page.fill("#id_text", TEXT)
    fake = {"name": "x.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture at all"}
    page.set_input_files("#id_photos", [photo("good.jpg"), fake])
    page.get_by_role("button", name="Send complaint").click()

    page.wait_for_selector("#error-summary")
    assert "x.jpg" in page.locator("#error-summary").inner_text()
    assert page.locator("#id_text").input_value() == TEXT
    assert page.locator(".kept-photos img").count() == 1
    browser.screenshot(page, "citizen-07-form-error-desktop-en")

    page.get_by_role("button", name="Send complaint").click()
    page.wait_for_url(re.compile(r"/aduan/terkirim/"))
    assert [a.original_name for a in Complaint.objects.get().attachments.all()] == ["good.jpg"]
    assert browser.js_errors == []
