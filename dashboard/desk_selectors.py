"""Reads for the operators' desk pages: reporters, the inbox and the outbox.

Reporter identity is shown only to operators and admins (the views check `is_desk_user`
before calling these), and an operator scoped to an area sees only reporters with a
complaint inside it; counts per channel count only complaints the viewer may see.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from complaints.models import Complaint, Reporter, User, normalize_tracking_code
from complaints.selectors import complaint_visible_to
from complaints.services import normalize_phone

from .desk_filters import DeskFilters, day_bounds
from .keyset import Sort
from .queue import bounded_count


def is_desk_user(user: User) -> bool:
    """Operators and admins: the people who take calls, read the inbox and merge reporters."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (User.Role.OPERATOR, User.Role.ADMIN))
    )


def _visible_complaints(user: User) -> QuerySet[Complaint]:
    return complaint_visible_to(user)


def reporters_for_desk(*, user: User, query: str = "") -> QuerySet[Reporter]:
    """Reporters the desk user may look up, newest first, optionally searched.

    The search matches a name or email part, or a phone typed any usual way (0812...,
    62812..., +62 812-...).
    """
    qs = Reporter.objects.all()
    if user.area_id and not user.is_superuser and user.role != User.Role.ADMIN:
        visible = _visible_complaints(user).filter(reporter=OuterRef("pk"))
        qs = qs.filter(Exists(visible))
    query = (query or "").strip()
    if query:
        match = Q(name__icontains=query) | Q(email__icontains=query)
        digits = re.sub(r"\D", "", query)
        if len(digits) >= 4:
            match |= Q(phone__contains=digits.removeprefix("0"))
        try:
            phone = normalize_phone(query)
        except ValidationError:
            phone = ""
        if phone:
            match |= Q(phone=phone)
        qs = qs.filter(match)
    return qs.order_by("-created_at", "-id")


def reporter_for_desk(*, user: User, reporter_id: int) -> Reporter | None:
    return reporters_for_desk(user=user).filter(pk=reporter_id).first()


def reporter_channel_counts(
    *, user: User, reporter_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Complaints per channel of each reporter, counting only what `user` may see; one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        _visible_complaints(user)
        .filter(reporter_id__in=list(reporter_ids))
        .order_by()
        .values_list("reporter_id", "channel")
        .annotate(number=Count("id"))
    )
    for reporter_id, channel, number in rows:
        counts[reporter_id][channel] = number
    return counts


def reporter_complaints(*, user: User, reporter: Reporter) -> QuerySet[Complaint]:
    return (
        _visible_complaints(user)
        .filter(reporter=reporter)
        .select_related("area", "agency")
        .order_by("-created_at", "-id")
    )


def reporter_handles(*, reporter: Reporter) -> list[ReporterHandle]:
    return list(ReporterHandle.objects.filter(reporter=reporter).order_by("channel", "handle"))


def reporter_merge_candidates(*, user: User, reporter: Reporter, limit: int = 10) -> list[Reporter]:
    """Other records that look like the same citizen: the same name, phone or email."""
    match = Q()
    if reporter.name:
        match |= Q(name__iexact=reporter.name)
    if reporter.phone:
        match |= Q(phone=reporter.phone)
    if reporter.email:
        match |= Q(email__iexact=reporter.email)
    if not match:
        return []
    return list(reporters_for_desk(user=user).filter(match).exclude(pk=reporter.pk)[:limit])


# Filtered lists (dashboard.desk_filters) -------------------------------------------------

REPORTER_SORT = Sort(("created_at", "id"), descending=True)
# The ones needing a person first (parked, then failed; the outbox: failed, then unsent),
# then newest: one direction, so the keyset pages of dashboard.keyset serve it.
INBOX_SORT = Sort(("urgency", "received_at", "id"), descending=True)
OUTBOX_SORT = Sort(("urgency", "created_at", "id"), descending=True)


