"""The public statistics (/statistik/): chosen tables of the report sections under the
public scope, as plain values, cached per language and period.

Only report_section() computes figures, so the page shows the supervisors' numbers. The
beat task dashboard.warm_public_statistics refreshes the cache before it expires, so a
visitor never waits for a year's figures over a million complaints.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .charts import chart_svg
from .period import ReportFilters, parse_filters
from .scope import ReportScope
from .sections import report_section

CACHE_SECONDS = 300
PUBLIC_PERIODS = ("bulan", "kuartal", "tahun")
# Which tables of each report section the public page shows, in this order. Left out:
# rejection reasons (free text typed by staff), per-kelurahan tables, escalations.
PUBLIC_TABLES = {
    "volume": ("channel", "report_type", "topic", "trend", "kecamatan"),
    "ketepatan-waktu": ("sla", "durations", "backlog"),
    "kualitas": ("rates", "satisfaction"),
    "akuntabilitas": ("agencies", "kecamatan"),
}
HEADINGS = {
    "volume": _("Complaints received"),
    "ketepatan-waktu": _("Timeliness"),
    "kualitas": _("Quality and satisfaction"),
    "akuntabilitas": _("Agency scoreboard"),
}


def plain(value: object) -> object:
    """Numbers and None stay; lazy translations and names become plain strings."""
    return value if value is None or isinstance(value, int | float) else str(value)


def public_filters(kind: str) -> ReportFilters:
    return parse_filters({"periode": kind}, ReportScope.public_scope())


def public_statistics(filters: ReportFilters) -> list[dict[str, object]]:
    """The page's sections as plain strings and numbers, in the active language."""
    scope = ReportScope.public_scope()
    sections = []
    for name, keys in PUBLIC_TABLES.items():
        tables = {t.key: t for t in report_section(name, scope, filters)}
        shown = [
            {
                "key": f"{name}-{key}",
                "title": str(tables[key].title),
                "columns": [str(c) for c in tables[key].columns],
                "rows": [[plain(v) for v in row] for row in tables[key].rows],
                "cells": [[(plain(v), n) for v, n in row] for row in tables[key].cells],
                "note": str(tables[key].note),
                "svg": chart_svg(tables[key]),
            }
            for key in keys
        ]
        sections.append({"name": name, "title": str(HEADINGS[name]), "tables": shown})
    return sections


def _key(filters: ReportFilters) -> str:
    return f"public-stats:{get_language()}:{filters.kind}:{filters.first_day}"


def public_statistics_cached(filters: ReportFilters) -> list[dict[str, object]]:
    sections = cache.get(_key(filters))
    if sections is None:
        sections = public_statistics(filters)
        cache.set(_key(filters), sections, CACHE_SECONDS)
    return sections


def public_statistics_warm() -> int:
    """Recompute every period in every language into the cache (idempotent)."""
    count = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for kind in PUBLIC_PERIODS:
                filters = public_filters(kind)
                cache.set(_key(filters), public_statistics(filters), CACHE_SECONDS)
                count += 1
    return count
