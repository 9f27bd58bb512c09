"""A supervisor in a real browser: open a report, change the period, download the CSV."""

from __future__ import annotations

import os

import pytest

from complaints.services import complaint_create
from dashboard.reports.facts import facts_rebuild
from dispositions.services import disposition_route

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mobile", [True, False], ids=["phone", "desktop"])
def test_supervisor_reads_a_report_and_downloads_it(browser, world, supervisor, mobile):
    for channel in ("whatsapp", "whatsapp", "web"):
        c = complaint_create(
            channel=channel, text="Jalan rusak", category=world.road, area=world.dago
        )
        disposition_route(complaint_id=c.pk)
    facts_rebuild()
    page = browser.new_page(mobile=mobile)
    browser.login(page, username="supervisor")
    page.goto("/dashboard/laporan/volume/")
    assert page.locator("#channel svg").count() == 1
    assert "WhatsApp" in page.locator("#channel table").inner_text()
    page.select_option("select[name=periode]", "tahun")
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert "periode=tahun" in page.url
    browser.screenshot(page, f"report-volume-{'phone' if mobile else 'desktop'}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "WhatsApp,2" in text
    assert browser.js_errors == []
