"""Routing rules, the routing task, and the agency's actions on a disposition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.images import process_image
from complaints.lifecycle import Actor, TransitionError, TransitionNotPermitted
from complaints.models import Status
from complaints.selectors import complaint_by_token, complaint_public_view
from complaints.services import complaint_create
from dispositions import services
from dispositions.deadlines import deadline_after, working_calendar
from dispositions.models import Disposition, RoutingRule
from dispositions.routing import routing_rule_match
from dispositions.services import RouteOutcome
from dispositions.tasks import route_complaint, route_stranded_complaints
from tests.conftest import make_image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _new(world, **kwargs):
    kwargs.setdefault("category", world.road)
    kwargs.setdefault("area", world.sukarasa)
    return complaint_create(channel="web", text="Jalan berlubang besar", **kwargs)


def test_most_specific_area_wins(world):
    match = routing_rule_match(category=world.garbage, area=world.sukarasa)
    assert match.agency == world.kel_sukarasa  # kelurahan rule beats city and province

    match = routing_rule_match(category=world.garbage, area=world.dago)
    assert match.agency == world.env_bdg  # no kelurahan rule in Dago: the city's topic rule

    match = routing_rule_match(category=world.road, area=world.bekasi)
    assert match.agency == world.roads_prov  # no Bekasi rule: the province default


def test_subcategory_rule_beats_topic_rule_at_the_same_area(world):
    RoutingRule.objects.create(category=world.streetlight, area=world.bandung, agency=world.env_bdg)
    assert routing_rule_match(category=world.streetlight, area=world.dago).agency == world.env_bdg
    assert routing_rule_match(category=world.road, area=world.dago).agency == world.roads_bdg


def test_order_breaks_ties_and_inactive_rules_are_ignored(world):
    RoutingRule.objects.filter(category=world.infra, area=world.bandung).update(order=50)
    RoutingRule.objects.create(
        category=world.infra, area=world.bandung, agency=world.kel_sukarasa, order=10
    )
    assert routing_rule_match(category=world.road, area=world.dago).agency == world.kel_sukarasa
    RoutingRule.objects.filter(agency=world.kel_sukarasa).update(is_active=False)
    assert routing_rule_match(category=world.road, area=world.dago).agency == world.roads_bdg


def test_no_category_or_no_rule_means_no_match(world):
    assert routing_rule_match(category=None, area=world.dago) is None
    assert routing_rule_match(category=world.health, area=world.dago) is None


def test_the_match_explains_itself(world):
    match = routing_rule_match(category=world.road, area=world.sukarasa)
    assert "KOTA BANDUNG" in match.reason and world.roads_bdg.name in match.reason


def test_creating_a_complaint_routes_it_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _new(world)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg
    disposition = Disposition.objects.get(complaint=complaint)
    # Jalan rusak: 6 working hours to respond, 72 to resolve, counted from whenever this runs.
    calendar = working_calendar()

    def expected(hours):
        return deadline_after(start=complaint.created_at, hours=hours, calendar=calendar)

    assert abs(disposition.response_due_at - expected(6)) < timedelta(seconds=5)
    assert abs(disposition.resolution_due_at - expected(72)) < timedelta(seconds=5)
    assert complaint.due_at == disposition.resolution_due_at
    assert not disposition.on_wall_time


def test_the_routing_task_run_twice_opens_one_disposition(world):
    complaint = _new(world)
    assert route_complaint(complaint.pk) == "assigned"
    assert route_complaint(complaint.pk) == "already_routed"
    assert Disposition.objects.filter(complaint=complaint).count() == 1
    assert complaint.events.filter(action="route").count() == 1


def test_no_rule_sends_the_complaint_to_triage(world):
    complaint = _new(world, category=world.health)
    assert services.disposition_route(complaint_id=complaint.pk) == RouteOutcome.TRIAGE
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    assert complaint.agency is None
    assert not Disposition.objects.filter(complaint=complaint).exists()


def test_a_missing_complaint_is_not_an_error(world):
    assert services.disposition_route(complaint_id=987654) == RouteOutcome.MISSING


def test_the_sweeper_routes_complaints_whose_enqueue_was_lost(world):
    stranded = _new(world)  # on_commit never ran: as if the broker was down
    from complaints.models import Complaint

    Complaint.objects.filter(pk=stranded.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    fresh = _new(world)
    assert route_stranded_complaints() == 1
    stranded.refresh_from_db()
    fresh.refresh_from_db()
    assert stranded.status == Status.ASSIGNED
    assert fresh.status == Status.NEW  # still within its grace period


def _routed(world):
    complaint = _new(world)
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def test_accept_start_resolve_with_evidence(world, staff_roads):
    complaint = _routed(world)
    actor = Actor.for_user(staff_roads)
    services.disposition_accept(complaint=complaint, actor=actor)
    disposition = Disposition.objects.get(complaint=complaint)
    assert disposition.state == Disposition.State.ACCEPTED
    assert disposition.accepted_at is not None

    services.disposition_start(complaint=complaint, actor=actor)
    assert complaint.status == Status.IN_PROGRESS

    import io

    photo = process_image(io.BytesIO(make_image_bytes()), name="sesudah.jpg")
    services.disposition_resolve(
        complaint=complaint, actor=actor, note="Lubang sudah ditambal", evidence=[photo]
    )
    complaint.refresh_from_db()
    disposition.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    assert disposition.state == Disposition.State.RESOLVED
    evidence = complaint.attachments.get(kind="evidence")
    assert evidence.event.action == "resolve"
    # The citizen reads what was done (tindak lanjut), and sees green.
    public = complaint_public_view(complaint_by_token(complaint.public_token))
    assert public.colour == "green"
    assert public.timeline[-1].text.endswith("reports it done: Lubang sudah ditambal")


def test_forward_keeps_the_chain_and_gives_a_fresh_deadline(world, staff_roads, staff_env):
    complaint = _routed(world)
    first = Disposition.objects.get(complaint=complaint)
    new = services.disposition_forward(
        complaint=complaint,
        actor=Actor.for_user(staff_roads),
        to_agency=world.env_bdg,
        reason="Saluran air, kewenangan DLH",
    )
    first.refresh_from_db()
    complaint.refresh_from_db()
    assert first.state == Disposition.State.FORWARDED
    assert new.forwarded_from == first
    # Fresh, never earlier (outside working hours both count from the next opening).
    assert new.resolution_due_at >= first.resolution_due_at
    assert complaint.agency == world.env_bdg
    assert complaint.status == Status.ASSIGNED
    # The old agency has lost it; the new one can act.
    with pytest.raises(TransitionNotPermitted):
        services.disposition_start(complaint=complaint, actor=Actor.for_user(staff_roads))
    services.disposition_start(complaint=complaint, actor=Actor.for_user(staff_env))


def test_forward_to_the_same_agency_is_refused(world, staff_roads):
    complaint = _routed(world)
    with pytest.raises(TransitionError, match="already with"):
        services.disposition_forward(
            complaint=complaint,
            actor=Actor.for_user(staff_roads),
            to_agency=world.roads_bdg,
            reason="x",
        )


def test_return_to_triage_and_operator_assigns(world, staff_roads, operator):
    complaint = _routed(world)
    services.disposition_return_to_triage(
        complaint=complaint, actor=Actor.for_user(staff_roads), reason="Bukan kewenangan kami"
    )
    assert complaint.status == Status.TRIAGE
    assert Disposition.objects.get(complaint=complaint).state == Disposition.State.RETURNED

    services.disposition_assign(
        complaint=complaint, actor=Actor.for_user(operator), agency=world.env_bdg
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.env_bdg
    assert Disposition.objects.filter(complaint=complaint, state="pending").count() == 1


def test_actions_without_an_open_disposition_are_refused(world, operator):
    complaint = _new(world, category=world.health)
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    with pytest.raises(TransitionError, match="no open disposition"):
        services.disposition_accept(complaint=complaint, actor=Actor.for_user(operator))


def test_a_complaint_without_a_pin_is_routed_by_the_place_its_text_names(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_create(
            channel="sms", text="Jalan berlubang di Kel. Dago, Kec. Coblong", category=world.road
        )
    complaint.refresh_from_db()
    assert complaint.area == world.dago
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg
    note = complaint.events.get(kind="note", note__contains="Dago")
    assert "named in the report's text" in note.note


def test_a_chosen_area_is_not_overridden_by_the_text(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_create(
            channel="web", text="Rumah saya dulu di kel. Dago", area=world.sukarasa
        )
    complaint.refresh_from_db()
    assert complaint.area == world.sukarasa
