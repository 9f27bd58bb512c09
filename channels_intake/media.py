"""Files from providers: registered when a message is processed, fetched by workers at once.

Provider links expire (WhatsApp's within minutes), so every attachment gets an
InboundMedia row and a fetch task as soon as its message is processed, whether or not
the complaint exists yet. A fetched photo goes through the same validation and
re-encoding as a web upload (EXIF and GPS gone) and becomes an Attachment of the
complaint once the complaint exists, whichever of the two happens last. Audio, video and
documents are stored as received, with their checksum, for staff. Every step is guarded
by the row's state, so a task that runs twice does no harm.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from complaints.images import ImageRejected, process_image
from complaints.models import Complaint
from complaints.services import attachment_add
from config.queue import enqueue

from .models import InboundMedia, InboundMessage
from .normalized import NormalizedMessage
from .providers.fetching import PermanentFetchError, TemporaryFetchError
from .providers.registry import fetcher_for

logger = logging.getLogger(__name__)

State = InboundMedia.State
MAX_ATTEMPTS = 5
FETCH_TASK = "channels_intake.fetch_media"
IMAGE_KINDS = frozenset({"image", "sticker", "story_mention"})


@dataclass(frozen=True)
class FetchOutcome:
    state: str
    retry_in: int | None = None


def media_register(
    *, message: InboundMessage, normalized: NormalizedMessage, complaint: Complaint | None
) -> list[InboundMedia]:
    """One row per attachment (a replay finds the same rows); each is fetched after commit."""
    rows = []
    for position, ref in enumerate(normalized.attachments):
        media, _created = InboundMedia.objects.get_or_create(
            message=message,
            position=position,
            defaults={
                "kind": ref.kind[:12],
                "mime_type": ref.mime_type[:100],
                "media_id": ref.media_id[:512],
                "url": ref.url[:2000],
                "filename": ref.filename[:255],
                "complaint": complaint,
            },
        )
        rows.append(media)
        if media.state == State.PENDING:
            transaction.on_commit(lambda pk=media.pk: media_enqueue(media_id=pk))
    return rows


def media_enqueue(*, media_id: int) -> None:
    try:
        enqueue(FETCH_TASK, media_id)
    except Exception:
        # A broker that is down; the media stays pending for the inbox sweeper to relay.
        logger.exception("Could not enqueue the fetch of media %s", media_id)


def media_link(*, complaint: Complaint, messages: list[InboundMessage]) -> None:
    """The complaint now exists: its messages' media belong to it; attach what is fetched."""
    InboundMedia.objects.filter(message__in=messages, complaint__isnull=True).update(
        complaint=complaint
    )
    for media_id in InboundMedia.objects.filter(
        message__in=messages, state=State.FETCHED, attachment__isnull=True
    ).values_list("id", flat=True):
        media_attach(media_id=media_id)


def media_fetch(*, media_id: int) -> FetchOutcome:
    """Download one file through its channel's fetcher, validate it, attach it if it can."""
    media = InboundMedia.objects.select_related("message").filter(pk=media_id).first()
    if media is None or media.state != State.PENDING:
        return FetchOutcome(state=media.state if media else "missing")
    fetcher = fetcher_for(media.message.provider)
    try:
        if fetcher is None:
            raise PermanentFetchError(f"No fetcher for provider {media.message.provider!r}")
        fetched = fetcher(media)
    except TemporaryFetchError as exc:
        return _failed(media, str(exc), temporary=True)
    except PermanentFetchError as exc:
        return _failed(media, str(exc), temporary=False)

    name = media.filename or fetched.filename
    content_type = media.mime_type or fetched.content_type
    if media.kind in IMAGE_KINDS:
        try:
            image = process_image(io.BytesIO(fetched.content), name=name)
        except ImageRejected as exc:
            # A fake or oversized picture: say why, keep the message and its text.
            return _failed(media, str(exc), temporary=False, state=State.REJECTED)
        content, extension, content_type = image.content, image.extension, image.content_type
    else:
        content = fetched.content
        extension = (mimetypes.guess_extension(content_type or "") or ".bin").lstrip(".")
    with transaction.atomic():
        locked = InboundMedia.objects.select_for_update().get(pk=media.pk)
        if locked.state != State.PENDING:
            return FetchOutcome(state=locked.state)
        locked.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(content), save=False)
        locked.size = len(content)
        locked.sha256 = hashlib.sha256(content).hexdigest()
        locked.mime_type = (content_type or "")[:100]
        locked.state = State.FETCHED
        locked.fetched_at = timezone.now()
        locked.attempts += 1
        locked.error = ""
        if locked.complaint_id is None:
            # The draft may have become a complaint while we were downloading.
            locked.complaint_id = (
                InboundMessage.objects.filter(pk=locked.message_id)
                .values_list("complaint_id", flat=True)
                .first()
            )
        locked.save()
    media_attach(media_id=media.pk)
    return FetchOutcome(state=State.FETCHED)


def _failed(media: InboundMedia, error: str, *, temporary: bool, state: str = State.FAILED):
    media.attempts += 1
    media.error = error[:2000]
    if temporary and media.attempts < MAX_ATTEMPTS:
        media.save(update_fields=["attempts", "error"])
        return FetchOutcome(state=State.PENDING, retry_in=15 * 2 ** (media.attempts - 1))
    media.state = state
    media.save(update_fields=["attempts", "error", "state"])
    logger.warning("Media %s of message %s: %s", media.pk, media.message_id, error)
    return FetchOutcome(state=state)


def media_relay_stranded() -> int:
    """Enqueue again every fetch that was lost (the inbox sweeper calls this); how many."""
    ids = stranded_media_ids()
    for media_id in ids:
        media_enqueue(media_id=media_id)
    return len(ids)


def stranded_media_ids(*, older_than_seconds: int = 600, limit: int = 200) -> list[int]:
    """Pending media whose fetch was never enqueued or whose retries were lost.

    Ten minutes is longer than the whole retry ladder (15 + 30 + 60 + 120 s).
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        InboundMedia.objects.filter(state=State.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def media_attach(*, media_id: int) -> bool:
    """Make a fetched photo an Attachment of its complaint, once."""
    media = InboundMedia.objects.select_for_update().filter(pk=media_id).first()
    if (
        media is None
        or media.state != State.FETCHED
        or media.kind not in IMAGE_KINDS
        or media.attachment_id is not None
        or media.complaint_id is None
    ):
        return False
    with media.file.open("rb") as stored:
        # Stored re-encoded already; processing again yields the thumbnail and dimensions.
        image = process_image(stored, name=media.filename or media.file.name)
    media.attachment = attachment_add(complaint=media.complaint, image=image)
    media.save(update_fields=["attachment"])
    return True
