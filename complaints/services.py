"""Writes on the core records: creating complaints, reporters, attachments, events.

The web form, the REST API and (later) every channel create complaints through
`complaint_create`, so they all get the same validation, reporter matching, timeline
and routing.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from . import hooks
from .images import ProcessedImage
from .lifecycle import CITIZEN_ACTOR, Actor, TransitionError, complaint_transition
from .models import (
    Area,
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    PendingUpload,
    Reporter,
    ReportType,
    Status,
    new_tracking_code,
)

DEFAULT_PHONE_REGION = "ID"


def normalize_phone(raw: str) -> str:
    """An Indonesian-first phone number as E.164 (+62...), or ValidationError."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%s” is not a phone number.") % raw, code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%s” is not a valid phone number.") % raw, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def reporter_get_or_create(*, name: str = "", phone: str = "", email: str = "") -> Reporter | None:
    """The reporter with this phone (or else email), created if new; None if nothing given."""
    phone = normalize_phone(phone)
    email = (email or "").strip().lower()
    name = (name or "").strip()
    if not (phone or email or name):
        return None
    reporter = None
    if phone:
        reporter = Reporter.objects.filter(phone=phone).order_by("id").first()
    if reporter is None and email:
        reporter = Reporter.objects.filter(email=email).order_by("id").first()
    if reporter is None:
        return Reporter.objects.create(name=name, phone=phone, email=email)
    reporter_fill_in(reporter=reporter, name=name, phone=phone, email=email)
    return reporter


def reporter_fill_in(
    *, reporter: Reporter, name: str = "", phone: str = "", email: str = ""
) -> None:
    """Record what we did not know yet; never overwrite what the citizen told us before."""
    known = {"name": (name or "").strip(), "phone": phone, "email": (email or "").strip().lower()}
    changed = [f for f, value in known.items() if value and not getattr(reporter, f)]
    for f in changed:
        setattr(reporter, f, known[f])
    if changed:
        reporter.save(update_fields=changed)


def make_title(text: str) -> str:
    first_line = " ".join(text.split())
    return Truncator(first_line).chars(80)


