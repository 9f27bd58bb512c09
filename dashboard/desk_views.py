"""The operators' desk: quick entry of hotline and walk-in complaints, reporters and their
merge, and the inbox and outbox of every channel with Replay and Send-again.

Operators and admins only (`desk_required`): agency staff, heads and supervisors get 403.
Views parse forms and call services; reads come from dashboard.desk_selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels_intake.desk import desk_complaint_create
from channels_intake.inbox import inbound_replay
from channels_intake.models import InboundMessage, OutboundMessage
from channels_intake.outbox import outbound_outcome_unknown, outbound_retry
from complaints.lifecycle import Actor, status_colour
from complaints.models import Channel, Complaint, Reporter
from complaints.selectors import complaint_visible_to
from complaints.services import reporter_merge

from . import desk_selectors as selectors
from .desk_filters import DeskFilterForm, DeskFilters, desk_filters_parse
from .desk_forms import OutboundRetryForm, QuickEntryForm
from .keyset import Sort, keyset_page
from .queue import bounded_count
from .queue_views import query_with

LIST_PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def desk_required(view: View) -> View:
    """Signed-in operators and admins; everyone else signed in gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_desk_user(request.user):
            raise PermissionDenied("Operators only")
        return view(request, *args, **kwargs)

    return wrapped


# Quick entry ------------------------------------------------------------------------------


def _quick_entry_page(
    request: HttpRequest, form: QuickEntryForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "dashboard/quick_entry.html",
        {"form": form, "max_photos": settings.UPLOAD_MAX_PHOTOS},
        status=status,
    )


