"""Routing and dispositions: who holds a complaint, and what the holder does with it.

Every status change still goes through complaints.lifecycle; these services add the
disposition rows (with deadlines) that belong to each move.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.images import ProcessedImage
from complaints.lifecycle import SYSTEM_ACTOR, Actor, TransitionError, complaint_transition
from complaints.models import Agency, Area, Attachment, Category, Complaint, Status

from .categorizer import services as categorizer
from .deadlines import add_hours
from .models import Disposition, RoutingRule


@dataclass(frozen=True)
class RoutingMatch:
    agency: Agency
    rule: RoutingRule
    reason: str


def _category_lineage(category: Category | None) -> list[int]:
    """The category's id and its topic's id, most specific first."""
    if category is None:
        return []
    ids = [category.pk]
    if category.parent_id:
        ids.append(category.parent_id)
    return ids


def routing_rule_match(*, category: Category | None, area: Area | None) -> RoutingMatch | None:
    """The rule that decides where a complaint goes, or None (it needs a person).

    Most specific area first (kelurahan before kecamatan before city before province
    before "anywhere"), then the most specific category (subcategory before topic before
    "any"), then the rule's order. One query; the ranking happens here, readable.
    """
    categories = _category_lineage(category)
    area_codes = area.ancestor_codes if area else []
    candidates = list(
        RoutingRule.objects.filter(is_active=True, agency__is_active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=categories))
        .filter(Q(area__isnull=True) | Q(area__code__in=area_codes))
        .select_related("agency", "area", "category")
    )
    if not candidates:
        return None

    def rank(rule: RoutingRule) -> tuple[int, int, int, int]:
        area_rank = area_codes.index(rule.area.code) if rule.area else len(area_codes)
        category_rank = categories.index(rule.category_id) if rule.category_id else len(categories)
        return (area_rank, category_rank, rule.order, rule.pk)

    best = min(candidates, key=rank)
    where = best.area.name if best.area else _("anywhere")
    what = best.category.name if best.category else _("any category")
    reason = _("Rule #%(id)s: %(what)s in %(where)s goes to %(agency)s") % {
        "id": best.pk,
        "what": what,
        "where": where,
        "agency": best.agency.name,
    }
    return RoutingMatch(agency=best.agency, rule=best, reason=reason)


def _deadline_hours(category: Category | None) -> tuple[int, int]:
    if category is None:
        return settings.DEFAULT_RESPONSE_HOURS, settings.DEFAULT_RESOLUTION_HOURS
    return category.response_hours, category.resolution_hours


def _open_disposition(
    *,
    complaint: Complaint,
    agency: Agency,
    actor: Actor,
    action: str,
    rule: RoutingRule | None = None,
    note: str = "",
    forwarded_from: Disposition | None = None,
    is_public: bool = True,
) -> Disposition:
    """Move the complaint to `agency` through the lifecycle, then record the disposition.

    The transition runs first so an illegal move fails with the lifecycle's clear error
    before any row is written.
    """
    now = timezone.now()
    response_hours, resolution_hours = _deadline_hours(complaint.category)
    resolution_due_at = add_hours(now, resolution_hours)
    complaint_transition(
        complaint=complaint,
        action=action,
        actor=actor,
        agency=agency,
        due_at=resolution_due_at,
        note=note,
        is_public=is_public,
    )
    return Disposition.objects.create(
        complaint=complaint,
        agency=agency,
        rule=rule,
        note=note,
        forwarded_from=forwarded_from,
        created_by=actor.user,
        response_due_at=add_hours(now, response_hours),
        resolution_due_at=resolution_due_at,
    )


def disposition_current(complaint: Complaint) -> Disposition | None:
    return (
        Disposition.objects.filter(complaint=complaint, state__in=Disposition.OPEN_STATES)
        .select_related("agency")
        .first()
    )


class RouteOutcome(enum.StrEnum):
    ASSIGNED = "assigned"
    TRIAGE = "triage"
    ALREADY_ROUTED = "already_routed"
    MISSING = "missing"


@transaction.atomic
def complaint_route(*, complaint_id: int) -> RouteOutcome:
    """Categorize a new complaint if it has no category, then route it or send it to triage.

    The categorizer sets the category only when confident (settings.CATEGORIZER_THRESHOLD);
    otherwise its suggestions wait for the operator in triage. Idempotent: a second run (a
    redelivered task, the sweeper) finds the complaint no longer "new" and does nothing;
    the lifecycle's guarded update settles a race.
    """
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("category", "area")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        return RouteOutcome.MISSING
    if complaint.status != Status.NEW:
        return RouteOutcome.ALREADY_ROUTED
    if complaint.category is None:
        decision = categorizer.complaint_categorize(complaint=complaint)
        if decision.category is None:
            complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
            return RouteOutcome.TRIAGE
    else:
        categorizer.decision_record_reporter(complaint=complaint)
    match = routing_rule_match(category=complaint.category, area=complaint.area)
    if match is None:
        complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
        return RouteOutcome.TRIAGE
    _open_disposition(
        complaint=complaint,
        agency=match.agency,
        actor=SYSTEM_ACTOR,
        action="route",
        rule=match.rule,
        note=match.reason,
    )
    return RouteOutcome.ASSIGNED


def _require_open_disposition(complaint: Complaint) -> Disposition:
    disposition = disposition_current(complaint)
    if disposition is None:
        raise TransitionError(_("This complaint has no open disposition."))
    return disposition


@transaction.atomic
def disposition_accept(*, complaint: Complaint, actor: Actor, note: str = "") -> Disposition:
    """The agency acknowledges the complaint (meets its response deadline)."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="accept", actor=actor, note=note)
    _mark_accepted(disposition)
    return disposition


