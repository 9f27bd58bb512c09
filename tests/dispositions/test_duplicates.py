"""Probable duplicates: detection rules and thresholds, merge, dismiss, honest counts."""

from __future__ import annotations

import io
import math
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import hooks
from complaints.images import process_image
from complaints.lifecycle import (
    Actor,
    TransitionError,
    TransitionNotPermitted,
    complaint_transition,
    status_colour,
)
from complaints.models import Complaint, Status
from complaints.selectors import complaint_by_token, complaint_followers, complaint_public_view
from complaints.services import complaint_create
from dispositions import duplicates
from dispositions.duplicates import (
    distance_m,
    duplicate_candidates_find,
    duplicate_links_record,
    text_similarity,
)
from dispositions.merging import complaint_merge, duplicate_link_dismiss
from dispositions.models import Disposition, DuplicateLink
from dispositions.selectors import duplicate_links_open_for, problem_and_report_counts
from dispositions.services import disposition_resolve, disposition_route, disposition_start
from tests.conftest import make_image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Jalan Ir. H. Juanda, Dago, Bandung.
LAT, LON = -6.885000, 107.613000
POTHOLE = "Jalan berlubang besar di depan SD Dago, bahaya untuk motor"
POTHOLE_AGAIN = "Ada lubang besar di jalan depan SD Dago, motor sering jatuh"
STREETLIGHT = "Lampu penerangan jalan mati sejak seminggu"


def north_of(metres: float) -> float:
    """The latitude `metres` north of LAT (one degree of latitude is ~111.2 km)."""
    return LAT + math.degrees(metres / duplicates.EARTH_RADIUS_M)


def report(world, text=POTHOLE, *, days_ago=0, route=True, **kwargs):
    """A complaint made through the service; `days_ago` moves it back in time, then it is routed."""
    kwargs.setdefault("category", world.road)
    kwargs.setdefault("area", world.dago)
    kwargs.setdefault("channel", "web")
    if "latitude" not in kwargs:
        kwargs["latitude"], kwargs["longitude"] = LAT, LON
    complaint = complaint_create(text=text, **kwargs)
    if days_ago:
        # Test setup only: the clock cannot be frozen, so age the row instead.
        Complaint.objects.filter(pk=complaint.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    if route:
        disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def links_of(complaint):
    return list(DuplicateLink.objects.filter(complaint=complaint))


# Text similarity ---------------------------------------------------------------------


def test_similarity_ignores_case_punctuation_and_filler_words():
    assert text_similarity("Jalan rusak parah!!", "jalan RUSAK, parah") == pytest.approx(1.0)
    assert text_similarity("Tolong pak, jalan rusak", "jalan rusak") == pytest.approx(1.0)


def test_similarity_is_high_for_the_same_problem_and_low_for_another():
    assert text_similarity(POTHOLE, POTHOLE_AGAIN) > 0.7
    assert text_similarity(POTHOLE, STREETLIGHT) < 0.3
    assert text_similarity("", POTHOLE) == 0.0
    assert text_similarity("di ke dari", POTHOLE) == 0.0  # only stop words


def test_distance_is_the_great_circle_distance():
    assert distance_m(LAT, LON, north_of(100), LON) == pytest.approx(100, abs=0.01)
    # Bandung to Jakarta (Monas): about 117 km as the crow flies.
    assert distance_m(-6.9147, 107.6098, -6.1754, 106.8272) == pytest.approx(118_000, rel=0.02)


# Detection ----------------------------------------------------------------------------


def test_it_links_a_near_and_similar_complaint_to_the_older_one(world):
    older = report(world)
    newer = report(world, POTHOLE_AGAIN, latitude=north_of(40), longitude=LON, channel="whatsapp")
    [link] = links_of(newer)
    assert link.candidate_of == older
    assert link.state == DuplicateLink.State.OPEN
    assert link.reason_codes == ["nearby"]
    assert link.distance_m == 40
    assert link.score == pytest.approx(text_similarity(POTHOLE_AGAIN, POTHOLE), abs=1e-4)
    assert links_of(older) == []  # the older one is never the duplicate of a newer one


@pytest.mark.parametrize(("metres", "linked"), [(99, True), (101, False), (150, False)])
def test_the_radius_is_a_boundary(world, metres, linked):
    report(world)
    newer = report(world, POTHOLE_AGAIN, latitude=north_of(metres), longitude=LON)
    assert bool(links_of(newer)) is linked


def test_the_radius_holds_east_west_too(world):
    # A degree of longitude is shorter than a degree of latitude away from the equator:
    # the bounding box must widen for it, the exact distance decides.
    report(world)
    east = LON + math.degrees(90 / (duplicates.EARTH_RADIUS_M * math.cos(math.radians(LAT))))
    newer = report(world, POTHOLE_AGAIN, latitude=LAT, longitude=east)
    assert links_of(newer)[0].distance_m == 90


@pytest.mark.parametrize(("days", "linked"), [(13, True), (14, True), (15, False)])
def test_the_window_is_a_boundary(world, days, linked):
    older = report(world, route=False)
    newer = report(world, POTHOLE_AGAIN)
    # Age the older one relative to the newer one; the window counts back from the newer.
    Complaint.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(days=days))
    disposition_route(complaint_id=older.pk)
    assert bool(duplicate_candidates_find(complaint=newer)) is linked


