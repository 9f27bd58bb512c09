"""Report sections (reads): volume, timeliness, quality, accountability.

`report_section(name, scope, filters)` is the one entry point; pages, exports and the
public statistics page all call it, so the numbers are the same everywhere. Every figure
is aggregated in the database from dashboard.ComplaintFact (one narrow row per
complaint) with a fixed number of queries per section.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, Category, Channel, ReportType, Status
from dispositions.models import Escalation
from dispositions.selectors import overdue_q

from ..models import ComplaintFact
from .period import ReportFilters, _zone
from .scope import ReportScope
from .tables import Table, duration_buckets, pct, percentile, seconds_buckets

SECTIONS = {
    "volume": _("Volume"),
    "ketepatan-waktu": _("Timeliness"),
    "kualitas": _("Quality"),
    "akuntabilitas": _("Accountability"),
}
WORKING_TIME_NOTE = _(
    "Working hours: counted on the deadlines' calendar (working days and hours in WIB; "
    "national holidays, cuti bersama and days off skipped). Calendar hours: what the "
    "citizen waits."
)
# A unit with fewer resolved complaints than this is listed but not ranked.
MIN_RANKED = 10
AGE_BUCKETS = ((0, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, None))
_LEVEL_FIELD = {1: "province_id", 2: "city_id", 3: "kecamatan_id", 4: "area_id"}


def _area_q(area: Area) -> Q:
    return Q(**{_LEVEL_FIELD[area.level]: area.pk})


def _scoped(scope: ReportScope, filters: ReportFilters) -> Q:
    q = Q()
    if scope.agency_ids is not None:
        q &= Q(agency_id__in=sorted(scope.agency_ids))
    if scope.area_code:
        area = Area.objects.filter(code=scope.area_code).first()
        q &= _area_q(area) if area is not None else Q(pk__in=[])
    if filters.area is not None:
        q &= _area_q(filters.area)
    if filters.agency is not None:
        q &= Q(agency_id=filters.agency.pk)
    if filters.report_type:
        q &= Q(report_type=filters.report_type)
    return q


def _public_safe(qs: QuerySet[ComplaintFact], scope: ReportScope) -> QuerySet[ComplaintFact]:
    """A public table naming a unit finer than the city (a kecamatan, a kelurahan, an
    agency) leaves confidential complaints out; city-wide figures count them
    (docs/public-pages.md "Confidential complaints in the statistics")."""
    return qs if scope.personal else qs.filter(is_confidential=False)


def received(scope: ReportScope, filters: ReportFilters) -> QuerySet[ComplaintFact]:
    """The complaints received in the period inside the scope and the filters."""
    return ComplaintFact.objects.filter(
        _scoped(scope, filters), created_at__gte=filters.start, created_at__lt=filters.end
    )


def _names(model, ids: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _grouped(qs: QuerySet, field: str, model, limit: int | None = None) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """Counts per `field` (an id), biggest first; names fetched after, for the few shown.

    Grouping by the bare id (no join) keeps the scan on the fact table alone.
    """
    rows = list(qs.values(field).annotate(n=Count("pk")).order_by("-n", field)[: limit or None])
    names = _names(model, [r[field] for r in rows if r[field] is not None])
    return [[names.get(r[field]) or str(_("(none)")), r["n"]] for r in rows]


def _by_category(qs: QuerySet[ComplaintFact]) -> tuple[list[list[object]], list[list[object]]]:
    """Topic and subcategory counts from one scan (at most a few dozen groups come back)."""
    pairs = list(qs.values("topic_id", "category_id").annotate(n=Count("pk")).order_by())
    names = _names(Category, [i for p in pairs for i in (p["topic_id"], p["category_id"]) if i])
    topics: dict[int | None, int] = {}
    subs: dict[int | None, int] = {}
    for p in pairs:
        topics[p["topic_id"]] = topics.get(p["topic_id"], 0) + p["n"]
        subs[p["category_id"]] = subs.get(p["category_id"], 0) + p["n"]

    def rows(counts: dict[int | None, int]) -> list[list[object]]:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or 0))
        return [
            [names.get(k) or str(_("(none)")) if k else str(_("(none)")), n] for k, n in ordered
        ]

    return rows(topics), rows(subs)


_KELURAHAN = Q(kecamatan__isnull=False) & ~Q(area_id=F("kecamatan_id"))


def _period_label(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if value is not None else ""  # type: ignore[union-attr]


def volume(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    qs = received(scope, filters)
    channels = dict(Channel.choices)
    by_channel = list(qs.values("channel").annotate(n=Count("pk")).order_by("-n", "channel"))
    total = sum(r["n"] for r in by_channel)
    channel_rows = [
        [str(channels.get(r["channel"], r["channel"])), r["n"], pct(r["n"], total)]
        for r in by_channel
    ]
    if filters.days <= 31:
        trunc, unit = TruncDate("created_at", tzinfo=_zone()), _("day")
    elif filters.days <= 120:
        trunc, unit = TruncWeek("created_at", tzinfo=_zone()), _("week")
    else:
        trunc, unit = TruncMonth("created_at", tzinfo=_zone()), _("month")
    trend = qs.annotate(t=trunc).values("t").annotate(n=Count("pk")).order_by("t")
    cols = [_("Complaints")]
    topics, subcategories = _by_category(qs)
    report_types = dict(ReportType.choices)
    by_type = qs.values("report_type").annotate(n=Count("pk")).order_by("-n", "report_type")
    return [
        Table(
            "channel",
            _("Received by channel"),
            [_("Channel"), _("Complaints"), _("Share (%)")],
            channel_rows,
            chart="hbar",
            note=_("Total: %(n)s") % {"n": total},
        ),
        Table(
            "report_type",
            _("By report type"),
            [_("Report type"), _("Complaints"), _("Share (%)")],
            [
                [
                    str(report_types.get(r["report_type"], r["report_type"])),
                    r["n"],
                    pct(r["n"], total),
                ]
                for r in by_type
            ],
            chart="hbar",
        ),
        Table(
            "trend",
            _("Trend per %s") % unit,
            [_("Period"), *cols],
            [[_period_label(r["t"]), r["n"]] for r in trend],
            chart="line",
        ),
        Table(
            "topic",
            _("By topic"),
            [_("Topic"), *cols],
            topics,
            chart="hbar",
        ),
        Table(
            "category",
            _("By subcategory"),
            [_("Subcategory"), *cols],
            subcategories,
        ),
        Table(
            "agency",
            _("By agency"),
            [_("Agency"), *cols],
            _grouped(_public_safe(qs, scope), "agency_id", Agency),
            chart="hbar",
        ),
        Table(
            "kecamatan",
            _("By kecamatan (top 50)"),
            [_("Kecamatan"), *cols],
            _grouped(
                _public_safe(qs, scope).filter(kecamatan__isnull=False), "kecamatan_id", Area, 50
            ),
        ),
        Table(
            "kelurahan",
            _("By kelurahan (top 50)"),
            [_("Kelurahan"), *cols],
            _grouped(_public_safe(qs, scope).filter(_KELURAHAN), "area_id", Area, 50),
        ),
    ]


def timeliness(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    now = filters.now
    qs = received(scope, filters)
    late_response = Q(responded_at__gt=F("response_due_at")) | Q(
        responded_at__isnull=True, is_open=True, response_due_at__lt=now
    )
    late_resolution = Q(resolved_at__gt=F("resolution_due_at")) | Q(
        overdue_q(now=now), resolved_at__isnull=True, is_open=True
    )
    a = qs.aggregate(
        resp_met=Count("pk", filter=Q(responded_at__lte=F("response_due_at"))),
        resp_late=Count("pk", filter=late_response),
        res_met=Count("pk", filter=Q(resolved_at__lte=F("resolution_due_at"))),
        res_late=Count("pk", filter=late_resolution),
        **duration_buckets(qs, end="responded_at", start="created_at", prefix="r"),
        **duration_buckets(qs, end="resolved_at", start="created_at", prefix="s"),
        **seconds_buckets("response_work_seconds", "wr"),
        **seconds_buckets("resolution_work_seconds", "ws"),
    )
    sla_rows = [
        [_("Response"), a["resp_met"], a["resp_late"],
         pct(a["resp_met"], a["resp_met"] + a["resp_late"])],
        [_("Resolution"), a["res_met"], a["res_late"],
         pct(a["res_met"], a["res_met"] + a["res_late"])],
    ]  # fmt: skip
    time_rows = [
        [label, clock, a[f"{p}_n"], percentile(a, 0.5, p), percentile(a, 0.9, p)]
        for label, clock, p in (
            (_("First response"), _("working hours"), "wr"),
            (_("Resolution"), _("working hours"), "ws"),
            (_("First response"), _("calendar hours"), "r"),
            (_("Resolution"), _("calendar hours"), "s"),
        )
    ]
    open_qs = ComplaintFact.objects.filter(_scoped(scope, filters), is_open=True)
    aggs = {"overdue": Count("pk", filter=overdue_q(now=now))}
    for low, high in AGE_BUCKETS:
        q = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - timedelta(days=high + 1))
        aggs[f"age_{low}"] = Count("pk", filter=q)
    backlog = open_qs.aggregate(**aggs)
    age_rows = [
        [f"{low}-{high}" if high is not None else f"> {low - 1}", backlog[f"age_{low}"]]
        for low, high in AGE_BUCKETS
    ]
    return [
        Table(
            "sla",
            _("Deadline compliance (deadlines in working hours)"),
            [_("Deadline"), _("Met"), _("Missed"), _("Compliance (%)")],
            sla_rows,
            note=WORKING_TIME_NOTE,
        ),
        Table(
            "durations",
            _("Time to first response and to resolution"),
            [
                _("Measure"),
                _("Counted in"),
                _("Complaints"),
                _("Median (h)"),
                _("90th percentile (h)"),
            ],
            time_rows,
            note=WORKING_TIME_NOTE,
        ),
        Table(
            "backlog",
            _("Open now, by age (days)"),
            [_("Age (days)"), _("Complaints")],
            age_rows,
            chart="bar",
            note=_("Currently overdue: %(n)s") % {"n": backlog["overdue"]},
        ),
    ]


def quality(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    qs = received(scope, filters)
    c = qs.aggregate(
        total=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        reopened=Count("pk", filter=Q(resolved_at__isnull=False, reopened=True)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        duplicates=Count("pk", filter=Q(status=Status.DUPLICATE)),
        average=Avg("rating"),
    )
    first_fix = c["resolved"] - c["reopened"]
    dist = dict(
        qs.filter(rating__isnull=False).values("rating").annotate(n=Count("pk"))
        .values_list("rating", "n")
    )  # fmt: skip
    n_ratings = sum(dist.values())
    reasons = (
        qs.filter(status=Status.REJECTED)
        .values("reject_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reject_reason")[:15]
    )
    average = c["average"]
    return [
        Table(
            "rates",
            _("Quality rates"),
            [_("Measure"), _("Complaints"), _("Rate (%)")],
            [
                [_("Resolved at least once"), c["resolved"], None],
                [_("Reopened by the reporter"), c["reopened"], pct(c["reopened"], c["resolved"])],
                [_("Fixed the first time"), first_fix, pct(first_fix, c["resolved"])],
                [_("Rejected"), c["rejected"], pct(c["rejected"], c["total"])],
                [_("Duplicates merged"), c["duplicates"], pct(c["duplicates"], c["total"])],
            ],
        ),
        Table(
            "satisfaction",
            _("Satisfaction (1-5)"),
            [_("Stars"), _("Ratings")],
            [[s, dist.get(s, 0)] for s in range(1, 6)],
            chart="bar",
            note=_("%(n)s ratings, average %(avg)s")
            % {"n": n_ratings, "avg": number_format(average, 2) if average is not None else "-"},
        ),
        Table(
            "rejections",
            _("Rejection reasons"),
            [_("Reason"), _("Complaints")],
            [[r["reject_reason"] or "-", r["n"]] for r in reasons],
        ),
    ]


def _ranking(qs: QuerySet[ComplaintFact], field: str, model) -> list[list[object]]:  # type: ignore[no-untyped-def]
    resolved = qs.filter(resolved_at__isnull=False)
    rows = list(
        resolved.values(field)
        .annotate(
            n=Count("pk"),
            met=Count("pk", filter=Q(resolved_at__lte=F("resolution_due_at"))),
            **duration_buckets(resolved, end="resolved_at", start="created_at"),
        )
        .order_by(field)
    )
    names = _names(model, [r[field] for r in rows if r[field] is not None])
    for r in rows:
        r["on_time"] = pct(r["met"], r["n"])
        r["median"] = percentile(r, 0.5)
        r["name"] = names.get(r[field]) or str(_("(none)"))
    ranked = sorted(
        (r for r in rows if r["n"] >= MIN_RANKED),
        key=lambda r: (-(r["on_time"] or 0), r["median"] or 0, r["name"]),
    )
    small = sorted((r for r in rows if r["n"] < MIN_RANKED), key=lambda r: r["name"])
    out = [[i, r["name"], r["n"], r["on_time"], r["median"]] for i, r in enumerate(ranked, 1)]
    return out + [["-", r["name"], r["n"], r["on_time"], r["median"]] for r in small]


_LEDGER = (
    ("esc_due_soon", Escalation.Step.DUE_SOON),
    ("esc_overdue", Escalation.Step.OVERDUE),
    ("esc_supervisor", Escalation.Step.SUPERVISOR),
    ("esc_sanction", Escalation.Step.SANCTION),
)


def _ledger(qs: QuerySet[ComplaintFact]) -> list[list[object]]:
    """Escalation steps reached by the period's complaints, per agency holding them."""
    rows = list(
        qs.values("agency_id").annotate(**{f: Sum(f) for f, _step in _LEDGER}).order_by("agency_id")
    )
    names = _names(Agency, [r["agency_id"] for r in rows if r["agency_id"] is not None])
    out = [
        [names.get(r["agency_id"]) or str(_("(none)")), str(step.label), r[f]]
        for r in rows
        for f, step in _LEDGER
        if r[f]
    ]
    return sorted(out, key=lambda row: (str(row[0]), str(row[1])))


