"""A supervisor in a real browser starts a large export (threshold lowered), watches its
progress page, and downloads the file a real Celery worker wrote.

With JavaScript the page polls its status and reveals the link; without it the page
refreshes itself until the file is ready.
"""

from __future__ import annotations

import os

import pytest

from complaints.services import complaint_create
from dashboard.models import ExportJob
from dispositions.services import disposition_route
from tests.test_real_worker import start_worker  # noqa: F401 - the fixture

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def exports(settings, tmp_path):
    """The worker writes under SIGAP_VAR_DIR (tmp_path/var); the live server reads there."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "var" / "exports")},
        },
    }
    settings.EXPORT_ASYNC_ROWS = 3


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_supervisor_starts_a_large_export_watches_it_and_downloads_it(
    browser,
    world,
    supervisor,
    exports,
    start_worker,  # noqa: F811
    javascript,
):
    codes = set()
    for channel in ("whatsapp", "web", "sms", "whatsapp", "web"):
        c = complaint_create(channel=channel, text="Jalan rusak", category=world.road,
                             area=world.dago)  # fmt: skip
        disposition_route(complaint_id=c.pk)
        codes.add(c.tracking_code)
    page = browser.new_page(mobile=not javascript, javascript=javascript)
    browser.login(page, username="supervisor")
    page.goto("/dashboard/?status=all")
    start_worker()
    with page.expect_navigation():
        page.get_by_role("link", name="Unduh CSV").click()
    job = ExportJob.objects.get()
    assert page.url.endswith(f"/dashboard/ekspor/{job.pk}/")
    assert page.locator("#export-progress").count() == 1
    name = f"export-job-{'js' if javascript else 'nojs'}"
    browser.screenshot(page, f"{name}-started")

    # The worker finishes; the script (or the page's own refresh) shows the link.
    page.locator("#export-download").wait_for(state="visible", timeout=60_000)
    assert "5 dari 5 baris" in page.locator("#export-progress-text").inner_text()
    browser.screenshot(page, f"{name}-ready")
    with page.expect_download() as download:
        page.locator("#export-download").click()
    text = download.value.path().read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Kode aduan,Diterima,Kanal,Jenis laporan")
    assert {line.split(",", 1)[0] for line in lines[1:]} == codes
    assert download.value.suggested_filename.startswith("sigap-aduan-")
    assert browser.js_errors == [] and browser.csp_violations == []