@transaction.atomic
def complaint_create(
    *,
    channel: str,
    text: str,
    category: Category | None = None,
    area: Area | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    is_anonymous: bool = False,
    is_confidential: bool = False,
    photos: Sequence[ProcessedImage] = (),
    pending_uploads: Iterable[PendingUpload] = (),
    title: str = "",
    reporter: Reporter | None = None,
    actor: Actor | None = None,
    report_type: str = ReportType.COMPLAINT,
) -> Complaint:
    """Create a complaint with its reporter and photos; routing starts after commit.

    `actor` is the staff member who took it (an operator at the hotline or the counter):
    the created event names them, and the channel stays the event's label.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Please describe the problem."), code="text")
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel “%s”.") % channel, code="channel")
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."), code="location")
    if reporter is None:
        # A channel that already knows the citizen (by a handle) passes the reporter itself.
        reporter = reporter_get_or_create(
            name=reporter_name, phone=reporter_phone, email=reporter_email
        )

    complaint = Complaint(
        channel=channel,
        text=text,
        title=(title or make_title(text))[:140],
        category=category,
        area=area,
        latitude=None if latitude is None else round(Decimal(str(latitude)), 6),
        longitude=None if longitude is None else round(Decimal(str(longitude)), 6),
        address=(address or "").strip()[:255],
        reporter=reporter,
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        report_type=report_type or ReportType.COMPLAINT,
    )
    _check_coordinates(complaint)
    # The related rows were just read or made by this service, and the coordinates rule is
    # checked above: full_clean's existence query per foreign key and its query for the
    # check constraint (with a savepoint) were six statements of every intake (issue 11).
    # The database constraints still stand behind both.
    complaint.full_clean(
        exclude=["tracking_code", "public_token", "category", "area", "reporter", "agency"],
        validate_constraints=False,
    )
    _save_with_unique_code(complaint)

    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.CREATED,
        actor=actor.user if actor is not None else None,
        actor_label=channel,
        to_status=complaint.status,
    )
    for photo in photos:
        attachment_add(complaint=complaint, image=photo)
    for pending in pending_uploads:
        attachment_from_pending(complaint=complaint, pending=pending)
    hooks.fire(hooks.COMPLAINT_CREATED, complaint_id=complaint.pk)
    return complaint


def _check_coordinates(complaint: Complaint) -> None:
    """The complaint_coordinates_valid constraint, checked without a query."""
    lat, lon = complaint.latitude, complaint.longitude
    if lat is None and lon is None:
        return
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        (constraint,) = (
            c for c in Complaint._meta.constraints if c.name == "complaint_coordinates_valid"
        )
        raise ValidationError(
            constraint.get_violation_error_message(), code="complaint_coordinates_valid"
        )


def _save_with_unique_code(complaint: Complaint) -> None:
    # 30^8 codes: a clash is rare but possible, so retry with a fresh code in a savepoint.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                complaint.save()
            return
        except IntegrityError:
            complaint.tracking_code = new_tracking_code()
            complaint.pk = None
    raise IntegrityError("Could not find a free tracking code")


def _stored_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def attachment_add(
    *,
    complaint: Complaint,
    image: ProcessedImage,
    kind: str = Attachment.Kind.REPORT,
    event: ComplaintEvent | None = None,
) -> Attachment:
    attachment = Attachment(
        complaint=complaint,
        kind=kind,
        event=event,
        original_name=image.original_name,
        content_type=image.content_type,
        size=image.size,
        width=image.width,
        height=image.height,
        sha256=image.sha256,
    )
    attachment.file.save(_stored_name(image.extension), ContentFile(image.content), save=False)
    attachment.thumbnail.save(_stored_name("jpg"), ContentFile(image.thumbnail), save=False)
    attachment.save()
    return attachment


def pending_upload_store(*, image: ProcessedImage) -> PendingUpload:
    """Keep a valid photo from a form that failed, so the citizen need not pick it again."""
    pending = PendingUpload(
        original_name=image.original_name,
        content_type=image.content_type,
        size=image.size,
        width=image.width,
        height=image.height,
        sha256=image.sha256,
    )
    pending.file.save(_stored_name(image.extension), ContentFile(image.content), save=False)
    pending.thumbnail.save(_stored_name("jpg"), ContentFile(image.thumbnail), save=False)
    pending.save()
    return pending


def attachment_from_pending(*, complaint: Complaint, pending: PendingUpload) -> Attachment:
    attachment = Attachment.objects.create(
        complaint=complaint,
        kind=Attachment.Kind.REPORT,
        file=pending.file.name,
        thumbnail=pending.thumbnail.name,
        original_name=pending.original_name,
        content_type=pending.content_type,
        size=pending.size,
        width=pending.width,
        height=pending.height,
        sha256=pending.sha256,
    )
    # The files now belong to the attachment; only the pending row goes.
    PendingUpload.objects.filter(pk=pending.pk).delete()
    return attachment


def pending_uploads_purge() -> int:
    """Delete pending photos older than PendingUpload.MAX_AGE, files included."""
    cutoff = timezone.now() - PendingUpload.MAX_AGE
    count = 0
    for pending in PendingUpload.objects.filter(created_at__lt=cutoff).iterator():
        pending.file.delete(save=False)
        pending.thumbnail.delete(save=False)
        pending.delete()
        count += 1
    return count


@transaction.atomic
def complaint_add_note(
    *, complaint: Complaint, actor: Actor, note: str, is_public: bool = False
) -> ComplaintEvent:
    """A timeline note without a status change (internal unless made public)."""
    note = note.strip()
    if not note:
        raise ValidationError(_("The note is empty."))
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.NOTE,
        actor=actor.user,
        actor_label=actor.label,
        agency=complaint.agency,
        from_status=complaint.status,
        to_status=complaint.status,
        note=note,
        is_public=is_public,
    )


@transaction.atomic
def complaint_set_category(
    *, complaint: Complaint, category: Category | None, actor: Actor
) -> ComplaintEvent | None:
    """A person (re)categorizes a complaint; the change is kept in the internal timeline."""
    if category == complaint.category:
        return None
    before = complaint.category
    complaint.category = category
    complaint.save(update_fields=["category", "updated_at"])
    return _internal_note(
        complaint=complaint,
        actor=actor,
        action="categorize",
        note=_("Category: %(before)s → %(after)s")
        % {"before": before or "—", "after": category or "—"},
    )


def _internal_note(*, complaint: Complaint, actor: Actor, action: str, note: str) -> ComplaintEvent:
    """A staff-only timeline entry for a change that is not a status change."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.NOTE,
        action=action,
        actor=actor.user,
        actor_label=actor.label,
        agency=complaint.agency,
        from_status=complaint.status,
        to_status=complaint.status,
        note=note,
        is_public=False,
    )


