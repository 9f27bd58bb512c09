"""Report sections (reads): volume, timeliness, quality, accountability.

`report_section(name, scope, filters)` is the one entry point; pages, exports and the
public statistics page all call it, so the numbers are the same everywhere. Every figure
is aggregated in the database with a fixed number of queries per section.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Channel, Complaint, ComplaintEvent, Rating, Status
from dispositions.models import Disposition, Escalation

from .period import ReportFilters, _zone
from .scope import ReportScope
from .tables import Table, duration_buckets, pct, percentile

SECTIONS = {
    "volume": _("Volume"),
    "ketepatan-waktu": _("Timeliness"),
    "kualitas": _("Quality"),
    "akuntabilitas": _("Accountability"),
}
# A unit with fewer resolved complaints than this is listed but not ranked.
MIN_RANKED = 10
AGE_BUCKETS = ((0, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, None))


def _scoped(scope: ReportScope, filters: ReportFilters, prefix: str = "") -> Q:
    q = scope.complaint_q(prefix)
    if filters.area is not None:
        code = filters.area.code
        q &= Q(**{f"{prefix}area__code": code}) | Q(
            **{f"{prefix}area__code__startswith": f"{code}."}
        )
    if filters.agency is not None:
        q &= Q(**{f"{prefix}agency_id": filters.agency.pk})
    return q


def received(scope: ReportScope, filters: ReportFilters) -> QuerySet[Complaint]:
    """The complaints received in the period inside the scope and the filters."""
    return Complaint.objects.filter(
        _scoped(scope, filters), created_at__gte=filters.start, created_at__lt=filters.end
    )


def _grouped(qs: QuerySet, field: str, label: str) -> list[list[object]]:
    rows = qs.values(field, label).annotate(n=Count("pk")).order_by("-n", label)
    return [[r[label] or str(_("(none)")), r["n"]] for r in rows]


def volume(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    qs = received(scope, filters)
    channels = dict(Channel.choices)
    by_channel = qs.values("channel").annotate(n=Count("pk")).order_by("-n", "channel")
    total = sum(r["n"] for r in by_channel)
    channel_rows = [
        [str(channels.get(r["channel"], r["channel"])), r["n"], pct(r["n"], total)]
        for r in by_channel
    ]
    topic = qs.annotate(topic=Coalesce("category__parent__name", "category__name"))
    if filters.days <= 31:
        trunc, unit = TruncDate("created_at", tzinfo=_zone()), _("day")
    elif filters.days <= 120:
        trunc, unit = TruncWeek("created_at", tzinfo=_zone()), _("week")
    else:
        trunc, unit = TruncMonth("created_at", tzinfo=_zone()), _("month")
    trend = qs.annotate(t=trunc).values("t").annotate(n=Count("pk")).order_by("t")
    area_level = qs.annotate(
        kec=Coalesce("area__parent__name", "area__name"),
    )
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
            "trend",
            _("Trend per %s") % unit,
            [_("Period"), _("Complaints")],
            [[_period_label(r["t"]), r["n"]] for r in trend],
            chart="line",
        ),
        Table(
            "topic",
            _("By topic"),
            [_("Topic"), _("Complaints")],
            _grouped(topic, "topic", "topic"),
            chart="hbar",
        ),
        Table(
            "category",
            _("By subcategory"),
            [_("Subcategory"), _("Complaints")],
            _grouped(qs, "category_id", "category__name"),
        ),
        Table(
            "agency",
            _("By agency"),
            [_("Agency"), _("Complaints")],
            _grouped(qs, "agency_id", "agency__name"),
            chart="hbar",
        ),
        Table(
            "kecamatan",
            _("By kecamatan"),
            [_("Kecamatan"), _("Complaints")],
            _grouped(area_level.filter(area__level=4), "area__parent_id", "kec")[:50],
        ),
        Table(
            "kelurahan",
            _("By kelurahan (top 50)"),
            [_("Kelurahan"), _("Complaints")],
            _grouped(qs.filter(area__level=4), "area_id", "area__name")[:50],
        ),
    ]


def _period_label(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if value is not None else ""


def _dispositions(scope: ReportScope, filters: ReportFilters) -> QuerySet[Disposition]:
    """Dispositions of the complaints received in the period, measured for their own agency."""
    q = _scoped(scope, filters, "complaint__")
    if scope.agency_ids is not None:
        q &= Q(agency_id__in=sorted(scope.agency_ids))
    return Disposition.objects.filter(
        q, complaint__created_at__gte=filters.start, complaint__created_at__lt=filters.end
    )


def timeliness(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    now = filters.now
    disp = _dispositions(scope, filters)
    resp = disp.aggregate(
        met=Count("pk", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("response_due_at"))),
        late=Count(
            "pk",
            filter=Q(accepted_at__gt=F("response_due_at"))
            | Q(accepted_at__isnull=True, closed_at__isnull=True, response_due_at__lt=now),
        ),
    )
    res = disp.aggregate(
        met=Count("pk", filter=Q(state="resolved", closed_at__lte=F("resolution_due_at"))),
        late=Count(
            "pk",
            filter=Q(state="resolved", closed_at__gt=F("resolution_due_at"))
            | Q(closed_at__isnull=True, resolution_due_at__lt=now),
        ),
    )
    qs = received(scope, filters)
    first_accept = Disposition.objects.filter(complaint=OuterRef("pk")).order_by("accepted_at")
    first_resolve = ComplaintEvent.objects.filter(complaint=OuterRef("pk"), action="resolve")
    from django.db.models import Subquery

    timed = qs.annotate(
        responded=Subquery(
            first_accept.filter(accepted_at__isnull=False).values("accepted_at")[:1]
        ),
        resolved=Subquery(first_resolve.order_by("created_at").values("created_at")[:1]),
    )
    buckets = timed.aggregate(
        **duration_buckets(timed, end="responded", start="created_at", prefix="r"),
        **duration_buckets(timed, end="resolved", start="created_at", prefix="s"),
    )
    sla_rows = [
        [_("Response"), resp["met"], resp["late"], pct(resp["met"], resp["met"] + resp["late"])],
        [_("Resolution"), res["met"], res["late"], pct(res["met"], res["met"] + res["late"])],
    ]
    time_rows = [
        [
            _("First response"),
            buckets["r_n"],
            percentile(buckets, 0.5, "r"),
            percentile(buckets, 0.9, "r"),
        ],
        [
            _("Resolution"),
            buckets["s_n"],
            percentile(buckets, 0.5, "s"),
            percentile(buckets, 0.9, "s"),
        ],
    ]
    open_qs = Complaint.objects.filter(_scoped(scope, filters), status__in=OPEN_STATUSES)
    aggs = {"overdue": Count("pk", filter=Q(due_at__lt=now))}
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
            _("Deadline compliance (working-time deadlines)"),
            [_("Deadline"), _("Met"), _("Missed"), _("Compliance (%)")],
            sla_rows,
            chart="bar",
        ),
        Table(
            "durations",
            _("Elapsed time (hours)"),
            [_("Measure"), _("Complaints"), _("Median (h)"), _("90th percentile (h)")],
            time_rows,
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
    resolved_once = Exists(
        ComplaintEvent.objects.filter(complaint=OuterRef("pk"), action="resolve")
    )
    reopened = Exists(ComplaintEvent.objects.filter(complaint=OuterRef("pk"), action="reopen"))
    counts = qs.annotate(was_resolved=resolved_once, was_reopened=reopened).aggregate(
        resolved=Count("pk", filter=Q(was_resolved=True)),
        reopened=Count("pk", filter=Q(was_resolved=True, was_reopened=True)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        duplicates=Count("pk", filter=Q(status=Status.DUPLICATE)),
    )
    first_fix = counts["resolved"] - counts["reopened"]
    ratings = Rating.objects.filter(complaint__in=qs.values("pk"))
    dist = {r["score"]: r["n"] for r in ratings.values("score").annotate(n=Count("pk"))}
    n_ratings = sum(dist.values())
    average = ratings.aggregate(avg=Avg("score"))["avg"]
    reasons = (
        ComplaintEvent.objects.filter(complaint__in=qs.values("pk"), action="reject")
        .values("note")
        .annotate(n=Count("pk"))
        .order_by("-n", "note")[:15]
    )
    return [
        Table(
            "rates",
            _("Quality rates"),
            [_("Measure"), _("Complaints"), _("Rate (%)")],
            [
                [_("Resolved at least once"), counts["resolved"], None],
                [
                    _("Reopened by the reporter"),
                    counts["reopened"],
                    pct(counts["reopened"], counts["resolved"]),
                ],
                [_("Fixed the first time"), first_fix, pct(first_fix, counts["resolved"])],
                [_("Rejected"), counts["rejected"], pct(counts["rejected"], qs.count())],
                [_("Duplicates merged"), counts["duplicates"], None],
            ],
        ),
        Table(
            "satisfaction",
            _("Satisfaction (1-5)"),
            [_("Stars"), _("Ratings")],
            [[s, dist.get(s, 0)] for s in range(1, 6)],
            chart="bar",
            note=_("%(n)s ratings, average %(avg)s")
            % {"n": n_ratings, "avg": f"{average:.2f}" if average is not None else "-"},
        ),
        Table(
            "rejections",
            _("Rejection reasons"),
            [_("Reason"), _("Complaints")],
            [[(r["note"] or "-")[:120], r["n"]] for r in reasons],
        ),
    ]


def _ranking(disp: QuerySet[Disposition], field: str, label: str) -> list[list[object]]:
    rows = list(
        disp.filter(state="resolved")
        .values(field, label)
        .annotate(
            n=Count("pk"),
            met=Count("pk", filter=Q(closed_at__lte=F("resolution_due_at"))),
            **duration_buckets(disp, end="closed_at", start="created_at"),
        )
    )
    for r in rows:
        r["on_time"] = pct(r["met"], r["n"])
        r["median"] = percentile(r, 0.5)
    ranked = sorted(
        (r for r in rows if r["n"] >= MIN_RANKED),
        key=lambda r: (-(r["on_time"] or 0), r["median"] or 0, str(r[label])),
    )
    small = sorted((r for r in rows if r["n"] < MIN_RANKED), key=lambda r: str(r[label]))
    out = [[i, r[label], r["n"], r["on_time"], r["median"]] for i, r in enumerate(ranked, 1)]
    out += [["-", r[label], r["n"], r["on_time"], r["median"]] for r in small]
    return out


def accountability(scope: ReportScope, filters: ReportFilters) -> list[Table]:
    disp = _dispositions(scope, filters)
    cols = [_("Rank"), _("Unit"), _("Resolved"), _("On time (%)"), _("Median resolution (h)")]
    note = _("Units with fewer than %(n)s resolved complaints are listed unranked.") % {
        "n": MIN_RANKED
    }
    ledger = (
        Escalation.objects.filter(
            disposition__in=disp.values("pk"),
        )
        .values("disposition__agency__name", "step")
        .annotate(n=Count("pk"))
        .order_by("disposition__agency__name", "step")
    )
    steps = dict(Escalation.Step.choices)
    return [
        Table(
            "agencies",
            _("Agency ranking"),
            cols,
            _ranking(disp, "agency_id", "agency__name"),
            note=note,
        ),
        Table(
            "kecamatan",
            _("Kecamatan ranking"),
            cols,
            _ranking(
                disp.filter(complaint__area__level=4),
                "complaint__area__parent_id",
                "complaint__area__parent__name",
            )[:100],
            note=note,
        ),
        Table(
            "kelurahan",
            _("Kelurahan ranking"),
            cols,
            _ranking(
                disp.filter(complaint__area__level=4), "complaint__area_id", "complaint__area__name"
            )[:100],
            note=note,
        ),
        Table(
            "sanctions",
            _("Escalations and sanctions"),
            [_("Agency"), _("Step"), _("Count")],
            [
                [r["disposition__agency__name"], str(steps.get(r["step"], r["step"])), r["n"]]
                for r in ledger
            ],
        ),
    ]


_BUILDERS = {
    "volume": volume,
    "ketepatan-waktu": timeliness,
    "kualitas": quality,
    "akuntabilitas": accountability,
}


def report_section(name: str, scope: ReportScope, filters: ReportFilters) -> list[Table]:
    """The tables of one section, for this scope and these filters."""
    return _BUILDERS[name](scope, filters)
