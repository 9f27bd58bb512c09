"""The routing a city practises, mined from its history: topic x place -> unit.

For each topic, the unit its complaints went to is counted per kelurahan, per kecamatan
and city-wide; the most specific place with enough history decides (kelurahan, then
kecamatan, then the city). Kecamatan and kelurahan offices are counted as "the
complaint's own kecamatan/kelurahan office", so a topic the city sends to the local
office routes a complaint of Rungkut to Kecamatan Rungkut even where no such complaint
was seen before. Pure Python on plain names: import, evaluation and the admin's rule
proposals all use it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .area_names import area_key

OWN_KECAMATAN = "@kecamatan"
OWN_KELURAHAN = "@kelurahan"
OFFICE_PREFIXES = {"kecamatan": OWN_KECAMATAN, "kelurahan": OWN_KELURAHAN}
# A place's own majority counts from this many complaints on; fewer fall back to the
# wider place (one odd complaint in a kelurahan should not overrule the city's habit).
MIN_SUPPORT = 2
# Pseudo-counts of the wider place's distribution when a place's own counts are smoothed
# (city <- all units, kecamatan <- city, kelurahan <- kecamatan): two complaints of a
# kelurahan weigh as much as the kecamatan's habit, ten outweigh it.
SMOOTHING = {"city": 1.0, "kecamatan": 2.0, "kelurahan": 2.0}


@dataclass(frozen=True)
class HistoryRow:
    """One past complaint as plain names: what routing is mined from and splits score.

    The routing table reads topic, agency and place; a time-split evaluation also needs
    the text and the day (ISO date, "" when unknown).
    """

    topic: str
    agency: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    text: str = ""
    day: str = ""


@dataclass(frozen=True)
class MinedRoute:
    """The unit for a topic at a place, how many complaints say so, and their share."""

    agency: str
    level: str  # "kelurahan", "kecamatan" or "city"
    count: int
    total: int

    @property
    def confidence(self) -> float:
        return self.count / self.total


def unit_template(agency: str, kecamatan: str, kelurahan: str) -> str:
    """ "Kecamatan Rungkut" for a complaint of Rungkut -> "@kecamatan"; others unchanged."""
    word, _, rest = agency.strip().partition(" ")
    template = OFFICE_PREFIXES.get(word.casefold())
    own = {OWN_KECAMATAN: kecamatan, OWN_KELURAHAN: kelurahan}.get(template or "", "")
    if template and own and area_key(rest) == area_key(own):
        return template
    return agency


def unit_for_place(template: str, kecamatan: str, kelurahan: str) -> str:
    """The unit a template names for a complaint's place ("@kecamatan" -> "Kecamatan X")."""
    if template == OWN_KECAMATAN:
        return f"Kecamatan {kecamatan}" if kecamatan else ""
    if template == OWN_KELURAHAN:
        return f"Kelurahan {kelurahan}" if kelurahan else ""
    return template


class RoutingTable:
    """Counts of units per topic at three levels of place."""

    def __init__(self, rows: Iterable[HistoryRow], min_support: int = MIN_SUPPORT) -> None:
        self.min_support = min_support
        self.counts: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for row in rows:
            if not row.topic or not row.agency:
                continue
            kec, kel = area_key(row.kecamatan), area_key(row.kelurahan)
            unit = unit_template(row.agency, row.kecamatan, row.kelurahan)
            self.counts[(row.topic,)][unit] += 1
            if kec:
                self.counts[(row.topic, kec)][unit] += 1
                if kel:
                    self.counts[(row.topic, kec, kel)][unit] += 1
        overall: Counter[str] = Counter()
        for key, counts in self.counts.items():
            if len(key) == 1:
                overall.update(counts)
        total = sum(overall.values()) or 1
        # Every unit's share of the history: what a topic never seen routes by.
        self.prior = {unit: n / total for unit, n in overall.items()}

    def route(self, topic: str, kecamatan: str = "", kelurahan: str = "") -> MinedRoute | None:
        """The mined unit (a template for office units) for `topic` at this place."""
        kec, kel = area_key(kecamatan), area_key(kelurahan)
        keys = [((topic, kec, kel), "kelurahan"), ((topic, kec), "kecamatan"), ((topic,), "city")]
        for key, level in keys:
            counts = self.counts.get(key)
            if not counts or ("" in key[1:]):
                continue
            total = sum(counts.values())
            if total < self.min_support and level != "city":
                continue
            unit, count = counts.most_common(1)[0]
            return MinedRoute(unit, level, count, total)
        return None

    def unit(self, topic: str, kecamatan: str = "", kelurahan: str = "") -> str:
        """The unit's name for a complaint of this topic and place, or ""."""
        found = self.route(topic, kecamatan, kelurahan)
        return unit_for_place(found.agency, kecamatan, kelurahan) if found else ""

    def distribution(
        self, topic: str, kecamatan: str = "", kelurahan: str = ""
    ) -> dict[str, float]:
        """P(unit template | topic, place): each place's counts smoothed towards the wider one.

        Unlike `route` (the majority only), a topic the city splits between two units keeps
        both, so a routing confidence can say how sure the history is.
        """
        kec, kel = area_key(kecamatan), area_key(kelurahan)
        found = self.prior
        keys = [((topic,), "city")]
        if kec:
            keys.append(((topic, kec), "kecamatan"))
            if kel:
                keys.append(((topic, kec, kel), "kelurahan"))
        for key, level in keys:
            counts = self.counts.get(key)
            if not counts:
                continue
            weight = SMOOTHING[level]
            total = sum(counts.values()) + weight
            smoothed = {u: p * weight / total for u, p in found.items()}
            for unit, n in counts.items():
                smoothed[unit] = smoothed.get(unit, 0.0) + n / total
            found = smoothed
        return found

    def rules(self) -> list[tuple[tuple[str, ...], MinedRoute]]:
        """Every (topic[, kecamatan[, kelurahan]]) with its majority unit, for review."""
        found = []
        for key, counts in sorted(self.counts.items()):
            total = sum(counts.values())
            unit, count = counts.most_common(1)[0]
            level = ("city", "kecamatan", "kelurahan")[len(key) - 1]
            found.append((key, MinedRoute(unit, level, count, total)))
        return found