def _area_scoped(user: User) -> bool:
    return bool(user.area_id and not user.is_superuser and user.role != User.Role.ADMIN)


def reporters_filtered(*, user: User, filters: DeskFilters) -> QuerySet[Reporter]:
    """The reporters list under its filters (search, a complaint's channel, first seen)."""
    qs = reporters_for_desk(user=user, query=filters.q)
    if filters.channel:
        on_channel = _visible_complaints(user).filter(
            reporter=OuterRef("pk"), channel=filters.channel
        )
        qs = qs.filter(Exists(on_channel))
    start, end = day_bounds(filters)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    return qs


def _message_search(query: str, *, contacts: tuple[str, ...], texts: tuple[str, ...]) -> Q:
    """A message whose complaint has this tracking code, or whose contact or text has it."""
    match = Q(complaint__tracking_code=normalize_tracking_code(query))
    for field in (*contacts, *texts):
        match |= Q(**{f"{field}__icontains": query})
    digits = re.sub(r"\D", "", query).removeprefix("0").removeprefix("62")
    if len(digits) >= 4 and digits != query:
        for field in contacts:
            match |= Q(**{f"{field}__contains": digits})
    return match


def _messages_filtered(
    qs: QuerySet[Any], *, user: User, filters: DeskFilters, day_field: str, search: Q | None
) -> QuerySet[Any]:
    if _area_scoped(user):
        # An operator scoped to an area sees the messages of the complaints they may see.
        qs = qs.filter(Exists(_visible_complaints(user).filter(pk=OuterRef("complaint_id"))))
    if search is not None:
        qs = qs.filter(search)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    start, end = day_bounds(filters)
    if start is not None:
        qs = qs.filter(**{f"{day_field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{day_field}__lt": end})
    return qs


_IN = InboundMessage.State
_OUT = OutboundMessage.State


def inbox_messages(
    *, user: User, filters: DeskFilters, with_state: bool = True
) -> QuerySet[InboundMessage]:
    """Inbound messages under the filters, with the `urgency` the sort needs."""
    search = (
        _message_search(filters.q, contacts=("sender_id", "reply_address"), texts=("last_error",))
        if filters.q
        else None
    )
    qs = _messages_filtered(
        InboundMessage.objects.select_related("complaint", "conversation").defer("body", "headers"),
        user=user,
        filters=filters,
        day_field="received_at",
        search=search,
    )
    if with_state and filters.state:
        qs = qs.filter(state=filters.state)
    urgency = Case(
        When(state=_IN.PARKED, then=Value(2)),
        When(state=_IN.FAILED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return qs.annotate(urgency=urgency)


def outbox_messages(
    *, user: User, filters: DeskFilters, with_state: bool = True
) -> QuerySet[OutboundMessage]:
    """Outbound messages under the filters, with the `urgency` the sort needs."""
    search = (
        _message_search(filters.q, contacts=("recipient",), texts=("body", "last_error"))
        if filters.q
        else None
    )
    qs = _messages_filtered(
        OutboundMessage.objects.select_related("complaint"),
        user=user,
        filters=filters,
        day_field="created_at",
        search=search,
    )
    if with_state and filters.state:
        qs = qs.filter(state=filters.state)
    urgency = Case(
        When(state=_OUT.FAILED, then=Value(2)),
        When(state__in=[_OUT.PENDING, _OUT.SENDING], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return qs.annotate(urgency=urgency)


@dataclass(frozen=True)
class StateCount:
    value: str
    label: str
    count: int
    more: bool  # stopped at the cap ("1000+")


def state_counts(qs: QuerySet[Any], states: Sequence[tuple[str, Any]]) -> list[StateCount]:
    """Each state's count under the other filters: one bounded query per state."""
    out = []
    for value, label in states:
        number, more = bounded_count(qs.filter(state=value))
        out.append(StateCount(value, str(label), number, more))
    return out
