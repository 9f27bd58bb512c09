"""The reporter answers the agency's question from the tracking page (POST, then redirect).

This view lives here, not in complaints/, because the answer restarts the disposition's
clock and the core app imports no other app (docs/core-boundaries.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.lifecycle import CITIZEN_ACTOR, TransitionError
from complaints.selectors import complaint_by_token

from .forms import ReporterAnswerForm
from .services import disposition_provide_info


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
