"""The clock stops while the agency waits for the reporter, and restarts on the answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from complaints.lifecycle import CITIZEN_ACTOR, Actor, TransitionError, TransitionNotPermitted
from complaints.models import Category, Complaint
from complaints.selectors import complaint_by_token, complaint_public_view
from complaints.services import complaint_create
from dispositions import services
from dispositions.models import Disposition

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB)


MONDAY_9AM = wib(16, 9)  # a holiday-free week: Monday 16 to Friday 20 November 2026


def _routed(world, *, category=None, now=MONDAY_9AM) -> Complaint:
    complaint = complaint_create(
        channel="web",
        text="Jalan berlubang di depan sekolah",
        category=category or world.road,
        area=world.dago,
        reporter_name="Siti Aminah",
        reporter_phone="081234567890",
    )
    services.disposition_route(complaint_id=complaint.pk, now=now)
    complaint.refresh_from_db()
    return complaint


def _disposition(complaint: Complaint) -> Disposition:
    return Disposition.objects.get(complaint=complaint, state__in=Disposition.OPEN_STATES)


def _ask(complaint, staff, *, at, question="Di depan sekolah mana tepatnya?"):
    return services.disposition_request_info(
        complaint=complaint, actor=Actor.for_user(staff), question=question, now=at
    )


def _answer(complaint, *, at, actor=CITIZEN_ACTOR, answer="SDN 1 Dago, dekat gerbang"):
    return services.disposition_provide_info(
        complaint=complaint, actor=actor, answer=answer, now=at
    )


@pytest.mark.usefixtures("english")
def test_the_answer_moves_both_deadlines_by_the_working_time_paused(world, staff_roads):
    complaint = _routed(world)
    before = _disposition(complaint)
    # 6 h to respond -> Monday 15:00; 72 h to resolve -> Friday 27th 09:00.
    assert before.response_due_at == wib(16, 15)
    assert before.resolution_due_at == wib(27, 9)

    paused = _ask(complaint, staff_roads, at=wib(16, 10))
    assert paused.paused_at == wib(16, 10)
    # Answered Wednesday 10:00: 16 working hours later (Mon 10-16, Tue 8-16, Wed 8-10).
    resumed = _answer(complaint, at=wib(18, 10))

    resumed.refresh_from_db()
    complaint.refresh_from_db()
    assert resumed.paused_at is None
    assert resumed.paused_total == timedelta(hours=16)
    assert resumed.response_due_at == wib(18, 15)
    assert resumed.resolution_due_at == datetime(2026, 12, 1, 9, tzinfo=WIB)
    assert complaint.due_at == resumed.resolution_due_at
    assert list(complaint.events.values_list("action", flat=True))[-2:] == [
        "request_info",
        "provide_info",
    ]
    assert complaint.status == "assigned"  # a question changes no status


@pytest.mark.usefixtures("english")
def test_a_pause_over_a_weekend_costs_no_working_time_and_never_shortens(world, staff_roads):
    complaint = _routed(world)
    before = _disposition(complaint)
    _ask(complaint, staff_roads, at=wib(20, 17))  # Friday after closing
    resumed = _answer(complaint, at=wib(22, 20))  # Sunday evening
    assert resumed.paused_total == timedelta(0)
    assert resumed.response_due_at == before.response_due_at
    assert resumed.resolution_due_at == before.resolution_due_at


@pytest.mark.usefixtures("english")
def test_a_question_asked_after_the_deadline_does_not_rescue_it(world, staff_roads):
    complaint = _routed(world)
    before = _disposition(complaint)
    _ask(complaint, staff_roads, at=wib(17, 9))  # the response deadline passed Monday 15:00
    resumed = _answer(complaint, at=wib(19, 9))
    assert resumed.paused_total == timedelta(hours=16)
    assert resumed.response_due_at == before.response_due_at  # missed stays missed
    assert resumed.resolution_due_at > before.resolution_due_at


@pytest.mark.usefixtures("english")
def test_an_emergency_pause_is_measured_in_wall_time(world, staff_roads):
    flood = Category.objects.create(
        slug="banjir", name="Banjir", parent=world.infra, resolution_hours=24, is_emergency=True
    )
    complaint = _routed(world, category=flood)
    before = _disposition(complaint)
    _ask(complaint, staff_roads, at=wib(16, 10))
    resumed = _answer(complaint, at=wib(16, 22))
    assert resumed.paused_total == timedelta(hours=12)
    assert resumed.resolution_due_at == before.resolution_due_at + timedelta(hours=12)


@pytest.mark.usefixtures("english")
def test_a_second_question_keeps_the_first_pause_and_one_answer_resumes(world, staff_roads):
    complaint = _routed(world)
    _ask(complaint, staff_roads, at=wib(16, 10))
    again = _ask(complaint, staff_roads, at=wib(16, 11), question="Ada foto lain?")
    assert again.paused_at == wib(16, 10)
    _answer(complaint, at=wib(16, 12))
    with pytest.raises(TransitionError, match="No question is waiting"):
        _answer(complaint, at=wib(16, 13))


@pytest.mark.usefixtures("english")
def test_who_may_ask_and_who_may_answer(world, staff_roads, staff_env, operator):
    complaint = _routed(world)
    with pytest.raises(TransitionNotPermitted):
        _ask(complaint, staff_env, at=wib(16, 10))  # another agency
    with pytest.raises(ValidationError, match="Write the question"):
        _ask(complaint, staff_roads, at=wib(16, 10), question="  ")
    _ask(complaint, staff_roads, at=wib(16, 10))
    with pytest.raises(TransitionNotPermitted):
        _answer(complaint, at=wib(16, 11), actor=Actor.for_user(staff_roads))
    with pytest.raises(ValidationError, match="Write your answer"):
        _answer(complaint, at=wib(16, 11), answer="")
    assert _disposition(complaint).paused_at == wib(16, 10)
    # An operator takes the answer by phone (the hotline) and records it.
    resumed = _answer(complaint, at=wib(16, 11), actor=Actor.for_user(operator))
    assert resumed.paused_at is None


@pytest.mark.usefixtures("english")
def test_forwarding_while_paused_counts_the_pause_and_closes_the_question(
    world, staff_roads, staff_env
):
    complaint = _routed(world)
    _ask(complaint, staff_roads, at=wib(16, 10))
    assert complaint_public_view(complaint_by_token(complaint.public_token)).open_question
    new = services.disposition_forward(
        complaint=complaint,
        actor=Actor.for_user(staff_roads),
        to_agency=world.env_bdg,
        reason="Saluran air, kewenangan DLH",
    )
    old = Disposition.objects.get(state=Disposition.State.FORWARDED, complaint=complaint)
    assert old.paused_at is None
    assert old.paused_total >= timedelta(0)
    assert new.paused_at is None
    assert complaint_public_view(complaint_by_token(complaint.public_token)).open_question == ""
    with pytest.raises(TransitionError, match="No question is waiting"):
        _answer(complaint, at=wib(16, 12))


def test_the_reporter_answers_on_the_tracking_page(client, world, staff_roads):
    complaint = _routed(world)
    _ask(complaint, staff_roads, at=wib(16, 10), question="Di depan SD mana tepatnya?")
    track_url = reverse("complaints:track", kwargs={"token": complaint.public_token})

    page = client.get(track_url).content.decode()
    assert "Instansi memerlukan keterangan tambahan" in page
    assert "Dinas Bina Marga Kota Bandung meminta keterangan tambahan: Di depan SD mana" in page
    assert 'name="answer"' in page
    assert "Siti Aminah" not in page and "81234567890" not in page

    answer_url = reverse("followup:answer", kwargs={"token": complaint.public_token})
    response = client.post(answer_url, {"answer": "SDN 1 Dago, Siti di RT 02"})
    assert response.status_code == 302
    assert response["Location"] == track_url

    page = client.get(track_url).content.decode()
    assert "Terima kasih" in page
    assert 'name="answer"' not in page
    assert "Pelapor sudah mengirim keterangan; tenggat berjalan kembali" in page
    assert "SDN 1 Dago" not in page  # the answer is for the agency, not the public
    assert "Siti Aminah" not in page
    assert _disposition(complaint).paused_at is None


def test_an_empty_or_unasked_answer_is_refused_with_a_message(client, world, staff_roads):
    complaint = _routed(world)
    track_url = reverse("complaints:track", kwargs={"token": complaint.public_token})
    answer_url = reverse("followup:answer", kwargs={"token": complaint.public_token})

    client.post(answer_url, {"answer": "jawaban"})
    assert "Tidak ada pertanyaan yang menunggu jawaban" in client.get(track_url).content.decode()

    _ask(complaint, staff_roads, at=wib(16, 10))
    response = client.post(answer_url, {"answer": "   "})
    assert response.status_code == 302
    assert "Tulis jawaban Anda sebelum mengirim." in client.get(track_url).content.decode()
    assert _disposition(complaint).paused_at == wib(16, 10)

    assert client.get(answer_url).status_code == 405
    missing = reverse("followup:answer", kwargs={"token": "nope"})
    assert client.post(missing, {"answer": "x"}).status_code == 404


def test_staff_ask_from_the_detail_page_and_an_operator_records_the_answer(
    client, world, staff_roads, operator
):
    complaint = _routed(world)
    detail_url = reverse("dashboard:complaint", kwargs={"tracking_code": complaint.tracking_code})
    client.force_login(staff_roads)
    assert "Minta keterangan pelapor" in client.get(detail_url).content.decode()

    ask_url = reverse(
        "dashboard:complaint_action",
        kwargs={"tracking_code": complaint.tracking_code, "action": "request_info"},
    )
    assert client.post(ask_url, {"request_info-question": ""}).status_code == 400
    response = client.post(ask_url, {"request_info-question": "Nomor rumah berapa?"})
    assert response.status_code == 302
    page = client.get(detail_url).content.decode()
    assert "Menunggu jawaban pelapor sejak" in page
    assert "Catat jawaban pelapor" not in page  # agency staff cannot answer for the citizen

    client.force_login(operator)
    page = client.get(detail_url).content.decode()
    assert "Catat jawaban pelapor" in page
    answer_url = reverse(
        "dashboard:complaint_action",
        kwargs={"tracking_code": complaint.tracking_code, "action": "provide_info"},
    )
    client.post(answer_url, {"provide_info-answer": "Nomor 12, kata pelapor lewat telepon"})
    assert _disposition(complaint).paused_at is None
    assert "Catat jawaban pelapor" not in client.get(detail_url).content.decode()
