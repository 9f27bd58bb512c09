"""Staff see a reopened complaint back in their queue, red with a new deadline, and its rating."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.lifecycle import CITIZEN_ACTOR, Actor
from dispositions import followup, services
from dispositions.models import Disposition
from tests.dashboard.test_staff_pages import detail_url, make_complaint

pytestmark = pytest.mark.django_db


def _resolve(complaint, user, note: str = "Lubang sudah ditambal") -> None:
    actor = Actor.for_user(user)
    services.disposition_start(complaint=complaint, actor=actor)
    services.disposition_resolve(complaint=complaint, actor=actor, note=note)


def test_a_reopened_complaint_is_back_in_the_queue_red_with_its_new_deadline(
    client, world, staff_roads
):
    complaint = make_complaint(world)
    _resolve(complaint, staff_roads)
    followup.complaint_reopen(complaint=complaint, actor=CITIZEN_ACTOR, reason="Muncul lagi")
    complaint.refresh_from_db()
    new = Disposition.objects.get(complaint=complaint, reopen_of__isnull=False)

    client.force_login(staff_roads)
    html = client.get(reverse("dashboard:home") + "?status=assigned").content.decode()
    row = html[html.index(f'data-code="{complaint.tracking_code}"') :]
    row = row[: row.index("</tr>")]
    assert "status-red" in row and "dibuka kembali" in row

    html = client.get(detail_url(complaint)).content.decode()
    assert 'data-colour="red"' in html
    assert "dibuka kembali oleh pelapor" in html
    assert html.count('<li class="is-open">') == 1  # the new round; the first is kept below
    assert "Muncul lagi" in html
    assert new.resolution_due_at == complaint.due_at
    # The agency can work it again from the page.
    assert (
        'action="' + reverse("dashboard:complaint_action", args=[complaint.tracking_code, "start"])
        in html
    )


def test_the_staff_page_shows_the_rating_of_each_round(client, world, staff_roads):
    complaint = make_complaint(world)
    _resolve(complaint, staff_roads)
    followup.complaint_confirm(
        complaint=complaint, actor=CITIZEN_ACTOR, score=3, comment="Agak lama"
    )
    client.force_login(staff_roads)
    html = client.get(detail_url(complaint)).content.decode()
    assert 'id="ratings"' in html and "★★★☆☆" in html and "Agak lama" in html
    assert "3 dari 5 bintang" in html
