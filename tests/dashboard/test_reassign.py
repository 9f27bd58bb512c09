"""Operator reassignment, the forwarding chain for staff, and what the citizen reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from complaints.lifecycle import Actor
from complaints.models import Status
from dispositions.models import Disposition
from dispositions.services import disposition_forward, disposition_start
from tests.dashboard.test_staff_pages import action_url, detail_url, make_complaint

pytestmark = pytest.mark.django_db
IGNORED_WORDS = ("ignored", "diabaikan", "abaikan")


def _reassign(client, complaint, agency, reason="Saluran tersumbat sampah: urusan DLH"):
    return client.post(
        action_url(complaint, "forward"), {"forward-to_agency": agency.pk, "forward-reason": reason}
    )


@pytest.mark.parametrize("started", [False, True], ids=["assigned", "in_progress"])
def test_operator_reassigns_to_another_agency_with_a_fresh_deadline(
    client, world, operator, staff_roads, started
):
    complaint = make_complaint(world, text="Got mampet di Dago")
    if started:
        disposition_start(complaint=complaint, actor=Actor.for_user(staff_roads))
    first = Disposition.objects.get(complaint=complaint)
    client.force_login(operator)
    page = client.get(detail_url(complaint))
    assert "forward" in page.context["forms"]
    assert page.context["detail"].acts_for_agency is False
    assert "Alihkan ke instansi lain" in page.content.decode()

    response = _reassign(client, complaint, world.env_bdg)

    assert response.status_code == 302
    assert response.url == detail_url(complaint)  # the operator still sees it
    complaint.refresh_from_db()
    first.refresh_from_db()
    new = Disposition.objects.get(complaint=complaint, state=Disposition.State.PENDING)
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.env_bdg
    assert first.state == Disposition.State.FORWARDED
    assert new.agency == world.env_bdg
    assert new.forwarded_from == first
    assert new.created_by == operator
    # Fresh: the road category's 6 hours counted from the move, not the first agency's clock.
    assert new.response_due_at >= new.created_at + timedelta(hours=6) - timedelta(seconds=5)
    assert new.response_due_at >= first.response_due_at  # equal outside working hours
    assert complaint.due_at == new.resolution_due_at


def test_operator_needs_a_reason_to_reassign(client, world, operator):
    complaint = make_complaint(world)
    client.force_login(operator)
    response = _reassign(client, complaint, world.env_bdg, reason="")
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg


def test_agency_staff_see_the_coordination_wording(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    page = client.get(detail_url(complaint))
    assert page.context["detail"].acts_for_agency is True
    html = page.content.decode()
    assert "Teruskan (koordinasi)" in html
    assert "Alihkan ke instansi lain" not in html


def test_the_staff_page_shows_the_forwarding_chain(client, world, operator, staff_roads, staff_env):
    complaint = make_complaint(world, text="Got mampet di Dago")
    disposition_forward(
        complaint=complaint,
        actor=Actor.for_user(staff_roads),
        to_agency=world.env_bdg,
        reason="Sampah menyumbat saluran",
    )
    client.force_login(operator)
    _reassign(client, complaint, world.kel_sukarasa, reason="Kerja bakti kelurahan")

    page = client.get(detail_url(complaint))
    detail = page.context["detail"]
    assert detail.chain == [
        "Dinas Bina Marga Kota Bandung",
        "Dinas Lingkungan Hidup Kota Bandung",
        "Kelurahan Sukarasa",
    ]
    assert [d.forwarded_from for d in detail.dispositions] == [
        "",
        "Dinas Bina Marga Kota Bandung",
        "Dinas Lingkungan Hidup Kota Bandung",
    ]
    html = page.content.decode()
    assert 'id="disposition-chain"' in html
    assert "Dipindahkan ke sini dari Dinas Lingkungan Hidup Kota Bandung" in html
    assert "Sampah menyumbat saluran" in html


def test_a_single_disposition_shows_no_chain(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    page = client.get(detail_url(complaint))
    assert page.context["detail"].chain == []
    assert 'id="disposition-chain"' not in page.content.decode()


def test_the_tracking_page_says_plainly_where_the_complaint_went(
    client, world, operator, staff_roads
):
    complaint = make_complaint(world, text="Got mampet di Dago")
    disposition_forward(
        complaint=complaint,
        actor=Actor.for_user(staff_roads),
        to_agency=world.env_bdg,
        reason="Sampah menyumbat saluran",
    )
    client.force_login(operator)
    _reassign(client, complaint, world.kel_sukarasa, reason="Kerja bakti kelurahan")
    client.logout()

    html = client.get(reverse("complaints:track", args=[complaint.public_token])).content.decode()

    assert (
        "Dialihkan dari Dinas Bina Marga Kota Bandung ke Dinas Lingkungan Hidup Kota Bandung"
        " yang berwenang"
    ) in html
    assert (
        "Dialihkan dari Dinas Lingkungan Hidup Kota Bandung ke Kelurahan Sukarasa yang berwenang"
    ) in html
    assert "Menunggu tanggapan instansi" in html  # the status after a move: waiting, in red
    assert "Kelurahan Sukarasa" in html
    assert all(word not in html.lower() for word in IGNORED_WORDS)
    # The reasons are staff talk; the citizen reads the move, not the internal note.
    assert "Kerja bakti kelurahan" not in html


def test_a_move_after_a_return_to_triage_names_no_stale_agency(
    client, world, operator, staff_roads
):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    client.post(
        action_url(complaint, "return_to_triage"), {"return_to_triage-reason": "Bukan kami"}
    )
    client.force_login(operator)
    client.post(action_url(complaint, "assign"), {"assign-agency": world.env_bdg.pk})
    _reassign(client, complaint, world.kel_sukarasa)
    client.logout()

    html = client.get(reverse("complaints:track", args=[complaint.public_token])).content.decode()

    assert "Dialihkan dari Dinas Lingkungan Hidup Kota Bandung ke Kelurahan Sukarasa" in html
    assert "Dialihkan dari Dinas Bina Marga" not in html


def test_operator_sets_the_area_when_assigning_from_triage(client, world, operator):
    complaint = make_complaint(world, category=world.health, area=world.bandung)
    assert complaint.status == Status.TRIAGE
    client.force_login(operator)

    response = client.post(
        action_url(complaint, "assign"),
        {
            "assign-agency": world.env_bdg.pk,
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-district": "32.73.02",
            "assign-village": "32.73.02.1004",
        },
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.area == world.dago
    assert complaint.agency == world.env_bdg
    event = complaint.events.get(action="set_area")
    assert not event.is_public
    assert event.actor == operator
    assert "Dago" in event.note


def test_an_area_outside_the_one_above_is_refused(client, world, operator):
    complaint = make_complaint(world, category=world.health, area=world.bandung)
    client.force_login(operator)
    response = client.post(
        action_url(complaint, "assign"),
        {
            "assign-agency": world.env_bdg.pk,
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-district": "99.99",
        },
    )
    assert response.status_code == 400
    assert "tidak berada di dalam" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    assert complaint.area == world.bandung
