"""Routing and dispositions: who holds a complaint, and what the holder does with it.

Every status change still goes through complaints.lifecycle; these services add the
disposition rows (with deadlines) that belong to each move.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import report_types
from complaints import services as complaint_services
from complaints.areas import area_locate, area_mentioned
from complaints.images import ProcessedImage
from complaints.lifecycle import SYSTEM_ACTOR, Actor, TransitionError, complaint_transition
from complaints.models import Agency, Area, Attachment, Category, Complaint, Priority, Status

from . import duplicates
from .categorizer import services as categorizer
from .deadlines import WorkingCalendar, deadline_after, working_calendar, working_time_between
from .models import DeadlinePolicy, Disposition, RoutingRule

logger = logging.getLogger(__name__)


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


def _matching_rules(
    *, categories: list[int], area_codes: list[str], usable_only: bool = True
) -> list[RoutingRule]:
    """Rules whose category and area both cover the complaint's, in one query."""
    qs = RoutingRule.objects.all()
    if usable_only:
        qs = qs.filter(is_active=True, agency__is_active=True)
    return list(
        qs.filter(Q(category__isnull=True) | Q(category_id__in=categories))
        .filter(Q(area__isnull=True) | Q(area__code__in=area_codes))
        .select_related("agency", "area", "category")
    )


def _rank(
    rule: RoutingRule, categories: list[int], area_codes: list[str]
) -> tuple[int, int, int, int]:
    """Lower ranks first: the most specific area, then category, then order, then age."""
    area_rank = area_codes.index(rule.area.code) if rule.area else len(area_codes)
    category_rank = categories.index(rule.category_id) if rule.category_id else len(categories)
    return (area_rank, category_rank, rule.order, rule.pk)


def _rule_reason(rule: RoutingRule) -> str:
    return _("Rule #%(id)s: %(what)s in %(where)s goes to %(agency)s") % {
        "id": rule.pk,
        "what": rule.category.name if rule.category else _("any category"),
        "where": rule.area.name if rule.area else _("anywhere"),
        "agency": rule.agency.name,
    }


def routing_rule_match(*, category: Category | None, area: Area | None) -> RoutingMatch | None:
    """The rule that decides where a complaint goes, or None (it needs a person).

    Most specific area first (kelurahan before kecamatan before city before province
    before "anywhere"), then the most specific category (subcategory before topic before
    "any"), then the rule's order. One query; the ranking happens here, readable.
    """
    categories = _category_lineage(category)
    area_codes = area.ancestor_codes if area else []
    candidates = _matching_rules(categories=categories, area_codes=area_codes)
    if not candidates:
        return None
    best = min(candidates, key=lambda rule: _rank(rule, categories, area_codes))
    return RoutingMatch(agency=best.agency, rule=best, reason=_rule_reason(best))


def _refines(found: Area, chosen: Area | None) -> bool:
    """A located area is used when nothing was chosen, or when it is inside the choice."""
    if chosen is None:
        return True
    return found.level > chosen.level and chosen.code in found.ancestor_codes


def located_area(
    *, chosen: Area | None, latitude: Decimal | None, longitude: Decimal | None
) -> Area | None:
    """The area found from coordinates when it refines the chosen one, else None.

    A located area that disagrees with the choice, or is less specific, is ignored: a
    reporter who picked a kelurahan knows where they are better than a centroid does.
    """
    if latitude is None or longitude is None:
        return None
    found = area_locate(latitude=latitude, longitude=longitude)
    return found if found is not None and _refines(found, chosen) else None


# The dry run ------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedRule:
    """One rule that matched the sample, where it ranked, and why."""

    position: int
    rule: RoutingRule
    level: str
    area_text: str
    category_text: str
    why: str

    @property
    def is_winner(self) -> bool:
        return self.position == 1


@dataclass(frozen=True)
class SkippedRule:
    """A rule that would match but cannot route: it or its agency is inactive."""

    rule: RoutingRule
    why: str


@dataclass(frozen=True)
class DryRunResult:
    """Where a sample complaint would go, why, and what every candidate rule looked like."""

    category: Category | None
    chosen_area: Area | None
    area: Area | None
    location_note: str
    match: RoutingMatch | None
    reason: str
    candidates: list[RankedRule]
    skipped: list[SkippedRule]
    response_hours: int
    resolution_hours: int
    response_due_at: datetime | None
    resolution_due_at: datetime | None


