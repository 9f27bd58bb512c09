"""The staff complaint list's search and filters: one definition for every page that lists.

    complaints_filtered(user, params) -> QuerySet[Complaint]

gives the complaints `user` may see (complaints.selectors.complaint_visible_to) that match
the list page's query string (a QueryDict, a dict, or a parsed ComplaintFilters), in the
page's order. The complaint export and the staff map call it with the list page's own
query string, so a bookmarked view, its export and its map hold the same complaints.
A value that does not parse raises ValidationError with the reasons (callers answer 400).

Parameters (all optional, all in the URL so a view can be bookmarked and shared):
  q          words of the title, text or address (typos forgiven), a tracking code, and
             for operators a reporter's phone, email or full name
  status     a tab (open, assigned, in_progress, resolved, triage, all) or one status;
             empty: the first tab of the user's role
  channel    one or more channels (?channel=whatsapp&channel=sms)
  category   a category id (a topic includes its subcategories)
  agency     an agency id (ignored for agency staff: they see their own agency only)
  area       an area code (the kecamatan 32.73.02 includes its kelurahan), or the picker's
             province / regency / district / village codes (the most specific wins)
  date_from, date_to   the day received, YYYY-MM-DD, in Asia/Jakarta, both inclusive
  due        overdue | due_soon
  reopened   1: reopened by the reporter at least once
  photos     1: with the reporter's photos
  sort       due (default: nearest deadline first) | oldest | newest | priority
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.forms import AREA_LEVELS, AreaTreeForm
from complaints.lifecycle import OPEN_STATUSES
from complaints.models import (
    NO_DEADLINE,
    Agency,
    Area,
    Attachment,
    Category,
    Channel,
    Complaint,
    Priority,
    Status,
    User,
    due_key,
)
from complaints.search import (
    TextSearch,
    reporter_ids_matching,
    text_search_condition,
    text_search_parse,
)
from complaints.selectors import complaint_visible_to
from dispositions.models import Disposition
from dispositions.selectors import overdue_q

from .keyset import Sort
from .tabs import QueueTab, queue_tabs, tab_by_key

SORTS: dict[str, Sort] = {
    "due": Sort(("due_key", "id")),
    "oldest": Sort(("created_at", "id")),
    "newest": Sort(("created_at", "id"), descending=True),
    "priority": Sort(("priority_rank", "due_key", "id")),
}
SORT_CHOICES = [
    ("due", _("Nearest deadline")),
    ("oldest", _("Oldest first")),
    ("newest", _("Newest first")),
    ("priority", _("Priority")),
]
DUE_CHOICES = [("", _("Any deadline")), ("overdue", _("Overdue")), ("due_soon", _("Due soon"))]
PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class ComplaintFilters:
    """The parsed filters of a staff list. Build one with complaint_filters_parse."""

    q: str = ""
    # The parsed query and the matching reporters, worked out once per request.
    search: TextSearch | None = None
    reporter_ids: tuple[int, ...] = ()
    tab: QueueTab | None = None  # a group of statuses
    status: str = ""  # one status, when the URL named one instead of a tab
    channels: tuple[str, ...] = ()
    category: Category | None = None
    agency: Agency | None = None
    area: Area | None = None
    date_from: date | None = None
    date_to: date | None = None
    due: str = ""
    reopened: bool = False
    photos: bool = False
    sort: str = "due"

    @property
    def statuses(self) -> frozenset[str] | None:
        """The statuses listed; None: every status."""
        if self.status:
            return frozenset({self.status})
        return self.tab.statuses if self.tab is not None else None


def _status_choices() -> list[tuple[str, Any]]:
    from .tabs import ALL_TABS

    return [("", _("Default")), *((t.key, t.label) for t in ALL_TABS), *Status.choices]


class ComplaintFilterForm(AreaTreeForm):
    """Parses the list's query string; renders as the filter bar (GET, no JavaScript needed).

    The area is chosen with the same dependent selects as the citizen form; without
    JavaScript, "Filter" applies the level chosen and shows the next one.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_status_choices)
    channel = forms.MultipleChoiceField(label=_("Channel"), required=False, choices=Channel.choices)
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.select_related("parent"),
        empty_label=_("All categories"),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        required=False,
        queryset=Agency.objects.filter(is_active=True),
        empty_label=_("All agencies"),
    )
    area = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    date_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due = forms.ChoiceField(label=_("Deadline"), required=False, choices=DUE_CHOICES)
    reopened = forms.BooleanField(label=_("Reopened"), required=False)
    photos = forms.BooleanField(label=_("With photos"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(_with_area_levels(_without_blanks(data)), *args, **kwargs)
        for level in AREA_LEVELS:
            self.fields[level].choices[0] = ("", gettext("All"))

    def clean_area(self) -> Area | None:
        code = self.cleaned_data["area"].strip()
        if not code:
            return None
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise ValidationError(gettext("No area has the code “%s”.") % code)
        return area

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data


def _without_blanks(data: Any) -> Any:
    """A browser submits every field of the filter bar; an empty one means "any"."""
    if not isinstance(data, QueryDict):
        return data
    kept = QueryDict(mutable=True)
    for key, values in data.lists():
        kept.setlist(key, [v for v in values if v.strip()])
    return kept


def _with_area_levels(data: Any) -> Any:
    """`area=<code>` (a link from a report or the map) fills the picker's levels above it."""
    if data is None:
        return None
    code = (data.get("area") or "").strip()
    if not code or any(data.get(level) for level in AREA_LEVELS):
        return data
    parts = code.split(".")
    copy = data.copy() if hasattr(data, "copy") else dict(data)
    for depth, level in enumerate(AREA_LEVELS, start=1):
        if depth <= len(parts):
            copy[level] = ".".join(parts[:depth])
    return copy


def _as_querydict(params: Mapping[str, Any] | None) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if isinstance(value, list | tuple):
            query.setlist(key, [str(v) for v in value])
        elif value is not None:
            query[key] = str(value)
    return query


def complaint_filters_parse(user: User, params: Mapping[str, Any] | None) -> ComplaintFilters:
    """The filters of a list URL for `user`; ValidationError with the reasons if one is bad."""
    form = ComplaintFilterForm(_as_querydict(params))
    if not form.is_valid():
        raise ValidationError(
            [
                f"{_field_label(form, name)}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ]
        )
    return filters_from_form(user, form)


def _field_label(form: forms.Form, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name


def filters_from_form(user: User, form: ComplaintFilterForm) -> ComplaintFilters:
    """A valid form's values as filters; the status defaults to the role's first tab."""
    data = form.cleaned_data
    tabs = queue_tabs(user)
    status_value = data.get("status") or ""
    tab = tab_by_key(status_value) if status_value not in Status.values else None
    if not status_value:
        tab = tabs[0]
    q = (data.get("q") or "").strip()
    return ComplaintFilters(
        q=q,
        search=text_search_parse(q) if q else None,
        reporter_ids=tuple(reporter_ids_matching(q)) if q and may_search_reporters(user) else (),
        tab=tab,
        status=status_value if status_value in Status.values else "",
        channels=tuple(data.get("channel") or ()),
        category=data.get("category"),
        agency=None if user.is_agency_member else data.get("agency"),
        area=form.chosen_area() or data.get("area"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        due=data.get("due") or "",
        reopened=bool(data.get("reopened")),
        photos=bool(data.get("photos")),
        sort=data.get("sort") or "due",
    )


def may_search_reporters(user: User) -> bool:
    """Operators and admins may find complaints by the reporter's contact; nobody else."""
    return bool(user.is_superuser or user.role in (User.Role.OPERATOR, User.Role.ADMIN))


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _reopened() -> Q:
    reopen = Disposition.objects.filter(complaint=OuterRef("pk"), reopen_of__isnull=False)
    return Q(status=Status.REOPENED) | Q(Exists(reopen))


def complaints_matching(
    user: User, filters: ComplaintFilters, *, with_status: bool = True
) -> QuerySet[Complaint]:
    """The visible complaints matching `filters`, unordered (the tab counts leave out status)."""
    qs = complaint_visible_to(user)
    statuses = filters.statuses
    if with_status and statuses is not None:
        qs = qs.filter(status__in=statuses)
    if filters.q:
        search = filters.search or text_search_parse(filters.q)
        condition = text_search_condition(search)
        if filters.reporter_ids and may_search_reporters(user):
            condition |= Q(reporter_id__in=filters.reporter_ids)
        qs = qs.filter(condition)
    if filters.channels:
        qs = qs.filter(channel__in=filters.channels)
    if filters.category is not None:
        # As ids (no join on category): the planner then counts on (category, created_at).
        family = Category.objects.filter(Q(pk=filters.category.pk) | Q(parent=filters.category))
        qs = qs.filter(category_id__in=family.values("id"))
    if filters.agency is not None:
        qs = qs.filter(agency=filters.agency)
    if filters.area is not None:
        code = filters.area.code
        # The area and every area under it, as ids: a semi-join on (area, created_at)
        # instead of joining every complaint to its area to compare codes.
        areas = Area.objects.filter(Q(code=code) | Q(code__startswith=f"{code}."))
        qs = qs.filter(area_id__in=areas.values("id"))
    if filters.date_from is not None:
        qs = qs.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.due:
        now = timezone.now()
        qs = qs.filter(status__in=OPEN_STATUSES)
        if filters.due == "overdue":
            qs = qs.filter(overdue_q(now=now))
        else:
            soon = now + timedelta(hours=settings.QUEUE_DUE_SOON_HOURS)
            qs = qs.filter(due_at__gte=now, due_at__lt=soon)
    if filters.reopened:
        qs = qs.filter(_reopened())
    if filters.photos:
        photos = Attachment.objects.filter(complaint=OuterRef("pk"), kind=Attachment.Kind.REPORT)
        qs = qs.filter(Exists(photos))
    return qs


def with_sort_keys(qs: QuerySet[Complaint], *, dated: bool = False) -> QuerySet[Complaint]:
    """The annotations every sort names (the indexes hold the same expressions).

    `dated`: the list is limited to received dates. A deadline follows its receipt, so
    walking the (due_key, id) index finds that range's rows only after every earlier
    deadline (690,000 rows read at 1M for a four-month range); the planner cannot know
    this. An equal value in another shape (the deadline through a CASE, which the planner
    does not fold away) is not the indexed expression, so the rows of the range are
    found first and then sorted.
    """
    if dated:
        deadline = Case(When(due_at__isnull=False, then=F("due_at")), output_field=DateTimeField())
        key = Coalesce(deadline, Value(NO_DEADLINE))
    else:
        key = due_key()
    return qs.annotate(due_key=key, priority_rank=PRIORITY_RANK)


def is_dated(filters: ComplaintFilters) -> bool:
    return filters.date_from is not None or filters.date_to is not None


def complaints_filtered(
    user: User, params: Mapping[str, Any] | ComplaintFilters | None
) -> QuerySet[Complaint]:
    """The list page's complaints for `user` and its query string, in the page's order."""
    filters = (
        params if isinstance(params, ComplaintFilters) else complaint_filters_parse(user, params)
    )
    sort = SORTS[filters.sort]
    return with_sort_keys(complaints_matching(user, filters), dated=is_dated(filters)).order_by(
        *sort.order_by()
    )
