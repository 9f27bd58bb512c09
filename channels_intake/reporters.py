"""Who a channel message is from: the Reporter behind a channel identity."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from complaints.models import Reporter
from complaints.services import normalize_phone, reporter_fill_in, reporter_get_or_create

from .models import ReporterHandle
from .normalized import NormalizedMessage


def reporter_for(normalized: NormalizedMessage) -> Reporter:
    """The reporter behind a channel identity: by handle, else by phone or email, else new.

    A known handle that now comes with a phone (a Telegram user sharing their contact)
    or an email teaches us it; one citizen is then found by any of them.
    """
    try:
        phone = normalize_phone(normalized.sender_phone)
    except ValidationError:
        phone = ""
    handle = (
        ReporterHandle.objects.select_related("reporter")
        .filter(channel=normalized.channel, handle=normalized.sender_id)
        .first()
    )
    if handle is not None:
        reporter_fill_in(
            reporter=handle.reporter,
            name=normalized.sender_name,
            phone=phone,
            email=normalized.sender_email,
        )
        return handle.reporter
    reporter = reporter_get_or_create(
        name=normalized.sender_name, phone=phone, email=normalized.sender_email
    )
    if reporter is None:
        # Neither a phone nor a name: the handle is all we know of this citizen.
        reporter = Reporter.objects.create()
    if normalized.sender_id:
        ReporterHandle.objects.create(
            reporter=reporter, channel=normalized.channel, handle=normalized.sender_id
        )
    return reporter