def rule_level_label(rule: RoutingRule) -> str:
    """The level a rule works at: the level of its area, or "anywhere"."""
    return rule.area.get_level_display() if rule.area else str(_("Anywhere"))


def _area_text(rule: RoutingRule, area: Area | None) -> str:
    if rule.area is None:
        return _("anywhere: covers every area")
    if area is not None and rule.area.code == area.code:
        return _("exactly %(area)s") % {"area": rule.area.name}
    return _("%(area)s, which contains %(inner)s") % {
        "area": rule.area.name,
        "inner": area.name if area else "—",
    }


def _category_text(rule: RoutingRule, category: Category | None) -> str:
    if rule.category is None:
        return _("any category")
    if category is not None and rule.category_id == category.pk:
        return _("exactly %(category)s") % {"category": rule.category.name}
    return _("topic %(topic)s, which contains %(category)s") % {
        "topic": rule.category.name,
        "category": category.name if category else "—",
    }


def _why_ranked(rank: tuple[int, ...], above: tuple[int, ...] | None, above_id: int) -> str:
    """Why a rule sits below the one ranked just above it (or why it wins)."""
    if above is None:
        return _("Wins: the most specific area, then the most specific category, then order.")
    values = {"id": above_id}
    if rank[0] > above[0]:
        return _("Its area is less specific than rule #%(id)s's.") % values
    if rank[1] > above[1]:
        return _("Same area as rule #%(id)s, but a less specific category.") % values
    if rank[2] > above[2]:
        return _("Same area and category as rule #%(id)s, but a higher order.") % values
    return _("Same area, category and order as rule #%(id)s, which is older.") % values


def _location_note(*, chosen: Area | None, found: Area | None, has_coordinates: bool) -> str:
    if not has_coordinates:
        return ""
    if found is None:
        return _("No area centroid lies within range of the coordinates.")
    if _refines(found, chosen):
        return _("The coordinates lie in %(area)s; routing uses it.") % {"area": found.name}
    values = {"found": found.name, "chosen": chosen.name if chosen else "—"}
    if chosen is not None and found.code in chosen.ancestor_codes:
        return _("The coordinates agree with the chosen area (%(found)s).") % values
    return (
        _("The coordinates point to %(found)s, outside the chosen %(chosen)s; the choice stays.")
        % values
    )


def routing_dry_run(
    *,
    category: Category | None,
    area: Area | None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    now: datetime | None = None,
) -> DryRunResult:
    """Where a complaint with this category, area and location would go, and why.

    Reads only: the same matching and ranking as `complaint_route`, with every candidate
    rule listed in rank order, the usable-but-for-inactivity ones beside them, and the
    deadlines the receiving agency would get if the complaint arrived at `now`.
    """
    now = now or timezone.now()
    has_coordinates = latitude is not None and longitude is not None
    found = area_locate(latitude=latitude, longitude=longitude) if has_coordinates else None
    effective = found if found is not None and _refines(found, area) else area

    categories = _category_lineage(category)
    area_codes = effective.ancestor_codes if effective else []
    matching = _matching_rules(categories=categories, area_codes=area_codes, usable_only=False)
    usable = sorted(
        (r for r in matching if r.is_active and r.agency.is_active),
        key=lambda r: _rank(r, categories, area_codes),
    )
    candidates: list[RankedRule] = []
    above: RoutingRule | None = None
    for position, rule in enumerate(usable, start=1):
        rank = _rank(rule, categories, area_codes)
        above_rank = _rank(above, categories, area_codes) if above else None
        candidates.append(
            RankedRule(
                position=position,
                rule=rule,
                level=rule_level_label(rule),
                area_text=_area_text(rule, effective),
                category_text=_category_text(rule, category),
                why=_why_ranked(rank, above_rank, above.pk if above else 0),
            )
        )
        above = rule
    skipped = [
        SkippedRule(
            rule=r,
            why=_("The rule is inactive.") if not r.is_active else _("The agency is inactive."),
        )
        for r in matching
        if not (r.is_active and r.agency.is_active)
    ]

    match = None
    if usable:
        match = RoutingMatch(
            agency=usable[0].agency, rule=usable[0], reason=_rule_reason(usable[0])
        )
    deadlines = deadlines_for(category=category, priority=Priority.NORMAL, now=now)
    return DryRunResult(
        category=category,
        chosen_area=area,
        area=effective,
        location_note=_location_note(chosen=area, found=found, has_coordinates=has_coordinates),
        match=match,
        reason=match.reason
        if match
        else _("No active rule covers this category and area: an operator would triage it."),
        candidates=candidates,
        skipped=skipped,
        response_hours=deadlines.response_hours,
        resolution_hours=deadlines.resolution_hours,
        response_due_at=deadlines.response_due_at if match else None,
        resolution_due_at=deadlines.resolution_due_at if match else None,
    )


