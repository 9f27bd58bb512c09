"""The citizen answers "is it solved?" in a real browser without JavaScript: reopen, then rate."""

from __future__ import annotations

import pytest

from complaints.lifecycle import Actor
from complaints.models import Complaint, Status
from complaints.services import complaint_create
from dispositions import services
from dispositions.models import Disposition

pytestmark = pytest.mark.browser


def _resolve(complaint: Complaint, user, note: str) -> None:
    actor = Actor.for_user(user)
    services.disposition_start(complaint=complaint, actor=actor)
    services.disposition_resolve(complaint=complaint, actor=actor, note=note)


def test_a_citizen_reopens_then_confirms_with_stars(browser, world, staff_roads):
    complaint = complaint_create(
        channel="web", text="Jalan berlubang di Dago", category=world.road, area=world.dago
    )
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    _resolve(complaint, staff_roads, "Lubang sudah ditambal")

    page = browser.new_page(javascript=False)
    page.goto(f"/lacak/{complaint.public_token}/")
    assert page.locator("#followup h2").inner_text() == "Apakah masalahnya sudah selesai?"
    browser.screenshot(page, "followup-01-choices")

    page.locator("#reopen-form button[type=submit]").click()
    assert page.locator("#id_reopen-reason_errors").is_visible()
    page.fill("#id_reopen-reason", "Lubangnya muncul lagi setelah hujan")
    page.locator("#reopen-form button[type=submit]").click()
    page.wait_for_selector(".status-badge.status-red")
    assert "dibuka kembali" in page.locator(".messages").inner_text()
    browser.screenshot(page, "followup-02-reopened")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.agency) == (Status.ASSIGNED, world.roads_bdg)
    assert Disposition.objects.filter(reopen_of__isnull=False).count() == 1

    _resolve(complaint, staff_roads, "Ditambal ulang dengan aspal hotmix")
    page.goto(f"/lacak/{complaint.public_token}/")
    page.locator("label[for='id_confirm-score_3']").click()  # the fourth choice: 4 stars
    page.fill("#id_confirm-comment", "Sekarang rapi")
    page.locator("#confirm-form button[type=submit]").click()
    page.wait_for_selector("#rating")
    assert "4 dari 5 bintang" in page.locator("#rating").inner_text()
    assert page.locator("#followup").count() == 0
    browser.screenshot(page, "followup-03-closed-rated")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert browser.js_errors == []
