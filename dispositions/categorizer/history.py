"""A city's past complaints (CSV or Excel) as labeled rows: read, resolve names, import.

Category and agency names are matched by slug or by name (case and spacing ignored),
then through the operator's `--map "Old name=slug"`. Names still unknown are reported
with their counts; they are created only when asked (`create_missing`), never dropped
in silence: without it nothing is imported until every name is resolved.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from complaints.models import Agency, Area, Category

from ..models import TrainingExample
from .area_names import AreaMatcher
from .mined_routing import HistoryRow

DELIMITERS = (",", ";", "\t", "|")


class HistoryFileError(ValueError):
    """The file cannot be read, or lacks a column it was told to use."""


@dataclass(frozen=True)
class Columns:
    text: str
    category: str
    agency: str = ""
    area: str = ""
    date: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    # An area code (35.78: Kota Surabaya) the kecamatan/kelurahan names are looked up in.
    areas_within: str = ""


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as dicts keyed by the header row (CSV, any common delimiter, or .xlsx)."""
    if not path.exists():
        raise HistoryFileError(f"{path} does not exist.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
        handle.seek(0)
        reader = csv.DictReader(handle, dialect=csv.excel, delimiter=_delimiter(header))
        return list(reader)


def _delimiter(header: str) -> str:
    """The delimiter of the header line: the candidate it holds most of.

    The file is read as RFC 4180 (quotes doubled inside quoted fields), what spreadsheets
    and Python's csv module write. csv.Sniffer is not used: on texts holding quotes,
    commas and line breaks it guessed "no doubled quotes" and split texts into fields.
    """
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_xlsx(path: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook  # only this path needs it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        return [dict(zip(header, row, strict=False)) for row in rows if any(row)]
    finally:
        workbook.close()


def check_columns(rows: list[dict[str, Any]], columns: Columns) -> None:
    present = set(rows[0]) if rows else set()
    wanted = [
        c
        for c in (
            columns.text,
            columns.category,
            columns.agency,
            columns.area,
            columns.date,
            columns.kecamatan,
            columns.kelurahan,
        )
        if c
    ]
    missing = [c for c in wanted if c not in present]
    if rows and missing:
        raise HistoryFileError(
            f"Column(s) {', '.join(missing)} not in the file; it has: {', '.join(sorted(present))}."
        )


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def _cell(row: dict[str, Any], column: str) -> str:
    if not column:
        return ""
    value = row.get(column)
    return "" if value is None else " ".join(str(value).split())


def parse_mapping(items: list[str]) -> dict[str, str]:
    """--map "Old name=slug" options as {casefolded old name: slug}."""
    found: dict[str, str] = {}
    for item in items:
        name, sep, slug = item.rpartition("=")
        if not sep or not name.strip() or not slug.strip():
            raise HistoryFileError(f'--map needs "Old name=slug", got {item!r}.')
        found[_key(name)] = slug.strip()
    return found


class NameResolver:
    """Names as the history spells them -> Category/Agency rows, counting the unknown."""

    def __init__(self, model: type[Category] | type[Agency], mapping: dict[str, str]) -> None:
        self.model = model
        self.by_key: dict[str, Any] = {}
        for obj in model.objects.all():
            self.by_key.setdefault(_key(obj.name), obj)
            if isinstance(obj, Agency) and obj.short_name:
                self.by_key.setdefault(_key(obj.short_name), obj)
            self.by_key[_key(obj.slug)] = obj
        by_slug = {obj.slug: obj for obj in model.objects.all()}
        self.bad_mappings = {name: slug for name, slug in mapping.items() if slug not in by_slug}
        for name, slug in mapping.items():
            if slug in by_slug:
                self.by_key[_key(name)] = by_slug[slug]
        self.unknown: Counter[str] = Counter()

    def resolve(self, name: str) -> Any:
        obj = self.by_key.get(_key(name))
        if obj is None:
            self.unknown[name] += 1
        return obj

    def create_missing(self, **defaults: Any) -> list[Any]:
        """Create a row for each unknown name (a top-level category, a city agency)."""
        created = []
        for name in self.unknown:
            slug = _free_slug(self.model, name)
            obj = self.model.objects.create(slug=slug, name=name[:120], **defaults)
            self.by_key[_key(name)] = obj
            created.append(obj)
        self.unknown.clear()
        return created


def _free_slug(model: type[Category] | type[Agency], name: str) -> str:
    base = (slugify(name) or "imported")[:50]
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # "2023-04-05 10:11:12", "2023-04-05T10:11", "05/04/2023 10:11": the date part only.
    text = str(value or "").strip().replace("T", " ").split(" ")[0]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 -- a date, no time zone
        except ValueError:
            continue
    return None


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    already_there: int = 0
    without_text: int = 0
    without_category: int = 0
    unknown_categories: Counter[str] = field(default_factory=Counter)
    unknown_agencies: Counter[str] = field(default_factory=Counter)
    unknown_areas: Counter[str] = field(default_factory=Counter)
    ambiguous_areas: Counter[str] = field(default_factory=Counter)
    bad_mappings: dict[str, str] = field(default_factory=dict)
    created_categories: list[Category] = field(default_factory=list)
    created_agencies: list[Agency] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Unresolved names or mappings: nothing may be imported."""
        return bool(self.unknown_categories or self.unknown_agencies or self.bad_mappings)


def _area_lookup() -> dict[str, Area]:
    found: dict[str, Area] = {}
    names = Counter(_key(n) for n in Area.objects.values_list("name", flat=True))
    for area in Area.objects.only("id", "code", "name"):
        found[area.code] = area
        if names[_key(area.name)] == 1:  # a name shared by several villages says nothing
            found[_key(area.name)] = area
    return found


@transaction.atomic
def history_import(
    *,
    path: Path,
    columns: Columns,
    mapping: dict[str, str] | None = None,
    create_missing: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Read a history file into TrainingExample rows (source "import"), or report why not.

    A row already imported from a file of the same name (same text and labels) is
    skipped, so running the import again adds only what is new.
    """
    rows = read_rows(path)
    check_columns(rows, columns)
    mapping = mapping or {}
    report = ImportReport(rows=len(rows))
    categories = NameResolver(Category, mapping)
    agencies = NameResolver(Agency, mapping)
    report.bad_mappings = {
        n: s
        for n, s in mapping.items()
        if n in categories.bad_mappings and n in agencies.bad_mappings
    }
    parsed = []
    for row in rows:
        text, category_name = _cell(row, columns.text), _cell(row, columns.category)
        if not text:
            report.without_text += 1
            continue
        if not category_name:
            report.without_category += 1
            continue
        agency_name = _cell(row, columns.agency)
        category = categories.resolve(category_name)
        agency = agencies.resolve(agency_name) if agency_name else None
        parsed.append((row, text, category_name, agency_name, category, agency))
    if create_missing:
        report.created_categories = categories.create_missing()
        report.created_agencies = agencies.create_missing(level=Agency.Level.CITY)
    report.unknown_categories = categories.unknown
    report.unknown_agencies = agencies.unknown
    if report.blocked:
        transaction.set_rollback(True)
        return report

    areas = _area_lookup() if columns.area else {}
    by_name = AreaMatcher(columns.areas_within) if columns.kecamatan or columns.kelurahan else None
    seen = set(
        TrainingExample.objects.filter(
            source=TrainingExample.Source.IMPORT, imported_from=path.name
        ).values_list("text", "category_id", "agency_id")
    )
    new: list[TrainingExample] = []
    for row, text, category_name, agency_name, category, agency in parsed:
        category = category or categories.by_key[_key(category_name)]
        agency = agency or (agencies.by_key[_key(agency_name)] if agency_name else None)
        key = (text, category.pk, agency.pk if agency else None)
        if key in seen:
            report.already_there += 1
            continue
        seen.add(key)
        area_name = _cell(row, columns.area)
        area = areas.get(area_name) or areas.get(_key(area_name)) if area_name else None
        if area_name and area is None:
            report.unknown_areas[area_name] += 1
        if by_name is not None and area is None:
            area = by_name.match(_cell(row, columns.kecamatan), _cell(row, columns.kelurahan))
        new.append(
            TrainingExample(
                text=text,
                category=category,
                agency=agency,
                area=area,
                occurred_on=_parse_date(row.get(columns.date)) if columns.date else None,
                source=TrainingExample.Source.IMPORT,
                imported_from=path.name[:255],
            )
        )
    TrainingExample.objects.bulk_create(new, batch_size=1000)
    if by_name is not None:
        report.unknown_areas.update(by_name.report.unknown)
        report.ambiguous_areas = by_name.report.ambiguous
    report.imported = len(new)
    if dry_run:
        transaction.set_rollback(True)
    return report


@dataclass
class LabeledFile:
    """A labeled file to score: (text, category slug, agency slug) rows, and what was left out."""

    rows: list[tuple[str, str, str]]
    unknown_categories: Counter[str]
    unknown_agencies: Counter[str]
    skipped: int


def labeled_rows(
    *, path: Path, columns: Columns, mapping: dict[str, str] | None = None
) -> LabeledFile:
    """The file's rows resolved to slugs; rows with unknown names are counted and left out."""
    rows = read_rows(path)
    check_columns(rows, columns)
    categories = NameResolver(Category, mapping or {})
    agencies = NameResolver(Agency, mapping or {})
    found: list[tuple[str, str, str]] = []
    skipped = 0
    for row in rows:
        text, category_name = _cell(row, columns.text), _cell(row, columns.category)
        agency_name = _cell(row, columns.agency)
        category = categories.resolve(category_name) if category_name else None
        agency = agencies.resolve(agency_name) if agency_name else None
        if not text or category is None or (agency_name and agency is None):
            skipped += 1
            continue
        found.append((text, category.slug, agency.slug if agency else ""))
    return LabeledFile(found, categories.unknown, agencies.unknown, skipped)


def split_rows(*, path: Path, columns: Columns) -> list[HistoryRow]:
    """The file's rows with text and topic as plain names, for a time-split evaluation."""
    rows = read_rows(path)
    check_columns(rows, columns)
    found = []
    for row in rows:
        text, topic = _cell(row, columns.text), _cell(row, columns.category)
        if not text or not topic:
            continue
        day = _parse_date(row.get(columns.date)) if columns.date else None
        found.append(
            HistoryRow(
                text=text,
                topic=topic,
                agency=_cell(row, columns.agency),
                kecamatan=_cell(row, columns.kecamatan),
                kelurahan=_cell(row, columns.kelurahan),
                day=day.isoformat() if day else "",
            )
        )
    return found
