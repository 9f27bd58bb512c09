"""Agency staff in a real browser: log in, open the queue, accept, start, resolve with a photo."""

from __future__ import annotations

import os

import pytest

from complaints.models import Attachment, Complaint, Status
from complaints.selectors import complaint_by_token, complaint_public_view
from complaints.services import complaint_create
from dispositions.services import disposition_route
from tests.conftest import make_image_bytes

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def routed_complaint(world, **extra) -> Complaint:
    complaint = complaint_create(
        channel="whatsapp",
        text="Jalan berlubang besar di depan SDN 3 Dago, sudah dua minggu, bahaya untuk motor.",
        category=world.road,
        area=world.dago,
        address="Jl. Ir. H. Juanda depan SDN 3",
        latitude=-6.8853,
        longitude=107.6131,
        reporter_name="Siti Rahma",
        reporter_phone="081234567890",
        photos=[],
        **extra,
    )
    disposition_route(complaint_id=complaint.pk)  # a no-op if the after-commit hook routed it
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    return complaint


def test_agency_staff_accept_start_and_resolve_with_evidence(browser, world, staff_roads):
    complaint = routed_complaint(world)
    other = routed_complaint(world, is_anonymous=True)
    page = browser.new_page(mobile=False)

    browser.login(page, username="staff_roads")
    assert page.url.endswith("/dashboard/")
    row = page.locator(f"#queue tr[data-code='{complaint.tracking_code}']")
    assert row.is_visible()
    assert page.locator(f"#queue tr[data-code='{other.tracking_code}']").is_visible()
    browser.screenshot(page, "staff-queue")

    row.locator("a.queue-link").click()
    page.wait_for_selector("#status-badge")
    assert page.locator("#status-badge").get_attribute("data-colour") == "red"
    browser.screenshot(page, "staff-detail-assigned")

    page.fill("#id_accept-note", "Diterima, tim survei berangkat besok pagi.")
    page.locator("#action-accept button[type=submit]").click()
    page.wait_for_selector(".messages .success")
    assert page.locator("#action-accept").count() == 0

    page.locator("#action-start button[type=submit]").click()
    page.wait_for_selector("#action-resolve")
    assert page.locator("#status-badge").get_attribute("data-colour") == "yellow"

    # Without a photo the browser holds the form back; past that, the server says why.
    page.fill("#id_resolve-note", "Lubang sudah ditambal dengan aspal hotmix.")
    assert page.locator("#id_resolve-evidence:invalid").count() == 1
    page.eval_on_selector("#action-resolve", "form => { form.noValidate = true; }")
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_selector("#action-resolve.has-errors")
    errors = page.locator("#action-resolve .errorlist").inner_text()
    assert "Lampirkan minimal satu foto hasil pekerjaan." in errors
    browser.screenshot(page, "staff-detail-resolve-error")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS

    page.fill("#id_resolve-note", "Lubang sudah ditambal dengan aspal hotmix.")
    page.set_input_files(
        "#id_resolve-evidence",
        files=[{"name": "setelah.jpg", "mimeType": "image/jpeg", "buffer": make_image_bytes()}],
    )
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_selector("#evidence img")
    assert page.locator("#status-badge").get_attribute("data-colour") == "green"
    browser.screenshot(page, "staff-detail-resolved")

    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    assert complaint.attachments.filter(kind=Attachment.Kind.EVIDENCE).count() == 1
    assert complaint_public_view(complaint_by_token(complaint.public_token)).colour == "green"

    page.goto(f"/lacak/{complaint.public_token}/")
    assert page.locator(".status-badge.status-green").first.is_visible()
    browser.screenshot(page, "staff-public-tracking-green")


def test_the_staff_pages_work_on_a_phone(browser, world, staff_roads, operator):
    complaint = routed_complaint(world, is_anonymous=True)
    page = browser.new_page(mobile=True)
    page.goto("/login/")
    page.fill("#id_username", "staff_roads")
    page.fill("#id_password", "wrong-password")
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_selector(".error-summary")
    assert "Gagal masuk" in page.locator(".error-summary").inner_text()
    browser.screenshot(page, "staff-login-error-phone")

    browser.login(page, username="staff_roads")
    browser.screenshot(page, "staff-queue-phone")
    page.goto(f"/dashboard/aduan/{complaint.tracking_code}/")
    assert page.locator("#reporter-hidden").is_visible()
    assert "Siti Rahma" not in page.content()
    browser.screenshot(page, "staff-detail-phone")


def test_another_agency_sees_not_found(browser, world, staff_env):
    complaint = routed_complaint(world)
    page = browser.new_page(mobile=False)
    browser.login(page, username="staff_env")
    assert page.locator(f"#queue tr[data-code='{complaint.tracking_code}']").count() == 0
    response = page.goto(f"/dashboard/aduan/{complaint.tracking_code}/")
    assert response.status == 404
