"""The report type on the citizen's form and the LAPOR! id on the staff page, in a browser."""

from __future__ import annotations

import os

import pytest

from complaints.models import Complaint, ReportType
from integrations.lapor.services import lapor_link
from integrations.models import LaporLink

from .test_staff import routed_complaint

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mobile", [True, False])
def test_the_citizen_picks_an_information_request(browser, world, mobile):
    page = browser.new_page(mobile=mobile)
    page.goto("/aduan/baru/")
    assert page.get_by_text("Jenis laporan").is_visible()
    page.get_by_label("Permintaan informasi").check()
    page.fill("#id_text", "Mohon info jadwal pengangkutan sampah di Kelurahan Dago.")
    browser.screenshot(page, f"report-type-form-{'phone' if mobile else 'desktop'}")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim aduan").click()
    assert Complaint.objects.get().report_type == ReportType.INFORMATION
    assert browser.js_errors == []


@pytest.mark.parametrize("mobile", [True, False])
def test_staff_see_the_lapor_id_and_type(browser, world, staff_roads, mobile):
    complaint = routed_complaint(world)
    lapor_link(complaint=complaint, lapor_id="LAP-2026-0099", direction=LaporLink.Direction.INBOUND)
    page = browser.new_page(mobile=mobile)
    browser.login(page, username="staff_roads")
    page.goto(f"/dashboard/aduan/{complaint.tracking_code}/")
    assert page.locator("#lapor-id").inner_text().endswith("LAP-2026-0099")
    assert page.locator("#report-type").inner_text() == "Pengaduan"
    browser.screenshot(page, f"lapor-staff-{'phone' if mobile else 'desktop'}")
