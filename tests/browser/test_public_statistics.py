"""The public statistics page in a real browser: a 360 px phone and a desktop, with and
without JavaScript, no CSP refusal; screenshots go to test-artifacts/."""

from __future__ import annotations

import os

import pytest

from complaints.services import complaint_create
from dashboard.reports.facts import facts_rebuild
from dispositions.services import disposition_route

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
PHONE = "0812-3456-7890"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_statistics_on_a_phone_and_desktop(browser, world, javascript):
    for channel, category in [
        ("whatsapp", world.road),
        ("whatsapp", world.road),
        ("web", world.garbage),
        ("web", world.streetlight),
    ]:
        c = complaint_create(
            channel=channel, text=f"Jalan rusak, hub {PHONE}", category=category, area=world.dago
        )
        disposition_route(complaint_id=c.pk)
    facts_rebuild()
    page = browser.new_page(mobile=True, javascript=javascript)
    page.set_viewport_size({"width": 360, "height": 760})
    page.goto("/")
    with page.expect_navigation():
        page.locator("#public-links").get_by_role("link", name="Statistik").click()
    assert page.url.endswith("/statistik/")
    assert page.locator("#volume-channel svg").count() == 1
    assert "WhatsApp" in page.locator("#volume-channel table").inner_text()
    assert PHONE not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.select_option("select[name=periode]", "tahun")
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert "periode=tahun" in page.url
    suffix = "" if javascript else "-nojs"
    browser.screenshot(page, f"public-statistics-phone{suffix}")
    desktop = browser.new_page(mobile=False, javascript=javascript)
    desktop.goto("/statistik/?periode=kuartal")
    assert desktop.locator("#akuntabilitas-agencies h3").count() == 1
    assert "WhatsApp" in desktop.locator("#volume-channel table").inner_text()
    browser.screenshot(desktop, f"public-statistics-desktop{suffix}")
    assert browser.js_errors == []
    assert browser.csp_violations == []
