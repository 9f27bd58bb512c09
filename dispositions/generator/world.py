"""The reference data generated complaints live in: areas, categories, agencies, rules, people.

Loaded once, in a few queries. Routing asks the real `routing_rule_match` once per
distinct (category, covering rule areas) pair, so generated complaints reach exactly the
agency the live router would pick; deadlines' hours come from the real `deadlines_for`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db.models import Q

from complaints.models import Agency, Area, Category, Priority, User
from dispositions.deadlines import deadlines_for
from dispositions.models import RoutingRule
from dispositions.routing import routing_rule_match


class WorldError(RuntimeError):
    """The database lacks what the generator needs (run load_demo first)."""


@dataclass(frozen=True)
class Place:
    """A kelurahan/desa with its ancestors' ids and a map point near its city's centre."""

    village_id: int
    code: str
    ancestor_ids: tuple[int, ...]  # province, city, district, village
    city_id: int
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Deadline:
    response_seconds: float
    resolution_seconds: float
    wall_time: bool


@dataclass
class World:
    places: list[Place]
    place_weights: list[float]
    categories: list[Category]
    category_weights: list[float]
    topics: dict[int, int | None]  # category id -> topic id
    agencies: dict[int, Agency]
    staff: dict[int, list[int]]  # agency id -> user ids who act for it
    operator_ids: list[int]
    labels: dict[int, str]  # user id -> the name its events carry (Actor.label)
    emails: dict[int, list[str]]  # agency id -> its team's addresses (Escalation.notified)
    rule_areas: frozenset[str]
    _routes: dict[tuple[int, tuple[str, ...]], tuple[int, int, str] | None] = field(
        default_factory=dict
    )
    _deadlines: dict[tuple[int, str], Deadline] = field(default_factory=dict)
    _area_by_code: dict[str, Area] = field(default_factory=dict)
    _category_by_id: dict[int, Category] = field(default_factory=dict)

    def route(self, category_id: int, place: Place) -> tuple[int, int, str] | None:
        """(agency id, rule id, reason) the live router picks, or None (triage)."""
        codes = Area(code=place.code).ancestor_codes
        key = (category_id, tuple(c for c in codes if c in self.rule_areas))
        if key not in self._routes:
            match = routing_rule_match(
                category=self._category_by_id[category_id], area=self._area_by_code[place.code]
            )
            self._routes[key] = (match.agency.pk, match.rule.pk, match.reason) if match else None
        return self._routes[key]

    def deadline(self, category_id: int, priority: str, now: datetime) -> Deadline:
        key = (category_id, priority)
        if key not in self._deadlines:
            found = deadlines_for(
                category=self._category_by_id[category_id], priority=priority, now=now
            )
            self._deadlines[key] = Deadline(
                response_seconds=found.response_hours * 3600.0,
                resolution_seconds=found.resolution_hours * 3600.0,
                wall_time=found.wall_time,
            )
        return self._deadlines[key]


# How often each subcategory is the subject: Jakarta's CRM hears most about garbage,
# illegal parking, street vendors and roads; the rest of JQR's topics follow.
CATEGORY_WEIGHTS = {
    "sampah": 14, "jalan-rusak": 12, "parkir-liar": 8, "pkl": 7, "lampu-jalan": 6,
    "drainase": 6, "banjir": 4, "adminduk": 4, "kemacetan": 3, "bansos": 3,
    "pohon-tumbang": 2.5, "trotoar": 2.5, "angkutan-umum": 2, "layanan-puskesmas": 2,
    "bpjs-kesehatan": 2, "gangguan-ketertiban": 2, "pelayanan-aparatur": 2, "ppdb": 1.5,
    "pencemaran": 1.5, "rambu-lalu-lintas": 1.5, "demam-berdarah": 1.2, "harga-bahan-pokok": 1,
    "pasar": 1, "sarana-sekolah": 1, "upah": 1, "bangunan-liar": 1, "pungli": 0.8,
    "layanan-rumah-sakit": 0.8, "orang-terlantar": 0.6, "jembatan": 0.6, "pungutan-sekolah": 0.6,
    "izin-usaha": 0.5, "phk": 0.5, "kebakaran": 0.4,
}  # fmt: skip
# Kota Bandung and Jakarta take the most; the rest of Jawa Barat's regencies share the rest.
CITY_SHARES = {"32.73": 0.22, "31": 0.30}
OTHER_JABAR_SHARE = 0.48


def _zipf(rng: random.Random, n: int, exponent: float = 0.9) -> list[float]:
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1 / r**exponent for r in ranks]


def _places(rng: random.Random) -> tuple[list[Place], list[float], dict[str, Area]]:
    areas = list(
        Area.objects.filter(Q(code__startswith="32") | Q(code__startswith="31")).only(
            "id", "code", "level", "parent_id", "latitude", "longitude"
        )
    )
    by_code = {a.code: a for a in areas}
    villages = [a for a in areas if a.level == Area.Level.VILLAGE]
    if not villages:
        raise WorldError("No kelurahan/desa loaded: run `manage.py load_demo` first.")
    by_city: dict[str, list[Area]] = {}
    for village in villages:
        by_city.setdefault(village.code[:5], []).append(village)
    cities = sorted(by_city)
    jabar_others = [c for c in cities if c.startswith("32") and c != "32.73"]
    city_weights = dict(zip(jabar_others, _zipf(rng, len(jabar_others), 0.7), strict=True))
    total = sum(city_weights.values())
    shares = {c: OTHER_JABAR_SHARE * w / total for c, w in city_weights.items()}
    dki = [c for c in cities if c.startswith("31")]
    for city in dki:
        shares[city] = CITY_SHARES["31"] / len(dki)
    shares["32.73"] = CITY_SHARES["32.73"]

    places: list[Place] = []
    weights: list[float] = []
    for city in cities:
        members = by_city[city]
        local = _zipf(rng, len(members))
        local_total = sum(local)
        centre = by_code.get(city)
        for village, weight in zip(members, local, strict=True):
            codes = Area(code=village.code).ancestor_codes[::-1]
            places.append(
                Place(
                    village_id=village.pk,
                    code=village.code,
                    ancestor_ids=tuple(by_code[c].pk for c in codes),
                    city_id=by_code[city].pk,
                    latitude=float(centre.latitude) if centre and centre.latitude else None,
                    longitude=float(centre.longitude) if centre and centre.longitude else None,
                )
            )
            weights.append(shares.get(city, 0.0) * weight / local_total)
    return places, weights, by_code


def _actors(
    agencies: dict[int, Agency],
) -> tuple[dict[int, list[int]], list[int], dict[int, str], dict[int, list[str]]]:
    """Who acts for each agency; a generated staff member where an agency has nobody."""
    staff: dict[int, list[int]] = {a: [] for a in agencies}
    operators: list[int] = []
    for user in User.objects.filter(is_active=True).order_by("id"):
        if user.is_agency_member and user.agency_id in staff:
            staff[user.agency_id].append(user.pk)
        elif user.role == User.Role.OPERATOR:
            operators.append(user.pk)
    unusable = make_password(None)
    for agency_id, members in staff.items():
        if not members:
            slug = agencies[agency_id].slug
            user, _created = User.objects.get_or_create(
                username=f"staf.{slug}"[:150],
                defaults={
                    "role": User.Role.AGENCY_STAFF,
                    "agency_id": agency_id,
                    "first_name": "Staf",
                    "last_name": agencies[agency_id].short_name or slug,
                    "password": unusable,
                },
            )
            members.append(user.pk)
    if not operators:
        user, _created = User.objects.get_or_create(
            username="operator.generator",
            defaults={"role": User.Role.OPERATOR, "first_name": "Operator", "password": unusable},
        )
        operators.append(user.pk)
    labels: dict[int, str] = {}
    emails: dict[int, list[str]] = {}
    for user in User.objects.filter(is_active=True):
        labels[user.pk] = user.get_full_name() or user.get_username()
        if user.agency_id and user.email:
            emails.setdefault(user.agency_id, []).append(user.email)
    notified = {a: sorted(emails.get(a, [])) for a in agencies}
    return staff, operators, labels, notified


def world_load(*, seed: int) -> World:
    rng = random.Random(f"world-{seed}")
    places, weights, by_code = _places(rng)
    categories = list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("slug")
    )
    if not categories:
        raise WorldError("No categories: run `manage.py load_demo` first.")
    if not RoutingRule.objects.filter(is_active=True).exists():
        raise WorldError("No routing rules: run `manage.py load_demo` first.")
    agencies = {a.pk: a for a in Agency.objects.filter(is_active=True).order_by("id")}
    staff, operators, labels, emails = _actors(agencies)
    rule_areas = frozenset(
        RoutingRule.objects.filter(is_active=True, area__isnull=False).values_list(
            "area__code", flat=True
        )
    )
    return World(
        places=places,
        place_weights=weights,
        categories=categories,
        category_weights=[CATEGORY_WEIGHTS.get(c.slug, 1.0) for c in categories],
        topics={c.pk: c.parent_id for c in categories},
        agencies=agencies,
        staff=staff,
        operator_ids=operators,
        labels=labels,
        emails=emails,
        rule_areas=rule_areas,
        _area_by_code=by_code,
        _category_by_id={c.pk: c for c in categories},
    )


PRIORITIES = (Priority.NORMAL, Priority.HIGH, Priority.LOW, Priority.URGENT)
PRIORITY_WEIGHTS = (0.82, 0.1, 0.06, 0.02)