def test_it_follows_the_window_setting(world, settings):
    settings.DUPLICATE_WINDOW_DAYS = 3
    report(world, days_ago=4)
    assert links_of(report(world, POTHOLE_AGAIN)) == []


def test_it_does_not_link_to_a_rejected_or_resolved_complaint(world, operator, staff_roads):
    rejected = report(world)
    complaint_transition(
        complaint=rejected, action="reject", actor=Actor.for_user(operator), note="Bukan jalan kota"
    )
    resolved = report(world)
    staff = Actor.for_user(staff_roads)
    disposition_start(complaint=resolved, actor=staff)
    disposition_resolve(
        complaint=resolved,
        actor=staff,
        note="Sudah ditambal",
        evidence=[process_image(io.BytesIO(make_image_bytes()), name="tambal.jpg")],
    )
    assert links_of(report(world, POTHOLE_AGAIN)) == []


def test_it_does_not_link_another_category_or_dissimilar_text(world):
    report(world, category=world.streetlight)
    report(world, STREETLIGHT)
    assert links_of(report(world, POTHOLE_AGAIN)) == []


def test_the_similarity_threshold_is_a_boundary(world, settings):
    report(world)
    score = text_similarity(POTHOLE_AGAIN, POTHOLE)
    settings.DUPLICATE_MIN_SIMILARITY = math.floor(score * 100)
    newer = report(world, POTHOLE_AGAIN)
    assert len(duplicate_candidates_find(complaint=newer)) == 1
    settings.DUPLICATE_MIN_SIMILARITY = math.floor(score * 100) + 1
    assert duplicate_candidates_find(complaint=newer) == []


def test_without_coordinates_the_same_kelurahan_and_very_similar_text_link(world, settings):
    older = report(world, area=world.sukarasa, latitude=None, longitude=None)
    almost_same = POTHOLE.replace("motor", "pengendara motor")
    newer = report(world, almost_same, area=world.sukarasa, latitude=None, longitude=None)
    [link] = links_of(newer)
    assert (link.candidate_of, link.reason_codes, link.distance_m) == (older, ["same_area"], None)

    # Similar enough near a map point is not similar enough without one.
    score = text_similarity(POTHOLE_AGAIN, POTHOLE)
    assert score >= settings.DUPLICATE_MIN_SIMILARITY / 100
    assert score < settings.DUPLICATE_MIN_SIMILARITY_SAME_AREA / 100
    loose = report(world, POTHOLE_AGAIN, area=world.sukarasa, latitude=None, longitude=None)
    assert links_of(loose) == []


def test_a_map_point_on_one_side_only_falls_back_to_the_kelurahan(world):
    older = report(world, area=world.dago, latitude=None, longitude=None)
    newer = report(world, POTHOLE + ".", area=world.dago)
    assert [link.candidate_of for link in links_of(newer)] == [older]


def test_a_kecamatan_is_too_wide_to_stand_in_for_a_map_point(world):
    report(world, area=world.coblong, latitude=None, longitude=None)
    newer = report(world, POTHOLE, area=world.coblong, latitude=None, longitude=None)
    assert links_of(newer) == []


def test_the_same_reporter_across_channels_is_linked(world):
    web = report(
        world,
        POTHOLE,
        channel="web",
        reporter_phone="0812 3456 7890",
        latitude=None,
        longitude=None,
        category=None,
    )
    whatsapp = report(
        world,
        POTHOLE_AGAIN,
        channel="whatsapp",
        reporter_phone="+6281234567890",
        area=world.bekasi,
        latitude=None,
        longitude=None,
    )
    [link] = links_of(whatsapp)
    assert (link.candidate_of, link.reason_codes) == (web, ["same_reporter"])
    # The same reporter's other problem is not a duplicate.
    other = report(world, STREETLIGHT, channel="sms", reporter_phone="081234567890")
    assert [link.candidate_of for link in links_of(other)] == []


