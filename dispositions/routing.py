"""Where a complaint goes, read only: rule matching, the admin's dry run, the gap report.

`routing_rule_match` is the one ranking of routing rules; `routing_dry_run` explains it
rule by rule for the admin and `routing_gaps` applies it to the whole area tree. The
writes that act on a match (opening a disposition) are in dispositions.services.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.areas import area_locate
from complaints.models import Agency, Area, Category, Priority

from .deadlines import deadlines_for
from .models import RoutingRule


@dataclass(frozen=True)
class RoutingMatch:
    agency: Agency
    rule: RoutingRule
    reason: str


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
    categories = category.lineage_ids if category else []
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

    Reads only: the same matching and ranking as `disposition_route`, with every candidate
    rule listed in rank order, the usable-but-for-inactivity ones beside them, and the
    deadlines the receiving agency would get if the complaint arrived at `now`.
    """
    now = now or timezone.now()
    has_coordinates = latitude is not None and longitude is not None
    found = area_locate(latitude=latitude, longitude=longitude) if has_coordinates else None
    effective = found if found is not None and _refines(found, area) else area

    categories = category.lineage_ids if category else []
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
        lineage = category.lineage_ids
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
