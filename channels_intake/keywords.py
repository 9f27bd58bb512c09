"""SMS-style keywords every text channel understands (docs/conversations.md).

"LAPOR <text>" files a complaint (the keyword is optional and dropped), "CEK <kode>" and
"STATUS <kode>" answer with the complaint's status, "INFO" (or "BANTUAN", "HELP") with
how to use the service. Keywords are matched case-insensitively on the first word.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Complaint, Reporter, normalize_tracking_code

from .messages import CITIZEN_LANGUAGE, SMS_MAX, tracking_link


class Command(enum.StrEnum):
    REPORT = "report"
    STATUS = "status"
    HELP = "help"


@dataclass(frozen=True)
class Parsed:
    command: Command
    # REPORT: the text without the keyword; STATUS: the tracking code asked about.
    argument: str


_REPORT = {"lapor", "laporan", "adu", "aduan"}
_STATUS = {"cek", "status", "lacak"}
_HELP = {"info", "bantuan", "help", "?"}
_FIRST_WORD = re.compile(r"\s*([^\s:#.,]+)[\s:#.,]*(.*)", re.DOTALL)

HELP = _(
    "Sigap: send your complaint here with a photo and the location, or name the kelurahan "
    "(Kel. ...). Check one: CEK <code>."
)
STATUS = _("Sigap %(code)s: %(status)s%(agency)s%(due)s.")
UNKNOWN_CODE = _("Sigap: no complaint has the code %(code)s. Check it and send CEK <code>.")
NO_CODE = _("Sigap: send CEK followed by the tracking code, e.g. CEK AB12CD34.")


def parse(text: str) -> Parsed:
    """What the citizen asked for; anything that is not a keyword is a complaint."""
    match = _FIRST_WORD.match(text or "")
    if match is None:
        return Parsed(Command.REPORT, (text or "").strip())
    word, rest = match.group(1).lower(), match.group(2).strip()
    if word in _STATUS and len(rest.split()) <= 1:
        return Parsed(Command.STATUS, normalize_tracking_code(rest))
    if word in _HELP and not rest:
        return Parsed(Command.HELP, "")
    if word in _REPORT and rest:
        return Parsed(Command.REPORT, rest)
    return Parsed(Command.REPORT, (text or "").strip())


def help_text(base_url: str) -> str:
    """How to use the service, with the web address when it still fits one SMS."""
    with translation.override(CITIZEN_LANGUAGE):
        text = str(HELP)
    return f"{text} {base_url}" if len(text) + 1 + len(base_url) <= SMS_MAX else text


def status_text(code: str, *, reveal_link: bool) -> str:
    """The status of complaint `code`, for anyone who knows the code.

    The answer says only what the public tracking page says; the tracking link (which
    carries the token that lets one confirm or reopen) goes only to the reporter.
    """
    with translation.override(CITIZEN_LANGUAGE):
        if not code:
            return str(NO_CODE)
        complaint = (
            Complaint.objects.select_related("agency", "merged_into")
            .filter(tracking_code=code)
            .first()
        )
        if complaint is None:
            return str(UNKNOWN_CODE) % {"code": code[:12]}
        if complaint.merged_into is not None:
            complaint = complaint.merged_into
        agency = complaint.agency
        due = ""
        if complaint.due_at is not None and complaint.status in OPEN_STATUSES:
            local = timezone.localtime(complaint.due_at)
            due = ", target " + formats.date_format(local, "d/m H:i")
        text = str(STATUS) % {
            "code": complaint.tracking_code,
            "status": complaint.get_status_display(),
            "agency": f", {agency.short_name or agency.name}" if agency else "",
            "due": due,
        }
        link = tracking_link(complaint)
        if reveal_link and len(text) + 1 + len(link) <= SMS_MAX:
            text = f"{text} {link}"
        return text[:SMS_MAX]


def dedupe_key(channel: str, provider_message_id: str) -> str:
    """One keyword answer per inbound message, whoever records it (webhook or worker)."""
    return f"keyword:{channel}:{provider_message_id}"


@dataclass(frozen=True)
class Answer:
    text: str
    # The reporter's own complaint the answer is about, when the asker reported it.
    complaint: Complaint | None = None


def answer(command: Parsed, *, reporter: Reporter | None = None, phone: str = "") -> Answer | None:
    """The reply to CEK/STATUS or INFO; None for a report.

    The tracking link (its token confirms or reopens) goes only to the complaint's own
    reporter: the same reporter record, or the same phone number.
    """
    if command.command == Command.HELP:
        return Answer(help_text(settings.PUBLIC_BASE_URL))
    if command.command != Command.STATUS:
        return None
    owned = _reporters_complaint(command.argument, reporter=reporter, phone=phone)
    return Answer(status_text(command.argument, reveal_link=owned is not None), owned)


def _reporters_complaint(code: str, *, reporter: Reporter | None, phone: str) -> Complaint | None:
    """The complaint `code` shows (a merged one shows its master), if the asker reported it."""
    if not code or (reporter is None and not phone):
        return None
    complaint = (
        Complaint.objects.select_related("reporter", "merged_into__reporter")
        .filter(tracking_code=code)
        .first()
    )
    if complaint is None:
        return None
    shown = complaint.merged_into or complaint
    owner = shown.reporter
    if owner is None:
        return None
    same_record = reporter is not None and owner.pk == reporter.pk
    same_phone = bool(phone) and owner.phone == phone
    return shown if same_record or same_phone else None