def test_near_and_same_reporter_give_both_reasons(world):
    older = report(world, reporter_email="warga@example.id")
    newer = report(world, POTHOLE_AGAIN, reporter_email="warga@example.id")
    [link] = links_of(newer)
    assert link.candidate_of == older
    assert link.reason_codes == ["nearby", "same_reporter"]


def test_detection_is_idempotent_and_keeps_decisions(world, operator):
    report(world)
    newer = report(world, POTHOLE_AGAIN)
    [link] = links_of(newer)
    duplicate_link_dismiss(link=link, actor=Actor.for_user(operator))
    duplicate_links_record(complaint=newer)
    disposition_route(complaint_id=newer.pk)  # a redelivered routing task
    [again] = links_of(newer)
    assert again.pk == link.pk
    assert again.state == DuplicateLink.State.DISMISSED


def test_a_failing_detection_never_blocks_routing(world, settings):
    report(world)
    # A window no date arithmetic can hold makes detection raise inside routing.
    settings.DUPLICATE_WINDOW_DAYS = 999_999_999
    newer = report(world, POTHOLE_AGAIN)
    assert newer.status == Status.ASSIGNED
    assert Disposition.objects.filter(complaint=newer, state="pending").exists()
    assert links_of(newer) == []


# Merge --------------------------------------------------------------------------------


def _pair(world):
    older = report(world, reporter_name="Budi Santoso", reporter_phone="081111111111")
    newer = report(
        world,
        POTHOLE_AGAIN,
        channel="whatsapp",
        reporter_name="Siti Aminah",
        reporter_phone="082222222222",
        reporter_email="siti@example.id",
    )
    [link] = links_of(newer)
    return older, newer, link


def test_merge_makes_the_duplicate_grey_and_cancels_its_disposition(world, operator):
    older, newer, link = _pair(world)
    complaint_merge(duplicate=newer, into=older, actor=Actor.for_user(operator), note="Sama")
    newer.refresh_from_db()
    assert newer.status == Status.DUPLICATE
    assert status_colour(newer.status) == "grey"
    assert newer.merged_into == older
    disposition = Disposition.objects.get(complaint=newer)
    assert disposition.state == Disposition.State.CANCELLED
    assert disposition.closed_at is not None
    link.refresh_from_db()
    assert (link.state, link.decided_by) == (DuplicateLink.State.MERGED, operator)
    assert link.decided_at is not None
    older.refresh_from_db()
    assert older.status == Status.ASSIGNED  # the master is untouched
    assert Disposition.objects.get(complaint=older).state == Disposition.State.PENDING
    event = newer.events.get(action="mark_duplicate")
    assert (event.from_status, event.to_status, event.note) == ("assigned", "duplicate", "Sama")
    assert duplicate_links_open_for(complaint=older) == []


def test_the_duplicates_reporter_follows_the_masters_progress(client, world, operator, staff_roads):
    older, newer, _link = _pair(world)
    complaint_merge(duplicate=newer, into=older, actor=Actor.for_user(operator))
    disposition_start(complaint=older, actor=Actor.for_user(staff_roads))

    view = complaint_public_view(complaint_by_token(newer.public_token))
    assert view.merged_into == older.tracking_code
    assert (view.status, view.colour) == (Status.IN_PROGRESS, "yellow")
    assert view.agency == world.roads_bdg.name
    texts = [e.text for e in view.timeline]
    assert "Merged with another complaint about the same problem" in texts
    assert texts[-1] == f"{world.roads_bdg.name} is working on it"
    assert view.text == newer.text  # its own words, not the master's
    assert set(complaint_followers(complaint=older)) == {older, newer}

    page = client.get(reverse("complaints:track", args=[newer.public_token]))
    body = page.content.decode()
    assert older.tracking_code in body
    assert POTHOLE not in body  # the master's text stays on the master's page
    for secret in ("Budi", "081111111111", "+6281111111111", "Siti", "+6282222222222", "siti@"):
        assert secret not in body


def test_the_public_api_names_the_master(client, world, operator):
    older, newer, _link = _pair(world)
    complaint_merge(duplicate=newer, into=older, actor=Actor.for_user(operator))
    data = client.get(reverse("complaints-api:track", args=[newer.public_token])).json()
    assert data["merged_into"] == older.tracking_code
    assert data["status"] == Status.ASSIGNED
    assert "reporter" not in data


