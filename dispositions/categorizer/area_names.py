"""A history file's kecamatan and kelurahan, given by name or code, as Area rows.

Cities spell their areas their own way: "Kec. Karangpilang" for the official "Karang
Pilang", "KEL. PACARKEMBANG" for "Pacar Kembang". Names are compared on a key that drops
the "Kecamatan/Kec./Kelurahan/Kel./Desa" prefix, case, spaces and punctuation. A
kelurahan is looked up inside its kecamatan when the file gives both, so the many
villages that share a name elsewhere in the province do not get in the way. A name that
still fits several areas is reported as ambiguous, never guessed; `within` (an area
code such as 35.78, Kota Surabaya) narrows the search to one city.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import get_close_matches

from complaints.models import Area

CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
PREFIX = re.compile(
    r"^\s*(kecamatan|kec|kelurahan|kel|desa|ds|kel/desa|kelurahan/desa)\b\.?\s*", re.IGNORECASE
)
NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# How alike two spellings of a kelurahan in the same kecamatan must be ("bringin" and
# "beringin": 0.93; "kejawanputihtambak" and "kejawaanputihtambak": 0.97).
SPELLING_CUTOFF = 0.85


def area_key(name: str) -> str:
    """ "Kec. Karang  Pilang" and "KARANGPILANG" -> "karangpilang"."""
    return NOT_ALNUM.sub("", PREFIX.sub("", str(name)).casefold())


@dataclass
class AreaMatches:
    """What could not be matched, with row counts, to report to the importer."""

    unknown: Counter[str] = field(default_factory=Counter)
    ambiguous: Counter[str] = field(default_factory=Counter)


class AreaMatcher:
    """Kecamatan/kelurahan names or codes -> the finest Area they name."""

    def __init__(self, within: str = "") -> None:
        areas = Area.objects.filter(level__in=(Area.Level.DISTRICT, Area.Level.VILLAGE))
        if within:
            areas = areas.filter(code__startswith=f"{within}.")
        self.by_code: dict[str, Area] = {}
        self.districts: dict[str, list[Area]] = defaultdict(list)
        self.villages: dict[str, list[Area]] = defaultdict(list)
        for area in areas.only("id", "code", "name", "level", "parent_id"):
            self.by_code[area.code] = area
            group = self.districts if area.level == Area.Level.DISTRICT else self.villages
            group[area_key(area.name)].append(area)
        self.children: dict[int, dict[str, Area]] = defaultdict(dict)
        for group in self.villages.values():
            for village in group:
                self.children[village.parent_id][area_key(village.name)] = village
        self.report = AreaMatches()

    def _villages(self, key: str, district_key: str, districts: list[Area]) -> list[Area]:
        """The villages `key` may name: exactly, without the kecamatan's name appended
        ("Wonorejo Rungkut"), or, inside a known kecamatan, by a close spelling."""
        if not districts:
            return self.villages.get(key, [])
        found: list[Area] = []
        for district in districts:
            children = self.children[district.pk]
            if key in children:
                found.append(children[key])
            elif district_key and key.endswith(district_key) and key != district_key:
                stripped = key.removesuffix(district_key)
                found.extend([children[stripped]] if stripped in children else [])
            else:
                close = get_close_matches(key, list(children), n=2, cutoff=SPELLING_CUTOFF)
                found.extend([children[close[0]]] if len(close) == 1 else [])
        return found

    def match(self, kecamatan: str = "", kelurahan: str = "") -> Area | None:
        kecamatan, kelurahan = kecamatan.strip(), kelurahan.strip()
        if not kecamatan and not kelurahan:
            return None
        for value in (kelurahan, kecamatan):
            if CODE.match(value) and value in self.by_code:
                return self.by_code[value]
        districts = self.districts.get(area_key(kecamatan), []) if kecamatan else []
        label = " / ".join(v for v in (kecamatan, kelurahan) if v)
        if kelurahan:
            villages = self._villages(area_key(kelurahan), area_key(kecamatan), districts)
            if len(villages) == 1:
                return villages[0]
            if len(villages) > 1:
                self.report.ambiguous[label] += 1
                return None
        if len(districts) == 1:
            if kelurahan:  # the kecamatan is still worth having
                self.report.unknown[label] += 1
            return districts[0]
        if len(districts) > 1:
            self.report.ambiguous[label] += 1
        else:
            self.report.unknown[label] += 1
        return None