@transaction.atomic
def complaint_reporter_edit(*, complaint: Complaint, text: str) -> ComplaintEvent | None:
    """The reporter edited the message the complaint came from (a comment, a chat message).

    The text (and the title, unless staff wrote their own) follow the edit; the earlier
    text stays in the internal timeline, so nothing is lost. The status never changes: an
    edit is not a new report. None when the edit is empty or changes nothing.
    """
    text = (text or "").strip()
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not text or text == locked.text:
        return None
    before = locked.text
    fields = ["text", "updated_at"]
    locked.text = text
    if not locked.title or locked.title == make_title(before)[:140]:
        locked.title = make_title(text)[:140]
        fields.append("title")
    locked.save(update_fields=fields)
    complaint.text, complaint.title = locked.text, locked.title
    return _internal_note(
        complaint=locked,
        actor=CITIZEN_ACTOR,
        action="reporter_edit",
        note=_("The reporter edited the text. Before: %(before)s") % {"before": before},
    )


# A complaint in these statuses cannot receive others: it is merged itself, or refused.
_NOT_MERGE_TARGETS = (Status.DUPLICATE, Status.REJECTED)


@transaction.atomic
def complaint_mark_duplicate(
    *, complaint: Complaint, into: Complaint, actor: Actor, note: str = ""
) -> ComplaintEvent:
    """Merge `complaint` into `into`: the "duplicate" status through the lifecycle, and the link.

    Complaints merged into `complaint` earlier follow `into` from now on, so a group is
    always one master with its duplicates and nothing has to walk a chain.
    """
    if into.pk == complaint.pk:
        raise TransitionError(_("A complaint cannot be merged with itself."))
    # Both rows locked in a fixed order: two operators merging A into B and B into A at
    # once must not both win and make a cycle.
    locked = {
        c.pk: c
        for c in Complaint.objects.select_for_update()
        .filter(pk__in=[complaint.pk, into.pk])
        .order_by("pk")
    }
    target = locked[into.pk]
    if target.status in _NOT_MERGE_TARGETS:
        raise TransitionError(
            _("Complaint %(code)s is “%(status)s”; merge into an open complaint instead.")
            % {"code": target.tracking_code, "status": Status(target.status).label}
        )
    event = complaint_transition(
        complaint=complaint, action="mark_duplicate", actor=actor, note=note
    )
    Complaint.objects.filter(pk=complaint.pk).update(merged_into=target)
    Complaint.objects.filter(merged_into=complaint).update(merged_into=target)
    complaint.merged_into = target
    hooks.fire(hooks.COMPLAINT_MERGED, complaint_id=complaint.pk, into_id=target.pk)
    return event


class AreaSource(enum.StrEnum):
    """Where a complaint's area came from, for the internal timeline."""

    COORDINATES = "coordinates"
    TEXT = "text"
    OPERATOR = "operator"


def _area_source_text(source: AreaSource) -> str:
    if source == AreaSource.COORDINATES:
        return _("from the reporter's coordinates")
    if source == AreaSource.TEXT:
        return _("named in the report's text")
    return _("set by an operator")


@transaction.atomic
def complaint_set_area(
    *, complaint: Complaint, area: Area | None, actor: Actor, source: AreaSource
) -> ComplaintEvent | None:
    """Set a complaint's area (located from its coordinates, or by a person), kept internally.

    The reporter's own choice is never silently lost: the event records the area before.
    """
    if area == complaint.area:
        return None
    before = complaint.area
    complaint.area = area
    complaint.save(update_fields=["area", "updated_at"])
    return _internal_note(
        complaint=complaint,
        actor=actor,
        action="set_area",
        note=_("Area: %(before)s → %(after)s (%(source)s)")
        % {
            "before": before or "—",
            "after": area or "—",
            "source": _area_source_text(source),
        },
    )


# Code + phone lookups: a short code is guessable, so failed guesses are rate-limited per
# client. Counted in the cache (shared across processes when CACHE_URL points at Redis).


def _lookup_key(client: str) -> str:
    return f"track-lookup-failures:{client or 'unknown'}"


def tracking_lookup_allowed(*, client: str) -> bool:
    """False once `client` failed TRACK_LOOKUP_MAX_FAILURES lookups within the window."""
    return cache.get(_lookup_key(client), 0) < settings.TRACK_LOOKUP_MAX_FAILURES