def accountability(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    qs = received(scope, filters)
    ranked = _public_safe(qs, scope)
    cols = [_("Rank"), _("Unit"), _("Resolved"), _("On time (%)"), _("Median resolution (h)")]
    note = _("Units with fewer than %(n)s resolved complaints are listed unranked.") % {
        "n": MIN_RANKED
    }
    return [
        Table("agencies", _("Agency ranking"), cols,
              _ranking(ranked, "agency_id", Agency), note=note),
        Table("kecamatan", _("Kecamatan ranking"), cols,
              _ranking(ranked.filter(kecamatan__isnull=False), "kecamatan_id", Area)[:100],
              note=note),
        Table("kelurahan", _("Kelurahan ranking"), cols,
              _ranking(ranked.filter(_KELURAHAN), "area_id", Area)[:100], note=note),
        Table("sanctions", _("Escalations and sanctions"), [_("Agency"), _("Step"), _("Count")],
              _ledger(qs)),
    ]  # fmt: skip


_BUILDERS = {
    "volume": volume,
    "ketepatan-waktu": timeliness,
    "kualitas": quality,
    "akuntabilitas": accountability,
}


def report_section(name: str, scope: ReportScope, filters: ReportFilters) -> list[Table]:
    """The tables of one section, for this scope and these filters."""
    return _BUILDERS[name](scope, filters)
