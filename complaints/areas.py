"""The Kemendagri area tree: load data/wilayah/<province>.csv into Area; locate a point in it."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from complaints.models import Area

DATA_DIR = Path(settings.BASE_DIR) / "data" / "wilayah"
CENTROIDS_FILE = "centroids.csv"
PROVINCE_FILE = re.compile(r"^(\d{2})\.csv$")
CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
BATCH_SIZE = 500

# The source writes regency names as "KAB. X" / "KOTA ADM. X"; the official style spells
# the abbreviations out.
REGENCY_ABBREVIATIONS = {"KAB.": "Kabupaten", "ADM.": "Administrasi", "KEP.": "Kepulauan"}
PROVINCE_ACRONYMS = {"DKI", "DI"}
ROMAN_NUMERALS = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"}
WORD = re.compile(r"[A-Za-z']+")


class AreaDataError(ValueError):
    """A data file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def level(self) -> int:
        return self.code.count(".") + 1

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


@dataclass(frozen=True)
class AreaLoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _title_word(word: str, keep_upper: set[str]) -> str:
    if word.upper() in keep_upper:
        return word.upper()
    return word[:1].upper() + word[1:].lower()


def title_case(name: str, keep_upper: set[str] = ROMAN_NUMERALS) -> str:
    """Title Case that keeps Roman numerals ("CIBEBER II" -> "Cibeber II", not "Ii")."""
    return WORD.sub(lambda m: _title_word(m.group(0), keep_upper), name)


def display_name(code: str, raw: str) -> str:
    """The official display style of a source name at the level its code implies."""
    name = " ".join(raw.split())
    level = code.count(".") + 1
    if level == 1:
        return title_case(name, PROVINCE_ACRONYMS)
    if level == 2:
        words = [REGENCY_ABBREVIATIONS.get(word.upper(), word) for word in name.split()]
        return title_case(" ".join(words))
    # Kecamatan and kelurahan: only fix names in a single case; mixed case is deliberate.
    if name.isupper() or name.islower():
        return title_case(name)
    return name


def _decimal(value: str) -> Decimal | None:
    value = value.strip()
    return Decimal(value) if value else None