# Dead ends --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingGap:
    """An active category that some areas of a loaded province would not route."""

    category: Category
    areas: list[Area]  # the largest uncovered subtrees, in code order
    area_count: int  # every area (all levels) inside them


def _strict_ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def routing_gaps() -> list[RoutingGap]:
    """Every active category with the areas of the loaded provinces it would not route.

    Applies `routing_rule_match`'s matching (a rule covers its area's whole subtree, a
    topic covers its subcategories, blank means everything) to the whole tree at once:
    two queries for the rules and the tree instead of one match per category and area.
    """
    rules = list(
        RoutingRule.objects.filter(is_active=True, agency__is_active=True).select_related("area")
    )
    areas = list(Area.objects.only("id", "code", "name", "level", "parent_id").order_by("code"))
    children: dict[int | None, list[Area]] = defaultdict(list)
    for node in areas:
        children[node.parent_id].append(node)
    sizes = {node.code: 1 for node in areas}
    for node in areas:
        for ancestor in _strict_ancestors(node.code):
            if ancestor in sizes:
                sizes[ancestor] += 1

    gaps = []
    for category in Category.objects.filter(is_active=True).select_related("parent"):
        lineage = _category_lineage(category)
        applicable = [r for r in rules if r.category_id is None or r.category_id in lineage]
        if any(r.area_id is None for r in applicable):
            continue
        covered = {r.area.code for r in applicable}
        partly = {code for c in covered for code in _strict_ancestors(c)}
        uncovered: list[Area] = []
        stack = list(reversed(children[None]))
        while stack:
            node = stack.pop()
            if node.code in covered:
                continue
            if node.code in partly:
                stack.extend(reversed(children[node.pk]))
            else:
                uncovered.append(node)
        if uncovered:
            gaps.append(
                RoutingGap(
                    category=category,
                    areas=uncovered,
                    area_count=sum(sizes[a.code] for a in uncovered),
                )
            )
    return gaps


def _deadline_hours(category: Category | None, priority: str) -> tuple[int, int]:
    """Response and resolution hours: the most specific DeadlinePolicy, else the category's."""
    if category is None:
        return settings.DEFAULT_RESPONSE_HOURS, settings.DEFAULT_RESOLUTION_HOURS
    lineage = _category_lineage(category)
    policies = {
        p.category_id: p
        for p in DeadlinePolicy.objects.filter(category_id__in=lineage, priority=priority)
    }
    for category_id in lineage:
        policy = policies.get(category_id)
        if policy is not None:
            return policy.response_hours, policy.resolution_hours
    return category.response_hours, category.resolution_hours


def runs_on_wall_time(*, category: Category | None, priority: str) -> bool:
    """Emergencies (a flagged category or topic) and urgent complaints never wait for Monday."""
    if priority == Priority.URGENT:
        return True
    if category is None:
        return False
    return category.is_emergency or bool(category.parent_id and category.parent.is_emergency)


@dataclass(frozen=True)
class Deadlines:
    response_hours: int
    resolution_hours: int
    wall_time: bool
    response_due_at: datetime
    resolution_due_at: datetime


def deadlines_for(
    *, category: Category | None, priority: str, now: datetime, report_type: str = ""
) -> Deadlines:
    """The deadlines a disposition opened at `now` gets: working time unless an emergency.

    An information request has its legal deadline (complaints.report_types)."""
    response_hours, resolution_hours = _deadline_hours(category, priority)
    resolution_hours = report_types.resolution_hours(report_type, resolution_hours)
    wall_time = runs_on_wall_time(category=category, priority=priority)
    calendar = None if wall_time else working_calendar()

    def due(hours: int) -> datetime:
        return deadline_after(start=now, hours=hours, wall_time=wall_time, calendar=calendar)

    return Deadlines(
        response_hours=response_hours,
        resolution_hours=resolution_hours,
        wall_time=wall_time,
        response_due_at=due(response_hours),
        resolution_due_at=due(resolution_hours),
    )


