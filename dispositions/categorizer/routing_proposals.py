"""Routing rules proposed from the imported history, for the admin to review and accept.

The routing a city practises (mined_routing.py) becomes RoutingRule rows, created
inactive with a note saying how many complaints back them: the admin reviews them in the
rule list, tries them with the dry run and activates them in bulk (the "Activate"
action). Only what the wider place does not already say becomes a rule: a city rule per
topic, a kecamatan rule where the kecamatan's majority differs from the city's, a
kelurahan rule where it differs from its kecamatan's. A unit that is the complaint's own
kecamatan or kelurahan office becomes one rule per area whose office is in Sigap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from complaints.models import Agency, Area, Category

from ..models import RoutingRule, TrainingExample
from .area_names import area_key
from .mined_routing import OWN_KECAMATAN, OWN_KELURAHAN, unit_template

NOTE_PREFIX = "mined"
MIN_COUNT = 3
MIN_CONFIDENCE = 0.6


@dataclass
class Proposal:
    category: Category
    area: Area
    agency: Agency
    count: int
    total: int

    @property
    def note(self) -> str:
        return (
            f"{NOTE_PREFIX}: {self.count}/{self.total} complaints ({self.count / self.total:.0%})"
        )


@dataclass
class ProposalReport:
    proposals: list[Proposal] = field(default_factory=list)
    already_ruled: int = 0  # a rule for the same topic and area exists
    weak: int = 0  # too few complaints or no clear majority
    created: int = 0


def _district_and_village(area: Area | None) -> tuple[Area | None, Area | None, Area | None]:
    """(city, kecamatan, kelurahan) of an area whose parents are loaded."""
    if area is None:
        return None, None, None
    chain = {}
    node: Area | None = area
    while node is not None:
        chain[node.level] = node
        node = node.parent
    return (
        chain.get(Area.Level.REGENCY),
        chain.get(Area.Level.DISTRICT),
        chain.get(Area.Level.VILLAGE),
    )


def _offices() -> dict[int, Agency]:
    """Area id -> the kecamatan or kelurahan office covering exactly it."""
    found: dict[int, Agency] = {}
    levels = (Agency.Level.DISTRICT, Agency.Level.VILLAGE)
    for agency in Agency.objects.filter(level__in=levels, is_active=True).prefetch_related("areas"):
        for area in agency.areas.all():
            found.setdefault(area.pk, agency)
    return found


def routing_proposals(
    *, min_count: int = MIN_COUNT, min_confidence: float = MIN_CONFIDENCE
) -> ProposalReport:
    """The rules the history supports, not yet written."""
    examples = TrainingExample.objects.filter(
        agency__isnull=False, area__isnull=False, category__is_active=True
    ).select_related("category", "agency", "area__parent__parent__parent")
    counts: dict[tuple[int, int], Counter[object]] = defaultdict(Counter)
    categories, areas, agencies = {}, {}, {}
    for example in examples:
        city, kecamatan, kelurahan = _district_and_village(example.area)
        if city is None:
            continue
        unit = unit_template(
            example.agency.name,
            kecamatan.name if kecamatan else "",
            kelurahan.name if kelurahan else "",
        )
        key = unit if unit.startswith("@") else example.agency.pk
        agencies[example.agency.pk] = example.agency
        categories[example.category.pk] = example.category
        for place in (city, kecamatan, kelurahan):
            if place is not None:
                areas[place.pk] = place
                counts[(example.category.pk, place.pk)][key] += 1
    existing = set(RoutingRule.objects.values_list("category_id", "area_id"))
    offices = _offices()
    # Offices created by import_history --create-missing cover no area yet: by name then.
    by_name = {_name_key(a.name): a for a in agencies.values()}
    report = ProposalReport()
    chosen: dict[tuple[int, int], object] = {}
    for (category_id, area_id), counter in sorted(
        counts.items(), key=lambda i: areas[i[0][1]].level
    ):
        unit, count = counter.most_common(1)[0]
        total = sum(counter.values())
        area = areas[area_id]
        if total < min_count or count / total < min_confidence:
            report.weak += 1
            continue
        chosen[(category_id, area_id)] = unit
        parent_unit = chosen.get((category_id, area.parent_id)) if area.parent_id else None
        if parent_unit == unit:
            continue  # the wider place's rule already says it
        if unit in (OWN_KECAMATAN, OWN_KELURAHAN):
            targets = _office_areas(area, unit)
            pairs = [(a, offices.get(a.pk) or by_name.get(_office_key(unit, a))) for a in targets]
        else:
            pairs = [(area, agencies[unit])]
        for target, agency in pairs:
            if agency is None:
                continue
            if (category_id, target.pk) in existing:
                report.already_ruled += 1
                continue
            existing.add((category_id, target.pk))
            report.proposals.append(Proposal(categories[category_id], target, agency, count, total))
    return report


def _name_key(name: str) -> tuple[str, str]:
    """ "Kelurahan Pacar Kembang" -> ("kelurahan", "pacarkembang")."""
    word, _, rest = name.strip().partition(" ")
    return word.casefold(), area_key(rest)


def _office_key(unit: object, area: Area) -> tuple[str, str]:
    return ("kecamatan" if unit == OWN_KECAMATAN else "kelurahan"), area_key(area.name)


def _office_areas(area: Area, unit: object) -> list[Area]:
    """The areas inside `area` (itself included) whose own office the template names."""
    level = Area.Level.DISTRICT if unit == OWN_KECAMATAN else Area.Level.VILLAGE
    if area.level == level:
        return [area]
    return list(Area.objects.filter(code__startswith=f"{area.code}.", level=level))


@transaction.atomic
def routing_proposals_create(*, report: ProposalReport) -> int:
    """Write the proposals as inactive rules for review; returns how many were created."""
    rules = [
        RoutingRule(
            category=p.category, area=p.area, agency=p.agency, is_active=False, note=p.note[:255]
        )
        for p in report.proposals
    ]
    RoutingRule.objects.bulk_create(rules, ignore_conflicts=True)
    report.created = len(rules)
    return report.created


def routing_rules_activate(*, rules: QuerySet[RoutingRule]) -> int:
    """Accept reviewed rules in bulk (the admin's "Activate" action); returns how many."""
    return rules.filter(is_active=False).update(is_active=True)
