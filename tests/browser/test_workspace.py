"""An operator's day in a real browser: find, filter, move with the keyboard, bulk-reject."""

from __future__ import annotations

import os

import pytest

from complaints.models import Complaint, RejectionReason, Status
from complaints.services import complaint_create
from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

TEXTS = [
    "Sampah menumpuk di pinggir jalan Dago, bau sekali sudah seminggu tidak diangkut.",
    "Lampu jalan mati di depan masjid, gelap dan rawan kalau malam.",
    "Pohon tumbang menutup trotoar di Jl. Ir. H. Juanda, pejalan kaki turun ke jalan.",
]


def triage_complaints(world) -> list[Complaint]:
    made = [
        complaint_create(
            channel="web",
            text=text,
            area=world.dago,
            reporter_name="Warga",
            reporter_phone="081200000001",
            photos=[],
        )
        for text in TEXTS
    ]
    for c in made:
        c.refresh_from_db()
    return made


def test_an_operator_searches_filters_and_moves_with_the_keyboard(browser, world, operator):
    made = triage_complaints(world)
    page = browser.new_page(mobile=False)
    browser.login(page, username="operator")

    # A word with a typo still finds the complaint ("sampa" for "sampah").
    page.fill("#id_q", "sampah dago")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    browser.screenshot(page, "workspace-search-desktop")
    assert page.locator(f"#queue tr[data-code='{made[0].tracking_code}']").is_visible()
    assert "q=sampah" in page.url
    browser.screenshot(page, "workspace-search-desktop")

    page.goto("/dashboard/?status=all")
    assert page.locator("#queue tbody tr").count() >= 3
    page.keyboard.press("?")
    assert page.locator("#keyboard-help").is_visible()
    browser.screenshot(page, "workspace-keyboard-help")
    page.keyboard.press("Escape")
    assert not page.locator("#keyboard-help").is_visible()

    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator("#queue tr.is-current").count() == 1
    second = page.locator("#queue tbody tr").nth(1).get_attribute("data-code")
    assert page.locator("#queue tr.is-current").get_attribute("data-code") == second
    page.keyboard.press("x")
    assert page.locator(f"#pick-{second}").is_checked()
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "/dashboard/aduan/" in page.url

    # On a complaint: "r" opens the rejection form; "u" goes back to the queue.
    page.keyboard.press("r")
    browser.screenshot(page, "workspace-detail-reject-key")
    assert page.locator("#action-reject").get_attribute("open") is not None
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("u")
    page.wait_for_selector("#queue")
    assert browser.js_errors == []


def test_an_operator_bulk_rejects_two_duplicates_with_a_reason_template(browser, world, operator):
    made = triage_complaints(world)
    reason = RejectionReason.objects.create(
        title="Duplikat",
        text="Aduan ini sama dengan aduan lain yang sudah kami tangani.",
    )
    page = browser.new_page(mobile=False)
    browser.login(page, username="operator")
    page.goto("/dashboard/?status=all")
    for c in made[1:]:
        page.check(f"#pick-{c.tracking_code}")
    page.locator("#bulk-bar summary").click()
    page.select_option("#bulk-action", "reject")
    page.select_option("#bulk-reason-template", str(reason.pk))
    assert page.input_value("#bulk-reason") == reason.text
    browser.screenshot(page, "workspace-bulk-reject")
    with page.expect_navigation():
        page.click("#bulk-submit")
    page.wait_for_selector(".messages .bulk-done")
    for c in made[1:]:
        c.refresh_from_db()
        assert c.status == Status.REJECTED
    made[0].refresh_from_db()
    assert made[0].status != Status.REJECTED


def test_the_queue_reads_on_a_phone(browser, world, operator):
    triage_complaints(world)
    page = browser.new_page(mobile=True)
    page.set_viewport_size({"width": 360, "height": 780})
    browser.login(page, username="operator")
    page.goto("/dashboard/?status=all")
    assert page.locator("#queue tbody tr").count() >= 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    browser.screenshot(page, "workspace-queue-360")
    page.locator(".queue-more summary").click()
    browser.screenshot(page, "workspace-filters-360")


def test_no_page_breaks_the_content_security_policy(browser, world, operator, admin_user):
    complaint = triage_complaints(world)[0]
    page = browser.new_page(mobile=False)
    # The listener hears a refusal: an inline script added to the page is blocked.
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.ran") is None
    assert len(browser.csp_violations) == 1
    browser.csp_violations.clear()
    for url in ("/", "/aduan/baru/", "/aduan/", "/aduan/peta/", "/lacak/", "/login/", "/api/docs/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    browser.login(page, username="operator")
    for url in (
        "/dashboard/",
        f"/dashboard/aduan/{complaint.tracking_code}/",
        "/dashboard/entri-cepat/",
        "/dashboard/pelapor/",
        "/dashboard/kotak-masuk/",
        "/dashboard/kotak-keluar/",
        "/dashboard/peta/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    admin = browser.new_page(mobile=False)
    browser.login(admin, username="admin")
    for url in ("/admin/", "/admin/complaints/complaint/", "/admin/complaints/auditentry/"):
        admin.goto(url)
        admin.wait_for_load_state("networkidle")
    assert browser.csp_violations == []
    assert browser.js_errors == []


@pytest.mark.two_factor
def test_an_operator_signs_in_with_a_code_from_the_authenticator(browser, world, operator):
    from complaints.two_factor import demo_totp_device, totp_code_now

    demo_totp_device(user=operator)
    page = browser.new_page(mobile=True)
    page.goto("/dashboard/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_selector("#otp-verify")
    assert "/login/kode/" in page.url
    browser.screenshot(page, "workspace-otp-code-phone")
    page.fill("#id_token", totp_code_now())
    with page.expect_navigation():
        page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_selector("#queue-filters")
    assert page.url.endswith("/dashboard/")
    assert browser.csp_violations == []