def _mark_accepted(disposition: Disposition) -> None:
    if disposition.state == Disposition.State.PENDING:
        disposition.state = Disposition.State.ACCEPTED
        disposition.accepted_at = timezone.now()
        disposition.save(update_fields=["state", "accepted_at"])


@transaction.atomic
def complaint_start(*, complaint: Complaint, actor: Actor, note: str = "") -> Disposition:
    """The agency starts work; starting also counts as accepting."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="start", actor=actor, note=note)
    _mark_accepted(disposition)
    return disposition


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    actor: Actor,
    note: str,
    evidence: Sequence[ProcessedImage] = (),
) -> Disposition:
    """The agency reports the follow-up (tindak lanjut) done, with evidence photos."""
    disposition = _require_open_disposition(complaint)
    event = complaint_transition(complaint=complaint, action="resolve", actor=actor, note=note)
    for image in evidence:
        complaint_services.attachment_add(
            complaint=complaint, image=image, kind=Attachment.Kind.EVIDENCE, event=event
        )
    disposition.state = Disposition.State.RESOLVED
    disposition.closed_at = timezone.now()
    disposition.save(update_fields=["state", "closed_at"])
    return disposition


@transaction.atomic
def disposition_forward(
    *, complaint: Complaint, actor: Actor, to_agency: Agency, reason: str
) -> Disposition:
    """Koordinasi: hand the complaint to the agency that holds authority, with a fresh deadline."""
    current = _require_open_disposition(complaint)
    if to_agency.pk == current.agency_id:
        raise TransitionError(_("The complaint is already with %s.") % to_agency.name)
    current.state = Disposition.State.FORWARDED
    current.closed_at = timezone.now()
    current.save(update_fields=["state", "closed_at"])
    return _open_disposition(
        complaint=complaint,
        agency=to_agency,
        actor=actor,
        action="forward",
        note=reason,
        forwarded_from=current,
    )


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint,
    actor: Actor,
    agency: Agency,
    note: str = "",
    category: Category | None = None,
) -> Disposition:
    """An operator sends a complaint from triage to an agency, categorizing it on the way.

    The category is set first so the new disposition's deadlines follow it. A category
    given here is a person's decision: recorded as such, and learned from.
    """
    if category is not None:
        complaint_services.complaint_set_category(
            complaint=complaint, category=category, actor=actor
        )
        categorizer.decision_record_person(complaint=complaint, category=category, actor=actor)
    return _open_disposition(
        complaint=complaint, agency=agency, actor=actor, action="assign", note=note
    )


@transaction.atomic
def complaint_return_to_triage(*, complaint: Complaint, actor: Actor, reason: str) -> Disposition:
    """ "Not our authority": the agency hands the complaint back to the operators."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="return_to_triage", actor=actor, note=reason)
    disposition.state = Disposition.State.RETURNED
    disposition.closed_at = timezone.now()
    disposition.save(update_fields=["state", "closed_at"])
    return disposition