def read_centroids(path: Path) -> dict[str, tuple[Decimal, Decimal]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        found = {}
        for row in csv.DictReader(handle):
            latitude, longitude = _decimal(row["latitude"]), _decimal(row["longitude"])
            if latitude is not None and longitude is not None:
                found[row["code"].strip()] = (latitude, longitude)
        return found


def read_province_file(
    path: Path, centroids: dict[str, tuple[Decimal, Decimal]] | None = None
) -> list[AreaRow]:
    """The rows of one province file, validated and in display style."""
    province = PROVINCE_FILE.match(path.name)
    if province is None:
        raise AreaDataError(f"{path.name}: a province file is named <two-digit code>.csv")
    centroids = centroids or {}
    rows: list[AreaRow] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["code", "name"]:
            raise AreaDataError(f"{path.name}: the header must be code,name")
        for line, record in enumerate(reader, start=2):
            code, raw_name = (record["code"] or "").strip(), (record["name"] or "").strip()
            if not CODE.match(code) or code.split(".")[0] != province.group(1):
                raise AreaDataError(f"{path.name}:{line}: bad code {code!r}")
            if not raw_name:
                raise AreaDataError(f"{path.name}:{line}: {code} has no name")
            if code in seen:
                raise AreaDataError(f"{path.name}:{line}: duplicate code {code}")
            seen.add(code)
            latitude, longitude = centroids.get(code, (None, None))
            rows.append(AreaRow(code, display_name(code, raw_name), latitude, longitude))
    return rows


def province_files(provinces: Sequence[str] = (), data_dir: Path = DATA_DIR) -> list[Path]:
    """The files of the given provinces, or every province file in `data_dir`."""
    if not provinces:
        found = sorted(p for p in data_dir.iterdir() if PROVINCE_FILE.match(p.name))
        if not found:
            raise AreaDataError(f"No province files (<two-digit code>.csv) in {data_dir}")
        return found
    paths = [data_dir / f"{code}.csv" for code in provinces]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise AreaDataError(f"No data file for {', '.join(missing)} in {data_dir}")
    return paths


def _province_filter(codes: Iterable[str]) -> Q:
    query = Q()
    for province in {code.split(".")[0] for code in codes}:
        query |= Q(code=province) | Q(code__startswith=f"{province}.")
    return query


def _differences(area: Area, row: AreaRow, parent_id: int | None) -> list[str]:
    wanted: dict[str, object] = {"name": row.name, "level": row.level, "parent_id": parent_id}
    # Coordinates only where the data has them: never erase what an admin set by hand.
    if row.latitude is not None:
        wanted["latitude"] = row.latitude
        wanted["longitude"] = row.longitude
    changed = []
    for field, value in wanted.items():
        if getattr(area, field) != value:
            setattr(area, field, value)
            changed.append(field)
    return changed


@transaction.atomic
def areas_load(*, rows: Sequence[AreaRow]) -> AreaLoadResult:
    """Create or update these areas in a handful of bulk queries; unchanged rows are left alone.

    Rows go in level by level so every parent has its id before its children need it.
    """
    existing = {
        area.code: area for area in Area.objects.filter(_province_filter(r.code for r in rows))
    }
    ids = {code: area.pk for code, area in existing.items()}
    created = updated = unchanged = 0
    for level in sorted({row.level for row in rows}):
        to_create: list[Area] = []
        to_update: list[Area] = []
        changed_fields: set[str] = set()
        for row in (r for r in rows if r.level == level):
            parent_id = ids.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent_id is None:
                raise AreaDataError(f"{row.code}: its parent {row.parent_code} is not loaded")
            area = existing.get(row.code)
            if area is None:
                to_create.append(
                    Area(
                        code=row.code,
                        name=row.name,
                        level=row.level,
                        parent_id=parent_id,
                        latitude=row.latitude,
                        longitude=row.longitude,
                    )
                )
                continue
            fields = _differences(area, row, parent_id)
            if fields:
                to_update.append(area)
                changed_fields.update(fields)
            else:
                unchanged += 1
        # SQLite 3.35+ and PostgreSQL return the new ids from a bulk insert.
        for area in Area.objects.bulk_create(to_create, batch_size=BATCH_SIZE):
            ids[area.code] = area.pk
        if to_update:
            Area.objects.bulk_update(to_update, sorted(changed_fields), batch_size=BATCH_SIZE)
        created += len(to_create)
        updated += len(to_update)
    return AreaLoadResult(created=created, updated=updated, unchanged=unchanged)


def areas_load_provinces(
    *, provinces: Sequence[str] = (), data_dir: Path = DATA_DIR
) -> tuple[list[Path], AreaLoadResult]:
    """Load the given provinces' files (default: all of them) with their centroids."""
    paths = province_files(provinces, data_dir)
    centroids = read_centroids(data_dir / CENTROIDS_FILE)
    rows = [row for path in paths for row in read_province_file(path, centroids)]
    return paths, areas_load(rows=rows)


# How far a point may lie from an area's centroid and still be taken as inside it. A
# centroid is one point standing for a whole polygon, so the ranges follow the typical
# size of an area at each level in Java: a kelurahan spans a few km, a kecamatan about
# ten, a kabupaten several tens. Provinces are never located from a centroid.
LOCATE_RANGE_KM: dict[int, float] = {
    Area.Level.VILLAGE: 3.0,
    Area.Level.DISTRICT: 8.0,
    Area.Level.REGENCY: 40.0,
}
EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _nearest_at_level(level: int, latitude: float, longitude: float) -> Area | None:
    reach = LOCATE_RANGE_KM[level]
    d_lat = reach / KM_PER_DEGREE
    d_lon = reach / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    # A bounding box in the query keeps the candidates to a handful, then exact distance.
    nearby = Area.objects.filter(
        level=level,
        latitude__gte=Decimal(str(latitude - d_lat)),
        latitude__lte=Decimal(str(latitude + d_lat)),
        longitude__gte=Decimal(str(longitude - d_lon)),
        longitude__lte=Decimal(str(longitude + d_lon)),
    )
    best: tuple[float, str, Area] | None = None
    for area in nearby:
        distance = distance_km(latitude, longitude, float(area.latitude), float(area.longitude))
        if distance <= reach and (best is None or (distance, area.code) < best[:2]):
            best = (distance, area.code, area)
    return best[2] if best else None


def area_locate(*, latitude: Decimal | float, longitude: Decimal | float) -> Area | None:
    """The area a point lies in, judged by the nearest centroid at the most specific level.

    Levels are tried from kelurahan up to kabupaten/kota; the first level with a centroid
    within its range (LOCATE_RANGE_KM) answers. With only the regency centroids that ship
    in data/wilayah this finds the city, never a kecamatan: see docs/routing.md.
    """
    lat, lon = float(latitude), float(longitude)
    for level in sorted(LOCATE_RANGE_KM, reverse=True):
        found = _nearest_at_level(level, lat, lon)
        if found is not None:
            return found
    return None


# Places named in a report's text -------------------------------------------------------

# A place name as citizens write it after an administrative word: "Kel. Dago", "desa
# Cibiru Wetan", "kecamatan Coblong", "Kota Bandung". Only names after such a word count:
# a bare "Merdeka" is as likely Jl. Merdeka (a street named after somewhere else) as the
# kelurahan, and a wrong area sends the complaint to the wrong agency.
_CUE_WORDS = "kelurahan|kel|desa|ds|kecamatan|kec|kota|kabupaten|kab"
# A name runs until punctuation or a word that starts something else.
_STOP = rf"(?:{_CUE_WORDS}|rt|rw|no|jl|jln|jalan|gang|gg|dekat|depan|samping|belakang|di|dan)"
_NAME = rf"([a-z][a-z'-]*(?:\s+(?!{_STOP}\b)[a-z][a-z'-]*){{0,3}})"
_MENTION = re.compile(rf"\b({_CUE_WORDS})\b\.?\s*" + _NAME)
# The kind of word decides the level, and for level 4 kelurahan (code 1xxx) or desa (2xxx).
_CUES = {
    "kelurahan": (Area.Level.VILLAGE, "1"),
    "kel": (Area.Level.VILLAGE, "1"),
    "desa": (Area.Level.VILLAGE, "2"),
    "ds": (Area.Level.VILLAGE, "2"),
    "kecamatan": (Area.Level.DISTRICT, ""),
    "kec": (Area.Level.DISTRICT, ""),
    "kota": (Area.Level.REGENCY, "Kota"),
    "kabupaten": (Area.Level.REGENCY, "Kabupaten"),
    "kab": (Area.Level.REGENCY, "Kabupaten"),
}
_ADMINISTRASI = "Administrasi "


def _candidates(cue: str, words: list[str]) -> list[Area]:
    """Areas the cue and the longest matching run of `words` can name."""
    level, kind = _CUES[cue]
    for size in range(len(words), 0, -1):
        phrase = " ".join(words[:size])
        if level == Area.Level.REGENCY:
            names = Q(name__iexact=f"{kind} {phrase}") | Q(
                name__iexact=f"{kind} {_ADMINISTRASI}{phrase}"
            )
            found = list(Area.objects.filter(names, level=level))
        else:
            found = list(Area.objects.filter(level=level, name__iexact=phrase))
            if kind:
                found = [a for a in found if a.code.rsplit(".", 1)[-1].startswith(kind)]
        if found:
            return found
    return []


def area_mentioned(text: str) -> Area | None:
    """The most specific area the text names without doubt, or None.

    Each mention narrows the others: "Kel. Dago, Kec. Coblong" is the Dago under
    Coblong. When a name stays ambiguous ("desa Sukamaju" is in many regencies), the
    mention is dropped rather than guessed.
    """
    mentions = [
        _candidates(cue, words.split())
        for cue, words in _MENTION.findall(" ".join((text or "").lower().split()))
    ]
    mentions = [found for found in mentions if found]
    if not mentions:
        return None

    def consistent(area: Area) -> bool:
        # Every other mention must name an ancestor or a descendant of this area.
        return all(
            any(a.code.startswith(area.code) or area.code.startswith(a.code) for a in found)
            for found in mentions
        )

    best: Area | None = None
    for found in mentions:
        agreeing = [a for a in found if consistent(a)]
        if len(agreeing) == 1 and (best is None or agreeing[0].level > best.level):
            best = agreeing[0]
    return best
