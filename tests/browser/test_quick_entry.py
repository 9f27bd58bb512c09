"""An operator takes a hotline call in a real browser: keyboard first, photo, tracking code."""

from __future__ import annotations

import os

import pytest

from channels_intake.models import InboundMessage
from complaints.models import Channel, Complaint
from tests.conftest import make_image_bytes

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def test_an_operator_enters_a_hotline_call_with_a_photo_and_reads_the_code(
    browser, world, operator
):
    page = browser.new_page(mobile=False)
    browser.login(page, username="operator")
    page.get_by_role("link", name="Entri cepat").click()
    page.wait_for_selector("#quick-entry-form")
    # The phone field has the focus: the operator types the number as the call starts.
    # (Waited for, not read at once: on a busy machine focus lands after the form appears.)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_phone'")
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.type("0812 3456 7890")
    page.fill("#id_name", "Bu Siti")
    page.fill("#id_text", "Lampu jalan mati di Jl. Dago depan SDN 3 sejak tiga hari.")
    # The same area picker as the citizen form, filled from the areas API.
    page.select_option("#id_province", "32")
    page.wait_for_selector("#id_regency option[value='32.73']", state="attached")
    page.select_option("#id_regency", "32.73")
    page.wait_for_selector("#id_district option[value='32.73.02']", state="attached")
    page.select_option("#id_district", "32.73.02")
    page.wait_for_selector("#id_village option[value='32.73.02.1004']", state="attached")
    page.select_option("#id_village", "32.73.02.1004")
    page.set_input_files(
        "#id_photos",
        files=[
            {"name": "lampu.jpg", "mimeType": "image/jpeg", "buffer": make_image_bytes()},
            {"name": "rusak.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"},
        ],
    )
    browser.screenshot(page, "desk-quick-entry")

    # A bad photo: a readable error, the rest of the form still filled in.
    with page.expect_navigation():
        page.locator("#id_text").press("Control+Enter")
    page.wait_for_selector("#error-summary")
    assert "rusak.jpg" in page.locator("#error-summary").inner_text()
    assert page.input_value("#id_phone") == "0812 3456 7890"
    assert page.input_value("#id_village") == "32.73.02.1004"
    assert not Complaint.objects.exists()
    browser.screenshot(page, "desk-quick-entry-bad-photo")

    page.set_input_files(
        "#id_photos",
        files=[{"name": "lampu.jpg", "mimeType": "image/jpeg", "buffer": make_image_bytes()}],
    )
    with page.expect_navigation():
        page.locator("#id_text").press("Control+Enter")
    page.wait_for_selector(".messages .success")
    complaint = Complaint.objects.get()
    message = page.locator(".messages .success").inner_text()
    assert f"Bacakan kode lacak kepada warga: {complaint.tracking_code}" in message
    assert page.url.endswith(f"/dashboard/aduan/{complaint.tracking_code}/")
    browser.screenshot(page, "desk-quick-entry-saved")

    assert complaint.channel == Channel.HOTLINE
    assert complaint.area == world.dago
    assert complaint.attachments.count() == 1
    assert complaint.reporter.phone == "+6281234567890"
    assert InboundMessage.objects.get().complaint == complaint
    assert browser.js_errors == []
