"""The tracking page after "resolved": confirm with stars, reopen with a reason, see the rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from complaints.lifecycle import Actor
from complaints.models import Complaint, ComplaintEvent, Rating, Status
from complaints.selectors import latest_resolution
from dispositions import services
from dispositions.models import Disposition
from tests.complaints.test_tracking_page import assert_no_reporter, make_complaint, page

pytestmark = pytest.mark.django_db


def _resolved(world, staff_roads, django_capture_on_commit_callbacks, **extra) -> Complaint:
    complaint = make_complaint(world, django_capture_on_commit_callbacks, **extra)
    actor = Actor.for_user(staff_roads)
    services.disposition_start(complaint=complaint, actor=actor)
    services.disposition_resolve(complaint=complaint, actor=actor, note="Lubang sudah ditambal")
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def resolved(world, staff_roads, django_capture_on_commit_callbacks) -> Complaint:
    return _resolved(world, staff_roads, django_capture_on_commit_callbacks)


def _post(client, name: str, complaint: Complaint, data: dict):
    return client.post(reverse(f"followup:{name}", args=[complaint.public_token]), data)


def test_it_offers_nothing_while_the_complaint_is_open(
    client, world, staff_roads, django_capture_on_commit_callbacks
):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    html = page(client, complaint)
    assert 'id="followup"' not in html
    assert 'http-equiv="refresh"' in html
    response = _post(client, "reopen", complaint, {"reopen-reason": "Belum"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED  # refused with a message, nothing changed


def test_it_offers_confirm_with_stars_and_reopen_when_resolved(client, resolved):
    html = page(client, resolved)
    assert "Apakah masalahnya sudah selesai?" in html
    assert 'id="confirm-form"' in html and 'id="reopen-form"' in html
    for n in range(1, 6):
        assert f'type="radio" name="confirm-score" value="{n}"' in html
    assert 'name="reopen-reason"' in html
    # No automatic reload that would wipe what the citizen is typing.
    assert 'http-equiv="refresh"' not in html
    assert_no_reporter(html)


def test_confirm_with_a_rating_closes_and_shows_the_rating(client, resolved):
    response = _post(
        client, "confirm", resolved, {"confirm-score": "4", "confirm-comment": "Cepat sekali"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:track", args=[resolved.public_token])
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED
    html = page(client, resolved)
    assert "Terima kasih" in html
    assert 'id="followup"' not in html
    assert 'id="rating"' in html and "★★★★☆" in html and "Cepat sekali" in html
    assert_no_reporter(html)


def test_a_bad_rating_is_shown_in_place(client, resolved):
    response = _post(client, "confirm", resolved, {"confirm-score": "9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_confirm-score_errors"' in html
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED


def test_reopen_needs_a_reason_shown_in_place(client, resolved):
    response = _post(client, "reopen", resolved, {"reopen-reason": ""})
    assert response.status_code == 400
    assert 'id="id_reopen-reason_errors"' in response.content.decode()


def test_reopen_sends_it_back_red_to_the_same_agency(client, resolved, world):
    response = _post(client, "reopen", resolved, {"reopen-reason": "Lubangnya muncul lagi"})
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert (resolved.status, resolved.agency) == (Status.ASSIGNED, world.roads_bdg)
    assert Disposition.objects.filter(complaint=resolved, reopen_of__isnull=False).count() == 1
    html = page(client, resolved)
    assert 'data-colour="red"' in html
    assert "dibuka kembali" in html  # the success message
    assert 'id="followup"' not in html
    assert_no_reporter(html)


def test_after_the_window_the_page_offers_no_reopen(client, resolved, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    ComplaintEvent.objects.filter(pk=latest_resolution(resolved).pk).update(
        created_at=latest_resolution(resolved).created_at - timedelta(days=7)
    )
    html = page(client, resolved)
    assert 'id="followup"' not in html
    _post(client, "reopen", resolved, {"reopen-reason": "Masih rusak"})
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED
    assert "Batas waktu untuk membuka kembali" in page(client, resolved)


def test_a_closed_complaint_without_stars_can_be_rated_once(client, resolved):
    _post(client, "confirm", resolved, {})
    html = page(client, resolved)
    assert 'id="rate-form"' in html
    assert _post(client, "rate", resolved, {"rate-score": ""}).status_code == 400
    _post(client, "rate", resolved, {"rate-score": "2", "rate-comment": "Lama"})
    assert Rating.objects.get(complaint=resolved).score == 2
    html = page(client, resolved)
    assert 'id="rate-form"' not in html and "★★☆☆☆" in html


def test_a_confidential_complaint_shows_stars_but_not_the_comment(
    client, world, staff_roads, django_capture_on_commit_callbacks
):
    complaint = _resolved(
        world, staff_roads, django_capture_on_commit_callbacks, is_confidential=True
    )
    _post(client, "confirm", complaint, {"confirm-score": "5", "confirm-comment": "Rahasia"})
    html = page(client, complaint)
    assert "★★★★★" in html and "Rahasia" not in html


def test_an_unknown_token_is_404(client, world):
    assert _post(client, "confirm", Complaint(public_token="nope"), {}).status_code == 404


def test_get_is_not_allowed(client, resolved):
    url = reverse("followup:confirm", args=[resolved.public_token])
    assert client.get(url).status_code == 405
