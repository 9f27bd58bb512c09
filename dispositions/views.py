"""The citizen's answers on the tracking page: to a question, confirm (and rate), rate, reopen.

These live here, not in complaints/, because they call the dispositions services and the
core imports no other app. Whoever holds the unguessable tracking link acts as the
reporter: it is the citizen's link, as for viewing. Each POST redirects back to the
tracking page; a form with errors is shown again in place.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.forms import ConfirmForm, RateForm, ReopenForm
from complaints.lifecycle import CITIZEN_ACTOR, TransitionError
from complaints.models import Complaint
from complaints.selectors import complaint_by_token
from complaints.views import track_page

from . import followup
from .forms import ReporterAnswerForm
from .services import disposition_provide_info

FollowupForm = ConfirmForm | RateForm | ReopenForm


def _answer(
    request: HttpRequest,
    token: str,
    form_class: type[FollowupForm],
    perform: Callable[[Complaint, FollowupForm], object],
    done: str,
) -> HttpResponse:
    complaint = complaint_by_token(token)
    if complaint is None:
        raise Http404
    prefix = {ConfirmForm: "confirm", RateForm: "rate", ReopenForm: "reopen"}[form_class]
    form = form_class(data=request.POST, prefix=prefix)
    if not form.is_valid():
        return track_page(request, complaint, bound=form, status=400)
    try:
        perform(complaint, form)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("complaints:track", token=token)


def _confirm(complaint: Complaint, form: FollowupForm) -> object:
    return followup.complaint_confirm(
        complaint=complaint,
        actor=CITIZEN_ACTOR,
        score=form.cleaned_data["score"],
        comment=form.cleaned_data["comment"],
    )


def _rate(complaint: Complaint, form: FollowupForm) -> object:
    return followup.complaint_rate(
        complaint=complaint,
        actor=CITIZEN_ACTOR,
        score=form.cleaned_data["score"],
        comment=form.cleaned_data["comment"],
    )


def _reopen(complaint: Complaint, form: FollowupForm) -> object:
    return followup.complaint_reopen(
        complaint=complaint, actor=CITIZEN_ACTOR, reason=form.cleaned_data["reason"]
    )


@require_POST
def track_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(request, token, ConfirmForm, _confirm, _("Thank you. The complaint is closed."))


@require_POST
def track_rate(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(request, token, RateForm, _rate, _("Thank you for your rating."))


@require_POST
def track_reopen(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(
        request,
        token,
        ReopenForm,
        _reopen,
        _("The complaint is reopened and sent back to the agency with a new deadline."),
    )


@require_POST
def track_answer(request: HttpRequest, token: str) -> HttpResponse:
    complaint = complaint_by_token(token)
    if complaint is None:
        raise Http404
    form = ReporterAnswerForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("answer", []):
            messages.error(request, error)
        return redirect("complaints:track", token=complaint.public_token)
    try:
        disposition_provide_info(
            complaint=complaint, actor=CITIZEN_ACTOR, answer=form.cleaned_data["answer"]
        )
    except (TransitionError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Thank you. The agency has your answer and continues."))
    return redirect("complaints:track", token=complaint.public_token)
