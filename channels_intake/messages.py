"""Every text Sigap sends to a citizen, in Bahasa Indonesia and short enough for one SMS.

The msgids are English (translated in locale/id); `render` always uses Indonesian and
shortens the variable part (an agency's name, a question) so the whole text fits in
SMS_MAX characters with the tracking code and link intact.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint

SMS_MAX = 160
CITIZEN_LANGUAGE = "id"
# The WhatsApp template used outside the 24-hour window; its body is one variable,
# "{{1}}", filled with the same text (docs/outbox.md).
WHATSAPP_TEMPLATE = "sigap_update"

ACK = _("Sigap: complaint %(code)s received. Track it: %(link)s")
STATUS = {
    "route": _("Sigap: complaint %(code)s sent to %(agency)s. %(link)s"),
    "assign": _("Sigap: complaint %(code)s sent to %(agency)s. %(link)s"),
    "reassign": _("Sigap: complaint %(code)s sent back to %(agency)s. %(link)s"),
    "forward": _("Sigap: complaint %(code)s handed to %(agency)s, which holds authority. %(link)s"),
    "start": _("Sigap: %(agency)s is working on complaint %(code)s. %(link)s"),
    "resolve": _(
        "Sigap: complaint %(code)s reported done. Confirm, or reopen if not fixed: %(link)s"
    ),
    "reopen": _("Sigap: complaint %(code)s reopened and sent back to the agency. %(link)s"),
    "reject": _("Sigap: complaint %(code)s will not be followed up. Reason: %(link)s"),
}
QUESTION = _("Sigap: question on %(code)s: %(question)s Answer: %(link)s")


def tracking_link(complaint: Complaint) -> str:
    return settings.PUBLIC_BASE_URL + reverse("complaints:track", args=[complaint.public_token])


def _fit(template: object, params: dict[str, str], squeeze: str | None) -> str:
    """Render `template` in Indonesian; cut params[squeeze] until the text fits SMS_MAX."""
    with translation.override(CITIZEN_LANGUAGE):
        text = str(template) % params
        if squeeze is None or len(text) <= SMS_MAX:
            return text
        room = len(params[squeeze]) - (len(text) - SMS_MAX)
        params = {**params, squeeze: Truncator(params[squeeze]).chars(max(room, 1))}
        return str(template) % params


def _agency_name(complaint: Complaint) -> str:
    agency = complaint.agency
    if agency is None:
        return "instansi terkait"
    return agency.short_name or agency.name


def ack_text(complaint: Complaint) -> str:
    return _fit(ACK, {"code": complaint.tracking_code, "link": tracking_link(complaint)}, None)


def status_text(complaint: Complaint, *, action: str) -> str | None:
    """The citizen's news for `action`, or None when the action is not news to them."""
    template = STATUS.get(action)
    if template is None:
        return None
    params = {
        "code": complaint.tracking_code,
        "agency": _agency_name(complaint),
        "link": tracking_link(complaint),
    }
    return _fit(template, params, "agency")


def question_text(complaint: Complaint, *, question: str) -> str:
    params = {
        "code": complaint.tracking_code,
        "question": " ".join(question.split()),
        "link": tracking_link(complaint),
    }
    return _fit(QUESTION, params, "question")


DRAFT_OPENED = _(
    "Sigap: report noted. Send more photos or your location, or reply KIRIM to send it now "
    "(BATAL to cancel). It is sent by itself after %(minutes)s min."
)
DRAFT_CANCELLED = _("Sigap: your draft report was cancelled. Write again any time.")
ANSWER_RECEIVED = _("Sigap: thank you, your answer on %(code)s went to %(agency)s.")


def draft_opened_text(*, minutes: int) -> str:
    return _fit(DRAFT_OPENED, {"minutes": str(minutes)}, None)


def draft_cancelled_text() -> str:
    return _fit(DRAFT_CANCELLED, {}, None)


def answer_received_text(complaint: Complaint) -> str:
    params = {"code": complaint.tracking_code, "agency": _agency_name(complaint)}
    return _fit(ANSWER_RECEIVED, params, "agency")
