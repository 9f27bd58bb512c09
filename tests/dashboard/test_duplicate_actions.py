"""The staff page's "Kemungkinan duplikat": operators merge or dismiss in one click."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, Status
from complaints.services import complaint_create
from dispositions.models import Disposition, DuplicateLink
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db

LAT, LON = -6.885000, 107.613000


def make(world, text, **extra):
    complaint = complaint_create(
        channel=extra.pop("channel", "web"),
        text=text,
        category=world.road,
        area=world.dago,
        latitude=LAT,
        longitude=LON,
        **extra,
    )
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def pair(world):
    older = make(world, "Jalan berlubang besar di depan SD Dago", reporter_phone="081111111111")
    newer = make(world, "Ada lubang besar di jalan depan SD Dago", channel="whatsapp")
    return older, newer, DuplicateLink.objects.get(complaint=newer)


def detail_url(complaint: Complaint) -> str:
    return reverse("dashboard:complaint", args=[complaint.tracking_code])


def action_url(complaint: Complaint, action: str) -> str:
    return reverse("dashboard:complaint_action", args=[complaint.tracking_code, action])


def test_operator_sees_the_suggestion_on_both_complaints(client, operator, pair):
    older, newer, link = pair
    client.force_login(operator)
    body = client.get(detail_url(newer)).content.decode()
    assert "Kemungkinan duplikat" in body
    assert older.tracking_code in body
    assert f"Teks {round(link.score * 100)}% mirip" in body
    assert "kategori sama, lokasi berdekatan" in body
    assert "Gabungkan" in body and "Bukan duplikat" in body
    assert "Aduan ini lebih baru" in body
    other_side = client.get(detail_url(older)).content.decode()
    assert newer.tracking_code in other_side
    assert "Aduan yang lain lebih baru" in other_side


def test_merge_is_one_click_from_either_side(client, operator, pair):
    older, newer, link = pair
    client.force_login(operator)
    response = client.post(action_url(older, "merge"), {"merge-link": link.pk})
    assert response.status_code == 302
    newer.refresh_from_db()
    assert (newer.status, newer.merged_into) == (Status.DUPLICATE, older)
    assert Disposition.objects.get(complaint=newer).state == Disposition.State.CANCELLED
    followed = client.get(response.url)
    body = followed.content.decode()
    assert "Kemungkinan duplikat" not in body
    assert "Digabung ke sini" in body and newer.tracking_code in body
    assert [str(m) for m in followed.context["messages"]] == [
        "Digabung: aduan yang lebih baru mengikuti aduan yang lebih lama."
    ]
    assert "Digabung ke" in client.get(detail_url(newer)).content.decode()


def test_dismiss_is_one_click_and_the_suggestion_goes_away(client, operator, pair):
    _older, newer, link = pair
    client.force_login(operator)
    client.post(action_url(newer, "dismiss_duplicate"), {"dismiss_duplicate-link": link.pk})
    link.refresh_from_db()
    assert (link.state, link.decided_by) == (DuplicateLink.State.DISMISSED, operator)
    assert "Kemungkinan duplikat" not in client.get(detail_url(newer)).content.decode()
    newer.refresh_from_db()
    assert newer.status == Status.ASSIGNED


def test_agency_staff_neither_see_nor_decide_suggestions(client, staff_roads, pair):
    _older, newer, link = pair
    client.force_login(staff_roads)
    assert "Kemungkinan duplikat" not in client.get(detail_url(newer)).content.decode()
    response = client.post(action_url(newer, "merge"), {"merge-link": link.pk})
    assert response.status_code == 302
    newer.refresh_from_db()
    assert newer.status == Status.ASSIGNED
    messages = [str(m) for m in client.get(response.url).context["messages"]]
    assert messages == ["Usulan duplikat ini sudah tidak terbuka."]


def test_a_link_of_another_complaint_cannot_be_merged_from_this_page(client, world, operator, pair):
    _older, _newer, link = pair
    unrelated = make(world, "Lampu jalan mati di Dago")
    client.force_login(operator)
    client.post(action_url(unrelated, "merge"), {"merge-link": link.pk})
    link.refresh_from_db()
    assert link.state == DuplicateLink.State.OPEN


def test_a_broken_form_is_refused(client, operator, pair):
    _older, newer, _link = pair
    client.force_login(operator)
    response = client.post(action_url(newer, "merge"), {"merge-link": "abc"})
    assert response.status_code == 400