def test_the_merge_is_announced_after_commit(world, operator, django_capture_on_commit_callbacks):
    older, newer, _link = _pair(world)
    heard = []

    def handler(**payload):
        heard.append(payload)

    hooks.register(hooks.COMPLAINT_MERGED, handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            complaint_merge(duplicate=newer, into=older, actor=Actor.for_user(operator))
            assert heard == []
    finally:
        hooks._handlers[hooks.COMPLAINT_MERGED].remove(handler)
    assert heard == [{"complaint_id": newer.pk, "into_id": older.pk}]


@pytest.mark.parametrize("persona", ["staff_roads", "head_roads", "supervisor"])
def test_only_an_operator_may_merge_or_dismiss(world, request, persona):
    older, newer, link = _pair(world)
    actor = Actor.for_user(request.getfixturevalue(persona))
    with pytest.raises(TransitionNotPermitted):
        complaint_merge(duplicate=newer, into=older, actor=actor)
    with pytest.raises(TransitionNotPermitted):
        duplicate_link_dismiss(link=link, actor=actor)
    newer.refresh_from_db()
    assert (newer.status, newer.merged_into) == (Status.ASSIGNED, None)
    assert Disposition.objects.get(complaint=newer).state == Disposition.State.PENDING
    link.refresh_from_db()
    assert link.state == DuplicateLink.State.OPEN


def test_it_refuses_to_merge_into_itself_or_into_a_grey_complaint(world, operator):
    older, newer, _link = _pair(world)
    actor = Actor.for_user(operator)
    with pytest.raises(TransitionError, match="itself"):
        complaint_merge(duplicate=newer, into=newer, actor=actor)
    complaint_transition(complaint=older, action="reject", actor=actor, note="Bukan jalan kota")
    with pytest.raises(TransitionError, match="merge into an open complaint"):
        complaint_merge(duplicate=newer, into=older, actor=actor)
    newer.refresh_from_db()
    assert newer.status == Status.ASSIGNED


def test_merging_a_master_moves_its_duplicates_along(world, operator):
    actor = Actor.for_user(operator)
    first = report(world)
    second = report(world, POTHOLE_AGAIN)
    third = report(world, POTHOLE + " lagi")
    complaint_merge(duplicate=second, into=first, actor=actor)
    complaint_merge(duplicate=first, into=third, actor=actor)
    assert set(Complaint.objects.filter(merged_into=third)) == {first, second}
    with pytest.raises(TransitionError):
        complaint_merge(duplicate=third, into=first, actor=actor)  # no cycles


def test_a_complaint_in_triage_merges_without_a_disposition(world, operator):
    older = report(world, category=world.health, area=world.dago)
    newer = report(world, POTHOLE_AGAIN, category=world.health, area=world.dago)
    assert newer.status == Status.TRIAGE
    complaint_merge(duplicate=newer, into=older, actor=Actor.for_user(operator))
    newer.refresh_from_db()
    assert newer.status == Status.DUPLICATE
    assert not Disposition.objects.filter(complaint=newer).exists()


# Dismiss ------------------------------------------------------------------------------


def test_dismiss_records_who_decided_and_happens_once(world, operator):
    _older, newer, link = _pair(world)
    duplicate_link_dismiss(link=link, actor=Actor.for_user(operator))
    link.refresh_from_db()
    assert (link.state, link.decided_by) == (DuplicateLink.State.DISMISSED, operator)
    assert duplicate_links_open_for(complaint=newer) == []
    with pytest.raises(TransitionError, match="already decided"):
        duplicate_link_dismiss(link=link, actor=Actor.for_user(operator))
    newer.refresh_from_db()
    assert newer.status == Status.ASSIGNED


# Honest counts ------------------------------------------------------------------------


def test_a_merged_group_counts_once_as_a_problem_and_n_times_as_reports(world, operator):
    actor = Actor.for_user(operator)
    master = report(world, days_ago=3)
    first = report(world, POTHOLE_AGAIN, days_ago=2)
    second = report(world, POTHOLE + " lagi", days_ago=1)
    garbage = report(world, "Sampah menumpuk di pasar", category=world.garbage)
    triage = report(world, "Puskesmas tutup", category=world.health)
    complaint_merge(duplicate=first, into=master, actor=actor)
    complaint_merge(duplicate=second, into=master, actor=actor)

    assert problem_and_report_counts() == (3, 5)
    assert problem_and_report_counts(agency=world.roads_bdg) == (1, 3)
    assert problem_and_report_counts(agency=world.env_bdg) == (1, 1)
    assert triage.agency is None and garbage.agency == world.env_bdg
    # A period that holds only a duplicate counts its master's problem once.
    now = timezone.now()
    window = {"since": now - timedelta(days=2, hours=12), "until": now - timedelta(hours=12)}
    assert problem_and_report_counts(**window) == (1, 2)
    assert problem_and_report_counts(since=now - timedelta(hours=1)) == (2, 2)