def _open_disposition(
    *,
    complaint: Complaint,
    agency: Agency,
    actor: Actor,
    action: str,
    rule: RoutingRule | None = None,
    note: str = "",
    forwarded_from: Disposition | None = None,
    reopen_of: Disposition | None = None,
    is_public: bool = True,
    now: datetime | None = None,
) -> Disposition:
    """Move the complaint to `agency` through the lifecycle, then record the disposition.

    The transition runs first so an illegal move fails with the lifecycle's clear error
    before any row is written. Deadlines count from `now` in working time, or in wall
    time for emergencies and urgent complaints.
    """
    deadlines = deadlines_for(
        category=complaint.category,
        priority=complaint.priority,
        now=now or timezone.now(),
        report_type=complaint.report_type,
    )
    complaint_transition(
        complaint=complaint,
        action=action,
        actor=actor,
        agency=agency,
        due_at=deadlines.resolution_due_at,
        note=note,
        is_public=is_public,
    )
    return Disposition.objects.create(
        complaint=complaint,
        agency=agency,
        rule=rule,
        note=note,
        forwarded_from=forwarded_from,
        reopen_of=reopen_of,
        created_by=actor.user,
        response_due_at=deadlines.response_due_at,
        resolution_due_at=deadlines.resolution_due_at,
        on_wall_time=deadlines.wall_time,
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
def complaint_route(*, complaint_id: int, now: datetime | None = None) -> RouteOutcome:
    """Locate, categorize if needed, then route a new complaint or send it to triage.

    Coordinates refine the area first (see `located_area`); without coordinates or a chosen
    area, a place the text names after "kel."/"kec."/"kota" does (`area_mentioned`). The
    most specific area known decides. The categorizer sets the category only when confident
    (settings.CATEGORIZER_THRESHOLD); otherwise its suggestions wait for the operator in
    triage. Idempotent: a second run (a redelivered task, the sweeper) finds the complaint
    no longer "new" and does nothing; the lifecycle's guarded update settles a race.
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
    refined = located_area(
        chosen=complaint.area, latitude=complaint.latitude, longitude=complaint.longitude
    )
    if refined is not None:
        complaint_services.complaint_set_area(
            complaint=complaint,
            area=refined,
            actor=SYSTEM_ACTOR,
            source=complaint_services.AreaSource.COORDINATES,
        )
    elif complaint.area is None:
        # An SMS has no pin; "Kel. Dago, Kec. Coblong" in its text is as good.
        named = area_mentioned(complaint.text)
        if named is not None:
            complaint_services.complaint_set_area(
                complaint=complaint,
                area=named,
                actor=SYSTEM_ACTOR,
                source=complaint_services.AreaSource.TEXT,
            )
    if complaint.category is None:
        decision = categorizer.complaint_categorize(complaint=complaint)
        if decision.category is None:
            complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
            _look_for_duplicates(complaint)
            return RouteOutcome.TRIAGE
    else:
        categorizer.decision_record_reporter(complaint=complaint)
    match = routing_rule_match(category=complaint.category, area=complaint.area)
    if match is None:
        complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
        _look_for_duplicates(complaint)
        return RouteOutcome.TRIAGE
    _open_disposition(
        complaint=complaint,
        agency=match.agency,
        actor=SYSTEM_ACTOR,
        action="route",
        rule=match.rule,
        note=match.reason,
        now=now,
    )
    _look_for_duplicates(complaint)
    return RouteOutcome.ASSIGNED


def _look_for_duplicates(complaint: Complaint) -> None:
    """Record probable duplicates for the operators; never let this hold routing back.

    It runs in a savepoint after the routing decision: whatever goes wrong here (a bug,
    a database error) is logged and rolled back alone, and the complaint stays routed.
    """
    try:
        with transaction.atomic():
            duplicates.duplicate_links_record(complaint=complaint)
    except Exception:
        logger.exception("Duplicate detection failed for complaint %s", complaint.pk)


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
    paused = _end_pause(disposition, now=disposition.closed_at, move_deadlines=False)
    disposition.save(update_fields=["state", "closed_at", *paused])
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
    paused = _end_pause(current, now=current.closed_at, move_deadlines=False)
    current.save(update_fields=["state", "closed_at", *paused])
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
    area: Area | None = None,
) -> Disposition:
    """An operator sends a complaint from triage to an agency, categorizing it on the way.

    The category is set first so the new disposition's deadlines follow it; a category
    given here is a person's decision, recorded as such and learned from. An area the
    operator learned (by phone, from the photo) is recorded for reports and later routing.
    """
    if category is not None:
        complaint_services.complaint_set_category(
            complaint=complaint, category=category, actor=actor
        )
        categorizer.decision_record_person(complaint=complaint, category=category, actor=actor)
    if area is not None:
        complaint_services.complaint_set_area(
            complaint=complaint,
            area=area,
            actor=actor,
            source=complaint_services.AreaSource.OPERATOR,
        )
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
    paused = _end_pause(disposition, now=disposition.closed_at, move_deadlines=False)
    disposition.save(update_fields=["state", "closed_at", *paused])
    return disposition


# The clock pauses while the agency waits for the reporter ----------------------------


def _locked_open_disposition(complaint: Complaint) -> Disposition:
    """The open disposition, row-locked so two answers cannot both move the deadlines."""
    disposition = (
        Disposition.objects.select_for_update()
        .filter(complaint=complaint, state__in=Disposition.OPEN_STATES)
        .first()
    )
    if disposition is None:
        raise TransitionError(_("This complaint has no open disposition."))
    return disposition


def _moved_deadline(
    due: datetime,
    *,
    disposition: Disposition,
    paused_at: datetime,
    span: timedelta,
    calendar: WorkingCalendar | None,
) -> datetime:
    # A deadline already missed when the clock stopped stays missed: asking a question
    # late does not rescue it. Otherwise it moves later by the paused span, never earlier.
    if paused_at >= due or not span:
        return due
    return deadline_after(
        start=due, hours=span, wall_time=disposition.on_wall_time, calendar=calendar
    )


def _end_pause(disposition: Disposition, *, now: datetime, move_deadlines: bool) -> list[str]:
    """Stop a running pause: count it in paused_total and, on resume, move the deadlines.

    Returns the fields changed (none when the disposition was not paused).
    """
    paused_at = disposition.paused_at
    if paused_at is None:
        return []
    calendar = None if disposition.on_wall_time else working_calendar()
    if disposition.on_wall_time:
        span = max(now - paused_at, timedelta(0))
    else:
        span = working_time_between(start=paused_at, end=now, calendar=calendar)
    disposition.paused_total += span
    disposition.paused_at = None
    changed = ["paused_at", "paused_total"]
    if move_deadlines:
        for name in ("response_due_at", "resolution_due_at"):
            moved = _moved_deadline(
                getattr(disposition, name),
                disposition=disposition,
                paused_at=paused_at,
                span=span,
                calendar=calendar,
            )
            setattr(disposition, name, moved)
        changed += ["response_due_at", "resolution_due_at"]
    return changed


@transaction.atomic
def disposition_request_info(
    *, complaint: Complaint, actor: Actor, question: str, now: datetime | None = None
) -> Disposition:
    """The agency asks the reporter for information; its clock stops until the answer.

    The question is public (the tracking page shows it so the reporter can answer). A
    second question while waiting keeps the clock stopped since the first.
    """
    question = question.strip()
    if not question:
        raise ValidationError(_("Write the question for the reporter."))
    disposition = _locked_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="request_info", actor=actor, note=question)
    if disposition.paused_at is None:
        disposition.paused_at = now or timezone.now()
        disposition.save(update_fields=["paused_at"])
    return disposition


@transaction.atomic
def disposition_provide_info(
    *, complaint: Complaint, actor: Actor, answer: str, now: datetime | None = None
) -> Disposition:
    """The reporter's answer (on the tracking page, or taken by an operator) restarts the clock.

    The open disposition's deadlines, and the complaint's, move later by the working
    time the pause lasted (wall time for emergencies). The answer is kept on the staff
    timeline; the public sees only that it arrived.
    """
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write your answer."))
    disposition = _locked_open_disposition(complaint)
    if disposition.paused_at is None:
        raise TransitionError(_("No question is waiting for an answer on this complaint."))
    changed = _end_pause(disposition, now=now or timezone.now(), move_deadlines=True)
    complaint_transition(
        complaint=complaint,
        action="provide_info",
        actor=actor,
        note=answer,
        due_at=disposition.resolution_due_at,
    )
    disposition.save(update_fields=changed)
    return disposition