@desk_required
@require_http_methods(["GET", "POST"])
def quick_entry(request: HttpRequest) -> HttpResponse:
    """One screen, top to bottom in the order of a call; saving shows the tracking code."""
    if request.method != "POST":
        # ?kanal=walk_in: a counter's bookmark opens with its own channel chosen.
        channel = request.GET.get("kanal")
        initial = {"channel": channel} if channel in (Channel.HOTLINE, Channel.WALK_IN) else {}
        return _quick_entry_page(request, QuickEntryForm(initial=initial))
    form = QuickEntryForm(data=request.POST, files=request.FILES)
    if "_refresh_area" in request.POST:
        return _quick_entry_page(request, QuickEntryForm(initial=form.typed_initial()))
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = desk_complaint_create(
                actor=Actor.for_user(request.user),
                channel=data["channel"],
                phone=data["phone"],
                name=data["name"],
                text=data["text"],
                area=form.chosen_area(),
                category=data["category"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                address=data["address"],
                is_anonymous=data["is_anonymous"],
                is_confidential=data["is_confidential"],
                photos=form.processed_photos,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _after_entry(request, complaint)
    return _quick_entry_page(request, form, status=400)


def _after_entry(request: HttpRequest, complaint: Complaint) -> HttpResponse:
    messages.success(
        request,
        _("Complaint recorded. Read the tracking code to the citizen: %(code)s")
        % {"code": complaint.tracking_code},
        extra_tags="desk-code",
    )
    if complaint_visible_to(request.user).filter(pk=complaint.pk).exists():
        return redirect("dashboard:complaint", tracking_code=complaint.tracking_code)
    # An operator scoped to an area took a complaint outside it: the code is all they get.
    return redirect("dashboard:quick_entry")


# Reporters --------------------------------------------------------------------------------


def _channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


@dataclass(frozen=True)
class ListPage:
    """One keyset page of a desk list and its links, which keep every filter."""

    object_list: list[Any]
    next_url: str = ""
    previous_url: str = ""
    first_url: str = ""

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_url or self.previous_url or self.first_url)


def _list_page(request: HttpRequest, qs: QuerySet[Any], sort: Sort) -> ListPage:
    """ValidationError for a page link that was not made here."""
    page = keyset_page(
        qs,
        sort=sort,
        size=LIST_PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    params = request.GET
    return ListPage(
        object_list=page.rows,
        next_url=query_with(params, after=page.next_cursor) if page.next_cursor else "",
        previous_url=query_with(params, before=page.previous_cursor)
        if page.previous_cursor
        else "",
        first_url=query_with(params) if not page.is_first else "",
    )


@desk_required
@require_GET
def reporters(request: HttpRequest) -> HttpResponse:
    form = DeskFilterForm(request.GET, search_help=_("Name, phone or email"))
    errors: list[str] = []
    page, total = ListPage([]), (0, False)
    try:
        filters = desk_filters_parse(form)
        qs = selectors.reporters_filtered(user=request.user, filters=filters)
        page = _list_page(request, qs, selectors.REPORTER_SORT)
        total = bounded_count(qs)
    except ValidationError as exc:
        filters, errors = DeskFilters(), list(exc.messages)
    counts = selectors.reporter_channel_counts(
        user=request.user, reporter_ids=[r.pk for r in page.object_list]
    )
    rows = [
        {
            "reporter": r,
            "channels": [(_channel_label(c), n) for c, n in sorted(counts.get(r.pk, {}).items())],
            "total": sum(counts.get(r.pk, {}).values()),
        }
        for r in page.object_list
    ]
    return render(
        request,
        "dashboard/reporters.html",
        {
            "form": form,
            "filters": filters,
            "errors": errors,
            "page": page,
            "rows": rows,
            "total": total,
            "clear_url": request.path,
        },
        status=400 if errors else 200,
    )


def _reporter_or_404(request: HttpRequest, reporter_id: int) -> Reporter:
    reporter = selectors.reporter_for_desk(user=request.user, reporter_id=reporter_id)
    if reporter is None:
        raise Http404("No such reporter")
    return reporter


@desk_required
@require_GET
def reporter_detail(request: HttpRequest, reporter_id: int) -> HttpResponse:
    reporter = _reporter_or_404(request, reporter_id)
    complaints = list(selectors.reporter_complaints(user=request.user, reporter=reporter))
    return render(
        request,
        "dashboard/reporter_detail.html",
        {
            "reporter": reporter,
            "handles": selectors.reporter_handles(reporter=reporter),
            "complaints": [(c, status_colour(c.status)) for c in complaints],
            "candidates": selectors.reporter_merge_candidates(user=request.user, reporter=reporter),
        },
    )


@desk_required
@require_http_methods(["GET", "POST"])
def reporter_merge_confirm(request: HttpRequest, reporter_id: int, other_id: int) -> HttpResponse:
    """GET shows what a merge of `other` into `reporter` does; POST (the confirmation) does it."""
    keep = _reporter_or_404(request, reporter_id)
    merge = _reporter_or_404(request, other_id)
    if keep.pk == merge.pk:
        raise Http404("Same reporter")
    if request.method == "POST":
        try:
            result = reporter_merge(keep=keep, merge=merge, actor=Actor.for_user(request.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Merged: %(count)d complaints moved to this reporter.")
                % {"count": len(result.complaints)},
            )
        return redirect("dashboard:reporter", reporter_id=keep.pk)
    counts = selectors.reporter_channel_counts(user=request.user, reporter_ids=[keep.pk, merge.pk])
    fills = [
        (field, getattr(merge, field))
        for field in ("name", "phone", "email")
        if getattr(merge, field) and not getattr(keep, field)
    ]
    return render(
        request,
        "dashboard/reporter_merge.html",
        {
            "keep": keep,
            "merge": merge,
            "keep_total": sum(counts.get(keep.pk, {}).values()),
            "merge_total": sum(counts.get(merge.pk, {}).values()),
            "fills": [(Reporter._meta.get_field(f).verbose_name, v) for f, v in fills],
        },
    )


# The inbox and the outbox -----------------------------------------------------------------


def _box_context(
    request: HttpRequest,
    *,
    box: str,
    messages_for: Callable[..., QuerySet[Any]],
    sort: Sort,
    states: list[tuple[str, Any]],
    search_help: str,
) -> dict[str, Any]:
    """The search, filters, state counts and keyset page the inbox and outbox share."""
    form = DeskFilterForm(request.GET, states=states, search_help=search_help)
    errors: list[str] = []
    page, counts = ListPage([]), []
    try:
        filters = desk_filters_parse(form)
        page = _list_page(request, messages_for(user=request.user, filters=filters), sort)
        counts = selectors.state_counts(
            messages_for(user=request.user, filters=filters, with_state=False), states
        )
    except ValidationError as exc:
        filters, errors = DeskFilters(), list(exc.messages)
    return {
        "box": box,
        "form": form,
        "filters": filters,
        "errors": errors,
        "page": page,
        "counts": [(c, query_with(request.GET, state=c.value)) for c in counts],
        "all_url": query_with(request.GET, state=""),
        "clear_url": request.path,
    }


def _box_render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400 if context["errors"] else 200)


@desk_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    context = _box_context(
        request,
        box="inbox",
        messages_for=selectors.inbox_messages,
        sort=selectors.INBOX_SORT,
        states=InboundMessage.State.choices,
        search_help=_("Sender, tracking code or error"),
    )
    context["replayable"] = {InboundMessage.State.PARKED, InboundMessage.State.FAILED}
    return _box_render(request, "dashboard/inbox.html", context)


@desk_required
@require_POST
def inbox_replay(request: HttpRequest, message_id: int) -> HttpResponse:
    if inbound_replay(message_id=message_id):
        messages.success(request, _("The message was sent to processing again."))
    else:
        messages.error(request, _("Only a parked or failed message can be replayed."))
    return redirect("dashboard:inbox")


@desk_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    context = _box_context(
        request,
        box="outbox",
        messages_for=selectors.outbox_messages,
        sort=selectors.OUTBOX_SORT,
        states=OutboundMessage.State.choices,
        search_help=_("Recipient, text, tracking code or error"),
    )
    context["rows"] = [(m, outbound_outcome_unknown(m)) for m in context["page"].object_list]
    context["retry_form"] = OutboundRetryForm()
    return _box_render(request, "dashboard/outbox.html", context)


@desk_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    """Send one failed reply again; an unknown outcome only with the explicit confirmation."""
    message = OutboundMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message")
    form = OutboundRetryForm(request.POST)
    confirmed = form.is_valid() and form.cleaned_data["confirm_unknown"]
    if outbound_outcome_unknown(message) and not confirmed:
        messages.error(
            request,
            _(
                "This message may already have reached the citizen. Check first, then tick "
                "the confirmation to send it again."
            ),
        )
    elif outbound_retry(message_ids=[message.pk], confirm_unknown=confirmed):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.error(request, _("Only a failed message can be sent again."))
    return redirect("dashboard:outbox")
