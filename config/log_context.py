"""Logs without personal data, each line carrying the request id that caused it.

A request id comes from the client's X-Request-ID (when it looks like one) or is made
here; it is answered in the response, carried into every Celery task the request
publishes (a message header) and set around that task's run, so one id follows a
complaint from the webhook to the reply. The redacting filter sits on the handler, so
every record that is written, Celery's and the libraries' included, is scrubbed of phone
numbers, email addresses and NIKs first.
"""

from __future__ import annotations

import contextvars
import io
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "sigap_request_id"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Order matters: a NIK (16 digits) before a phone number, an email before both.
_REDACTIONS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Not inside a word or a decimal ("succeeded in 0.1734155690006038s" is a duration).
    (re.compile(r"(?<![\w.])\d{16}(?!\w)"), "[nik]"),
    # Indonesian mobiles as typed (0812-3456-7890, +62 812 3456 7890, 6281234567890) and
    # any international number (+ and 8 to 15 digits).
    (re.compile(r"(?<![\w+.])(?:\+?62|0)[\s-]?8[\d\s-]{7,14}\d(?!\d)"), "[phone]"),
    (re.compile(r"\+\d[\d\s-]{6,16}\d(?!\d)"), "[phone]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def mask_address(address: str) -> str:
    """A recipient a log may show: the last three characters of a number, the first
    letter and the domain of an email (s***@example.id)."""
    if "@" in address:
        local, _sep, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{address[-3:]}" if len(address) > 3 else "***"


class PersonalDataFilter(logging.Filter):
    """On a handler: scrubs each record's message and stamps it with the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.request_id = request_id.get()
        return True


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        token = request_id.set(given if _VALID_ID.fullmatch(given) else new_request_id())
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id.get()
            return response
        finally:
            request_id.reset(token)


# Celery: the publishing request's id travels as a message header and is set around the
# task's run (config/celery.py connects these).
_task_tokens: dict[str, contextvars.Token[str]] = {}


def on_before_task_publish(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    current = request_id.get()
    if headers is not None and current != "-":
        headers.setdefault(TASK_HEADER, current)


def on_task_prerun(task_id: str = "", task: Any = None, **_kwargs: Any) -> None:
    carried = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if carried is None and getattr(task.request, "is_eager", False):
        return  # run in the caller's thread: its id is already set
    _task_tokens[task_id] = request_id.set(carried or f"task-{task_id}")


def on_task_postrun(task_id: str = "", **_kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


class RedactingConsoleEmailBackend(ConsoleEmailBackend):
    """The embedded run's mail "sender": prints each message like Django's console backend,
    with the addresses and any phone number or NIK in it scrubbed."""

    def write_message(self, message: Any) -> None:
        real, self.stream = self.stream, io.StringIO()
        try:
            super().write_message(message)
            printed = self.stream.getvalue()
        finally:
            self.stream = real
        self.stream.write(redact(printed))
