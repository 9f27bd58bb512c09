"""Reads for the operators' desk pages: reporters, the inbox and the outbox.

Reporter identity is shown only to operators and admins (the views check `is_desk_user`
before calling these), and an operator scoped to an area sees only reporters with a
complaint inside it; counts per channel count only complaints the viewer may see.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from complaints.models import Complaint, Reporter, User
from complaints.selectors import complaint_visible_to
from complaints.services import normalize_phone


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


# The inbox and the outbox ----------------------------------------------------------------

_IN = InboundMessage.State
_OUT = OutboundMessage.State


def inbox_messages(*, channel: str = "", state: str = "") -> QuerySet[InboundMessage]:
    """Inbound messages, the ones needing a person (parked, failed) first, then newest."""
    qs = InboundMessage.objects.select_related("complaint", "conversation").defer("body", "headers")
    if channel:
        qs = qs.filter(channel=channel)
    if state:
        qs = qs.filter(state=state)
    needs_person = Case(
        When(state=_IN.PARKED, then=Value(0)),
        When(state=_IN.FAILED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=needs_person).order_by("rank", "-received_at", "-id")


def outbox_messages(*, channel: str = "", state: str = "") -> QuerySet[OutboundMessage]:
    """Outbound messages, failed first (an operator decides on them), then newest."""
    qs = OutboundMessage.objects.select_related("complaint")
    if channel:
        qs = qs.filter(channel=channel)
    if state:
        qs = qs.filter(state=state)
    needs_person = Case(
        When(state=_OUT.FAILED, then=Value(0)),
        When(state__in=[_OUT.PENDING, _OUT.SENDING], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=needs_person).order_by("rank", "-created_at", "-id")