def tracking_lookup_failed(*, client: str) -> None:
    key = _lookup_key(client)
    window = settings.TRACK_LOOKUP_WINDOW_MINUTES * 60
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)


# Reporters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReporterMergeResult:
    keep: Reporter
    merged_id: int
    complaints: list[Complaint]  # the complaints that moved to `keep`
    filled: list[str]  # the fields of `keep` filled in from the merged record
    # Rows of every app that pointed at the merged reporter, by model label (a channel
    # handle, a chat draft, the complaints themselves).
    moved: dict[str, int]


def _repoint_reporter_references(*, old: Reporter, new: Reporter) -> dict[str, int]:
    """Move every row, in any installed app, whose foreign key names `old` over to `new`.

    The core may not import the apps built on it (docs/core-boundaries.md), yet deleting
    `old` would cascade over their rows (a ReporterHandle is deleted with its reporter).
    Every foreign key to Reporter is declared on a model, so Django's registry lists them
    all: nothing is lost, and a new app's reference is covered without a change here.
    """
    moved: dict[str, int] = {}
    for relation in Reporter._meta.related_objects:
        if not relation.one_to_many:
            # A one-to-one or many-to-many link cannot simply be repointed; fail loudly
            # rather than let the delete below take its rows.
            raise RuntimeError(f"reporter_merge cannot move {relation!r}; teach it how")
        model = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: old}).update(
            **{relation.field.name: new}
        )
        if count:
            moved[model._meta.label] = count
    return moved


@transaction.atomic
def reporter_merge(*, keep: Reporter, merge: Reporter, actor: Actor) -> ReporterMergeResult:
    """Fold `merge` into `keep`: one citizen known by two records becomes one record.

    The complaints and every other app's rows (channel handles, drafts) follow `keep`;
    fields `keep` lacks are filled from `merge`, never overwritten; `merge` is deleted;
    each complaint that moved gets an internal note. `hooks.REPORTER_MERGED` is announced
    after commit.
    """
    if keep.pk == merge.pk:
        raise ValidationError(_("A reporter cannot be merged with itself."))
    # Both rows locked in a fixed order, so two operators merging A↔B at once serialize.
    locked = {
        r.pk: r
        for r in Reporter.objects.select_for_update()
        .filter(pk__in=[keep.pk, merge.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(
            _("One of these reporters no longer exists; it may have been merged already.")
        )
    keep, merge = locked[keep.pk], locked[merge.pk]
    merged_id = merge.pk
    complaints = list(Complaint.objects.filter(reporter=merge).order_by("created_at", "id"))
    moved = _repoint_reporter_references(old=merge, new=keep)
    filled = [f for f in ("name", "phone", "email") if getattr(merge, f) and not getattr(keep, f)]
    for f in filled:
        setattr(keep, f, getattr(merge, f))
    merge.delete()
    if filled:
        keep.save(update_fields=filled)
    # Internal, and without the identity itself: agency staff read these notes, and an
    # anonymous reporter must stay anonymous to them.
    note = _(
        "Reporter records merged: record #%(merged)s now belongs to record #%(kept)s "
        "(the same citizen)."
    ) % {"merged": merged_id, "kept": keep.pk}
    for complaint in complaints:
        complaint.reporter = keep
        _internal_note(complaint=complaint, actor=actor, action="merge_reporter", note=note)
    hooks.fire(hooks.REPORTER_MERGED, reporter_id=keep.pk, merged_id=merged_id)
    return ReporterMergeResult(
        keep=keep, merged_id=merged_id, complaints=complaints, filled=filled, moved=moved
    )


@transaction.atomic
def complaint_set_report_type(
    *, complaint: Complaint, report_type: str, actor: Actor
) -> ComplaintEvent | None:
    """An operator's correction of the report type (pengaduan/aspirasi/informasi), noted."""
    if report_type not in ReportType.values:
        raise ValidationError(_("Unknown report type “%s”.") % report_type, code="report_type")
    if complaint.report_type == report_type:
        return None
    old = complaint.get_report_type_display()
    Complaint.objects.filter(pk=complaint.pk).update(report_type=report_type)
    complaint.report_type = report_type
    note = _("Report type: %(old)s → %(new)s") % {
        "old": old,
        "new": complaint.get_report_type_display(),
    }
    return _internal_note(complaint=complaint, actor=actor, action="set_report_type", note=note)
