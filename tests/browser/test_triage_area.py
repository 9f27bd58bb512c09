"""The triage page's area picker in Chromium: with JavaScript off, one submit per level
walks provinsi > kota > kecamatan > kelurahan on the server, then the complaint is sent;
with it on, the same selects fill themselves and the per-level buttons are hidden."""

from __future__ import annotations

import os

import pytest

from complaints.models import Status
from complaints.services import complaint_create
from dispositions.services import disposition_route

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def triage_without_area(world):
    complaint = complaint_create(channel="hotline", text="Puskesmas tutup", category=world.health)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    return complaint


def test_an_operator_picks_the_area_level_by_level_without_javascript(browser, world, operator):
    complaint = triage_without_area(world)
    page = browser.new_page(javascript=False, mobile=True)
    browser.login(page, username="operator")
    page.goto(f"/dashboard/aduan/{complaint.tracking_code}/")
    form = page.locator("#action-assign")
    form.locator("#id_assign-note").fill("Warga menelepon, lokasi di Dago")

    page.select_option("#id_assign-province", "32")
    with page.expect_navigation():
        form.get_by_role("button", name="Tampilkan kabupaten/kota").click()
    page.select_option("#id_assign-regency", "32.73")
    with page.expect_navigation():
        form.get_by_role("button", name="Tampilkan kecamatan").click()
    page.select_option("#id_assign-district", "32.73.02")
    with page.expect_navigation():
        form.get_by_role("button", name="Tampilkan kelurahan/desa").click()
    assert page.locator("#id_assign-village option").all_inner_texts()[1:] == ["Dago"]
    assert page.locator("#id_assign-note").input_value() == "Warga menelepon, lokasi di Dago"
    page.select_option("#id_assign-village", "32.73.02.1004")
    page.select_option("#id_assign-agency", str(world.roads_bdg.pk))
    browser.screenshot(page, "triage-area-no-js")
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE  # the level buttons sent nothing

    with page.expect_navigation():
        form.locator("button.button-primary").click()

    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.area == world.dago
    assert complaint.agency == world.roads_bdg
    assert browser.js_errors == []


def test_with_javascript_the_selects_fill_themselves(browser, world, operator):
    complaint = triage_without_area(world)
    page = browser.new_page(javascript=True, mobile=False)
    browser.login(page, username="operator")
    page.goto(f"/dashboard/aduan/{complaint.tracking_code}/")

    assert page.locator("#area-next-province").is_hidden()
    page.select_option("#id_assign-province", "32")
    page.wait_for_function("document.querySelectorAll('#id_assign-regency option').length > 2")
    assert "KOTA BANDUNG" in page.locator("#id_assign-regency option").all_inner_texts()
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    assert browser.js_errors == [] and browser.csp_violations == []
