"""The staff queue and complaint page: visibility by agency, actions through the services."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.images import process_image
from complaints.models import Attachment, Complaint, ComplaintEvent, Status
from complaints.selectors import complaint_by_token, complaint_public_view
from complaints.services import complaint_create
from dispositions.models import Disposition
from dispositions.services import disposition_route
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


def make_complaint(world, *, category=None, area=None, text="Jalan berlubang di Dago", **extra):
    """A complaint made and routed the way production does it (road in Dago: Bina Marga)."""
    complaint = complaint_create(
        channel="web",
        text=text,
        category=category if category is not None else world.road,
        area=area or world.dago,
        **extra,
    )
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def detail_url(complaint: Complaint) -> str:
    return reverse("dashboard:complaint", args=[complaint.tracking_code])


def action_url(complaint: Complaint, action: str) -> str:
    return reverse("dashboard:complaint_action", args=[complaint.tracking_code, action])


def public_colour(complaint: Complaint) -> str:
    return complaint_public_view(complaint_by_token(complaint.public_token)).colour


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_renders_the_login_page_and_logs_staff_in(client, staff_roads):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post(
        reverse("login"), {"username": "staff_roads", "password": "test-pass-123"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")


def test_it_says_plainly_when_the_login_fails(client, staff_roads):
    response = client.post(reverse("login"), {"username": "staff_roads", "password": "salah"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()


def test_it_shows_agency_staff_only_their_agencys_queue(client, world, staff_roads):
    road = make_complaint(world, text="Jalan berlubang besar")
    garbage = make_complaint(world, category=world.garbage, text="Sampah menumpuk di pasar")
    assert garbage.agency == world.env_bdg

    client.force_login(staff_roads)
    page = client.get(reverse("dashboard:home"))

    assert page.status_code == 200
    assert road.tracking_code in page.content.decode()
    assert garbage.tracking_code not in page.content.decode()
    assert [row.tracking_code for row in page.context["rows"]] == [road.tracking_code]
    assert page.context["rows"][0].colour == "red"


def test_it_filters_the_queue_by_status_and_orders_by_deadline(client, world, staff_roads):
    later = make_complaint(world, category=world.streetlight, text="Lampu jalan mati")  # 168 h
    sooner = make_complaint(world, text="Jalan berlubang")  # 72 h
    started = make_complaint(world, text="Aspal mengelupas")
    client.force_login(staff_roads)
    client.post(action_url(started, "start"), {"start-note": ""})

    open_rows = client.get(reverse("dashboard:home")).context["rows"]
    waiting = client.get(reverse("dashboard:home"), {"status": "assigned"}).context["rows"]
    working = client.get(reverse("dashboard:home"), {"status": "in_progress"}).context["rows"]

    assert [r.tracking_code for r in open_rows][:2] == [sooner.tracking_code, started.tracking_code]
    assert [r.tracking_code for r in waiting] == [sooner.tracking_code, later.tracking_code]
    assert [(r.tracking_code, r.colour) for r in working] == [(started.tracking_code, "yellow")]


def test_it_marks_overdue_complaints(client, world, staff_roads):
    complaint = make_complaint(world)
    Complaint.objects.filter(pk=complaint.pk).update(due_at="2020-01-01T00:00:00+07:00")
    client.force_login(staff_roads)
    page = client.get(reverse("dashboard:home"))
    assert page.context["rows"][0].is_overdue
    assert "overdue-flag" in page.content.decode()


def test_it_hides_another_agencys_complaint_with_a_404(client, world, staff_env):
    complaint = make_complaint(world)  # held by Bina Marga
    client.force_login(staff_env)

    assert client.get(detail_url(complaint)).status_code == 404
    assert client.post(action_url(complaint, "accept"), {"accept-note": ""}).status_code == 404
    assert client.post(action_url(complaint, "start"), {"start-note": ""}).status_code == 404
    assert client.post(action_url(complaint, "note"), {"note-note": "x"}).status_code == 404

    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert not complaint.events.filter(actor=staff_env).exists()
    assert Disposition.objects.get(complaint=complaint).state == Disposition.State.PENDING


def test_it_runs_accept_start_resolve_and_the_public_colour_follows(
    client, world, staff_roads, photo_upload
):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    page = client.get(detail_url(complaint))
    assert set(page.context["forms"]) >= {"accept", "start", "forward", "return_to_triage"}
    assert "resolve" not in page.context["forms"]

    response = client.post(action_url(complaint, "accept"), {"accept-note": "Diterima"})
    assert response.status_code == 302
    assert response.url == detail_url(complaint)
    assert Disposition.objects.get(complaint=complaint).state == Disposition.State.ACCEPTED
    assert "accept" not in client.get(detail_url(complaint)).context["forms"]
    assert public_colour(complaint) == "red"

    client.post(action_url(complaint, "start"), {"start-note": ""})
    assert public_colour(complaint) == "yellow"

    response = client.post(
        action_url(complaint, "resolve"),
        {"resolve-note": "Lubang sudah ditambal", "resolve-evidence": [photo_upload("after.jpg")]},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    assert public_colour(complaint) == "green"
    evidence = complaint.attachments.get(kind=Attachment.Kind.EVIDENCE)
    assert evidence.event.action == "resolve"
    followed = client.get(response.url)
    assert "Lubang sudah ditambal" in followed.content.decode()
    assert [str(m) for m in followed.context["messages"]]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"resolve-note": ""}, "Jelaskan tindak lanjut yang dilakukan"),
        ({"resolve-note": "Sudah ditambal"}, "Lampirkan minimal satu foto"),
    ],
)
def test_it_refuses_to_resolve_without_note_or_photo(
    client, world, staff_roads, photo_upload, data, error
):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    client.post(action_url(complaint, "start"), {"start-note": ""})
    if "Jelaskan" in error:
        data = {**data, "resolve-evidence": [photo_upload()]}

    response = client.post(action_url(complaint, "resolve"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert not complaint.attachments.exists()


def test_it_refuses_a_fake_image_with_a_readable_error(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    client.post(action_url(complaint, "start"), {"start-note": ""})
    fake = SimpleUploadedFile("bukti.jpg", b"<?php echo 'not a photo'; ?>", "image/jpeg")

    response = client.post(
        action_url(complaint, "resolve"),
        {"resolve-note": "Sudah ditambal", "resolve-evidence": [fake]},
    )

    assert response.status_code == 400
    assert "bukti.jpg bukan gambar yang bisa kami baca." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert not complaint.attachments.exists()


def test_it_refuses_more_than_the_photo_limit(client, world, staff_roads, photo_upload, settings):
    settings.UPLOAD_MAX_PHOTOS = 2
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    client.post(action_url(complaint, "start"), {"start-note": ""})
    photos = [photo_upload(f"p{i}.jpg") for i in range(3)]

    response = client.post(
        action_url(complaint, "resolve"), {"resolve-note": "Selesai", "resolve-evidence": photos}
    )

    assert response.status_code == 400
    assert "paling banyak 2 foto" in response.content.decode()


def test_it_shows_transition_errors_as_messages(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    # Only operators reject; the form is valid, the lifecycle refuses the agency's staff.
    response = client.post(
        action_url(complaint, "reject"), {"reject-reason": "Bukan kewenangan"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "Anda tidak berwenang menolak aduan ini." in messages
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED


def test_it_forwards_to_another_agency(client, world, staff_roads, staff_env):
    complaint = make_complaint(world, text="Got mampet, sampah menyumbat saluran")
    client.force_login(staff_roads)

    response = client.post(
        action_url(complaint, "forward"),
        {"forward-to_agency": world.env_bdg.pk, "forward-reason": "Urusan DLH: sampah"},
    )

    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")  # Bina Marga can no longer see it
    assert client.get(detail_url(complaint)).status_code == 404
    assert complaint.tracking_code not in client.get(reverse("dashboard:home")).content.decode()

    client.force_login(staff_env)
    assert complaint.tracking_code in client.get(reverse("dashboard:home")).content.decode()
    page = client.get(detail_url(complaint))
    assert page.status_code == 200
    assert "forwarded" in [e.kind for e in page.context["detail"].timeline]
    assert [d.state for d in page.context["detail"].dispositions] == [
        Disposition.State.FORWARDED,
        Disposition.State.PENDING,
    ]


def test_it_needs_a_reason_to_forward(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    response = client.post(
        action_url(complaint, "forward"), {"forward-to_agency": world.env_bdg.pk}
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg


def test_it_returns_a_complaint_to_triage(client, world, staff_roads, operator):
    complaint = make_complaint(world)
    client.force_login(staff_roads)

    client.post(
        action_url(complaint, "return_to_triage"), {"return_to_triage-reason": "Bukan jalan kota"}
    )

    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    assert complaint.agency is None
    assert Disposition.objects.get(complaint=complaint).state == Disposition.State.RETURNED
    client.force_login(operator)
    triage = client.get(reverse("dashboard:home")).context["rows"]
    assert [r.tracking_code for r in triage] == [complaint.tracking_code]


def test_operator_assigns_a_complaint_from_triage(client, world, operator, staff_roads):
    complaint = make_complaint(world, category=world.health, text="Puskesmas tutup")
    assert complaint.status == Status.TRIAGE
    client.force_login(operator)
    page = client.get(reverse("dashboard:home"))
    assert page.context["tab"].key == "triage"
    assert [r.tracking_code for r in page.context["rows"]] == [complaint.tracking_code]
    assert set(client.get(detail_url(complaint)).context["forms"]) == {
        "assign",
        "reject",
        "note",
        # An operator's own: the report type, and forwarding to SP4N-LAPOR!.
        "set_report_type",
        "forward_to_lapor",
    }

    response = client.post(
        action_url(complaint, "assign"), {"assign-agency": world.roads_bdg.pk, "assign-note": ""}
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg
    assert complaint.due_at is not None
    client.force_login(staff_roads)
    assert client.get(detail_url(complaint)).status_code == 200


def test_operator_rejects_with_a_reason(client, world, operator):
    complaint = make_complaint(world, category=world.health, text="Iklan pinjaman online")
    client.force_login(operator)

    assert client.post(action_url(complaint, "reject"), {"reject-reason": ""}).status_code == 400
    client.post(
        action_url(complaint, "reject"), {"reject-reason": "Bukan pengaduan layanan publik"}
    )

    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    assert public_colour(complaint) == "grey"


@pytest.mark.parametrize("flag", ["is_anonymous", "is_confidential"])
def test_anonymous_or_confidential_report_hides_the_reporter_from_agency_staff_only(
    client, world, staff_roads, operator, flag
):
    complaint = make_complaint(
        world, reporter_name="Siti Rahma", reporter_phone="081234567890", **{flag: True}
    )
    client.force_login(staff_roads)
    agency_page = client.get(detail_url(complaint)).content.decode()
    assert "Siti Rahma" not in agency_page
    assert "+6281234567890" not in agency_page
    assert 'id="reporter-hidden"' in agency_page

    client.force_login(operator)
    operator_page = client.get(detail_url(complaint)).content.decode()
    assert "Siti Rahma" in operator_page
    assert "+6281234567890" in operator_page


def test_it_shows_a_named_reporter_to_the_agency(client, world, staff_roads):
    complaint = make_complaint(world, reporter_name="Budi Santoso", reporter_phone="081234567891")
    client.force_login(staff_roads)
    assert "Budi Santoso" in client.get(detail_url(complaint)).content.decode()


def test_internal_notes_are_marked_and_kept_from_the_public(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)

    client.post(action_url(complaint, "note"), {"note-note": "Tunggu alat berat minggu depan"})

    note = complaint.events.get(kind=ComplaintEvent.Kind.NOTE)
    assert not note.is_public
    page = client.get(detail_url(complaint)).content.decode()
    assert "Tunggu alat berat" in page
    assert "is-internal" in page
    public = complaint_public_view(complaint_by_token(complaint.public_token))
    assert all("alat berat" not in e.text for e in public.timeline)


def test_supervisor_sees_every_agencys_complaints(client, world, supervisor):
    road = make_complaint(world)
    garbage = make_complaint(world, category=world.garbage, text="Sampah di sungai")
    client.force_login(supervisor)
    codes = {r.tracking_code for r in client.get(reverse("dashboard:home")).context["rows"]}
    assert codes == {road.tracking_code, garbage.tracking_code}
    assert client.get(detail_url(garbage)).context["forms"].keys() == {"note"}


def test_an_unknown_action_is_a_404(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)
    assert client.post(action_url(complaint, "explode"), {}).status_code == 404


@pytest.mark.parametrize("user_fixture", ["staff_roads", "operator", "supervisor"])
def test_queue_query_count_does_not_grow_with_the_queue(
    client, world, django_assert_num_queries, request, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    make_complaint(world)
    make_complaint(world, category=world.health, text="Untuk triase")
    reset_queries()  # the log restarts with each request; start both counts from zero
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard:home"), {"status": "all"})
    expected = len(few.captured_queries)  # read now: the next request empties the log

    for i in range(12):
        make_complaint(world, text=f"Jalan rusak nomor {i}")
        make_complaint(world, category=world.health, text=f"Triase nomor {i}")
    reset_queries()
    with django_assert_num_queries(expected):
        page = client.get(reverse("dashboard:home"), {"status": "all"})
    assert expected > 0
    assert page.context["rows"]


def test_detail_query_count_does_not_grow_with_the_timeline(
    client, world, staff_roads, django_assert_num_queries, photo_upload
):
    def resolve(complaint, photos):
        client.post(action_url(complaint, "start"), {"start-note": ""})
        client.post(
            action_url(complaint, "resolve"),
            {"resolve-note": "Selesai", "resolve-evidence": photos},
        )

    client.force_login(staff_roads)
    short = make_complaint(world)
    resolve(short, [photo_upload()])
    reset_queries()  # the log restarts with each request; start both counts from zero
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(short))
    expected = len(few.captured_queries)  # read now: the next request empties the log

    photos = [process_image(io.BytesIO(make_image_bytes()), name=f"{i}.jpg") for i in range(3)]
    long = make_complaint(world, text="Jalan amblas", photos=photos)
    for i in range(5):
        client.post(action_url(long, "note"), {"note-note": f"Catatan {i}"})
    resolve(long, [photo_upload(), photo_upload("b.jpg")])
    reset_queries()
    with django_assert_num_queries(expected):
        page = client.get(detail_url(long))
    assert expected > 0
    assert len(page.context["detail"].timeline) > 7
    assert len(page.context["detail"].photos) == 3
