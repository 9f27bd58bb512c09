"""The one processing path: every stored message, from any entry, becomes what it means.

Webhooks and the IMAP poller store through channels_intake.inbox and a worker runs
`inbound_process`; typed entries (the web form, the API, the desk) go through
`entry_submit`, which stores and processes in the person's request; partners store
first and process in-request too (`inbound_process` with their fields). All of them run
the same ordered handlers (channels_intake.handlers) under the same bookkeeping.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from complaints.models import Complaint

from .entries import PARTNER, Entry, entry_body, stored_partner_entry
from .handlers import HANDLERS, Incoming
from .inbox import Outcome, inbound_process_with, inbound_store
from .models import InboundMessage
from .normalized import NormalizedMessage
from .parsing import stored_message

# Entries whose stored body is read again as an Entry (by a worker, on retry or replay).
STORED_ENTRIES = {PARTNER: stored_partner_entry}


def inbound_process(*, message_id: int, entry: Entry | None = None) -> Outcome:
    """Turn one stored message into what it means; safe to run twice.

    `entry` spares a partner request's first attempt reading its body again.
    """
    return inbound_process_with(
        message_id=message_id, process=lambda message: process_message(message, entry=entry)
    )


def process_message(message: InboundMessage, *, entry: Entry | None = None) -> Outcome:
    """Run the handlers in order on one message; the first that knows it says the outcome."""
    if entry is None and message.provider in STORED_ENTRIES:
        entry = STORED_ENTRIES[message.provider](message)
    normalized = _entry_message(message) if entry is not None else stored_message(message)
    incoming = Incoming(message=message, normalized=normalized, entry=entry)
    for handler in HANDLERS:
        outcome = handler(incoming)
        if outcome is not None:
            return outcome
    raise AssertionError("The last handler always decides")  # pragma: no cover


def _entry_message(message: InboundMessage) -> NormalizedMessage:
    return NormalizedMessage(
        channel=message.channel,
        provider_message_id=message.provider_message_id,
        sender_id=message.sender_id,
    )


def entry_submit(
    *,
    entry: Entry,
    provider: str,
    sender_id: str = "",
    headers: Mapping[str, str] | None = None,
    record: Mapping[str, object] | None = None,
) -> Complaint:
    """A typed entry a person waits on: stored and made into its complaint at once.

    The inbox row is recorded processed with the complaint, in one transaction; a
    refusal (a ValidationError from the complaint's rules) stores nothing and goes back
    to the form. It has no reply address: replies follow the reporter's phone or email
    (channels_intake.replies), as they did before these entries had an inbox row.
    """
    normalized = entry.normalized(provider_message_id=uuid.uuid4().hex, sender_id=sender_id)
    message, _new = inbound_store(
        channel=entry.channel,
        provider=provider,
        message=normalized,
        body=entry_body({**entry.record(normalized), **(record or {})}),
        headers=headers or {},
        reply_address="",
        process=lambda stored: process_message(stored, entry=entry),
    )
    assert message.complaint is not None  # noqa: S101 - typed_entry always makes one
    return message.complaint
