"""Staff pages: the role's queue and one complaint with the actions its viewer may take.

Views parse forms and call services; who may see what comes from the selectors and who
may do what from dispositions.selectors.available_actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from channels_intake.selectors import complaint_channel_messages
from complaints import services as complaint_services
from complaints.lifecycle import Actor, TransitionError, complaint_transition
from complaints.models import Complaint
from complaints.selectors import complaint_visible_to
from dispositions import merging
from dispositions import services as disposition_services
from dispositions.models import CategorizationDecision, DuplicateLink
from dispositions.selectors import triage_agency_suggestion

from . import operator_actions, selectors
from .forms import (
    AnswerForm,
    AssignForm,
    DuplicateDecisionForm,
    ForwardForm,
    NoteForm,
    OptionalNoteForm,
    QuestionForm,
    ReasonForm,
    ResolveForm,
)
from .reasons import rejection_reasons

# Actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAction:
    """One button on the detail page: its form, the service it calls, what to say after."""

    form_class: type[forms.Form]
    perform: Callable[[Complaint, Actor, forms.Form], object]
    done: str | Promise


def _accept(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_accept(
        complaint=complaint, actor=actor, note=form.cleaned_data["note"]
    )


def _start(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_start(
        complaint=complaint, actor=actor, note=form.cleaned_data["note"]
    )


def _resolve(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_resolve(
        complaint=complaint,
        actor=actor,
        note=form.cleaned_data["note"],
        evidence=form.cleaned_data["evidence"],
    )


def _forward(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_forward(
        complaint=complaint,
        actor=actor,
        to_agency=form.cleaned_data["to_agency"],
        reason=form.cleaned_data["reason"],
    )


def _return_to_triage(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_return_to_triage(
        complaint=complaint, actor=actor, reason=form.cleaned_data["reason"]
    )


def _assign(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_assign(
        complaint=complaint,
        actor=actor,
        agency=form.cleaned_data["agency"],
        note=form.cleaned_data["note"],
        area=form.cleaned_data["area"],
        category=form.cleaned_data["category"],
    )


def _reject(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return complaint_transition(
        complaint=complaint, action="reject", actor=actor, note=form.cleaned_data["reason"]
    )


def _request_info(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_request_info(
        complaint=complaint, actor=actor, question=form.cleaned_data["question"]
    )


def _provide_info(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return disposition_services.disposition_provide_info(
        complaint=complaint, actor=actor, answer=form.cleaned_data["answer"]
    )


def _note(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return complaint_services.complaint_add_note(
        complaint=complaint, actor=actor, note=form.cleaned_data["note"]
    )


def _duplicate_link(complaint: Complaint, actor: Actor, form: forms.Form) -> DuplicateLink:
    link = None
    if actor.user is not None:
        link = selectors.staff_duplicate(
            user=actor.user, complaint=complaint, link_id=form.cleaned_data["link"]
        )
    if link is None:
        raise ValidationError(_("This duplicate suggestion is no longer open."))
    return link


def _merge(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    """One click: the newer complaint of the pair follows the older one."""
    link = _duplicate_link(complaint, actor, form)
    return merging.complaint_merge(duplicate=link.complaint, into=link.candidate_of, actor=actor)


def _dismiss_duplicate(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    link = _duplicate_link(complaint, actor, form)
    return merging.duplicate_link_dismiss(link=link, actor=actor)


ACTIONS: dict[str, StaffAction] = {
    "accept": StaffAction(OptionalNoteForm, _accept, _("Complaint accepted.")),
    "start": StaffAction(OptionalNoteForm, _start, _("Work on the complaint has started.")),
    "resolve": StaffAction(ResolveForm, _resolve, _("The complaint is marked resolved.")),
    "forward": StaffAction(ForwardForm, _forward, _("The complaint was forwarded.")),
    "return_to_triage": StaffAction(
        ReasonForm, _return_to_triage, _("The complaint went back to the triage queue.")
    ),
    "assign": StaffAction(AssignForm, _assign, _("The complaint was sent to the agency.")),
    "reject": StaffAction(ReasonForm, _reject, _("The complaint was rejected.")),
    "request_info": StaffAction(
        QuestionForm, _request_info, _("The question was sent; the deadline waits for the answer.")
    ),
    "provide_info": StaffAction(
        AnswerForm, _provide_info, _("The answer was recorded; the deadline runs again.")
    ),
    "note": StaffAction(NoteForm, _note, _("Note added.")),
    "merge": StaffAction(
        DuplicateDecisionForm, _merge, _("Merged: the newer complaint follows the older one.")
    ),
    "dismiss_duplicate": StaffAction(
        DuplicateDecisionForm, _dismiss_duplicate, _("Marked as not a duplicate.")
    ),
    "set_report_type": StaffAction(
        operator_actions.ReportTypeForm,
        operator_actions.set_report_type,
        _("Report type changed."),
    ),
    "forward_to_lapor": StaffAction(
        operator_actions.LaporForwardForm,
        operator_actions.forward_to_lapor,
        _("The complaint is being forwarded to SP4N-LAPOR!."),
    ),
}


def _offered(detail: selectors.StaffComplaint) -> list[str]:
    """The actions with a form on the page: those dispositions.selectors allows, and notes."""
    offered = [name for name in ACTIONS if name in detail.actions]
    offered.append("note")
    if detail.duplicates:
        offered += ["merge", "dismiss_duplicate"]
    return offered


def _make_form(
    name: str,
    complaint: Complaint,
    data: Any = None,
    files: Any = None,
    suggestion: CategorizationDecision | None = None,
) -> forms.Form:
    form_class = ACTIONS[name].form_class
    if name in ("set_report_type", "forward_to_lapor"):
        return operator_actions.make_form(name, complaint, data, files)
    if form_class is ForwardForm:
        return ForwardForm(data, files, prefix=name, current_agency=complaint.agency)
    if form_class is AssignForm:
        return AssignForm(data, files, prefix=name, complaint=complaint, suggestion=suggestion)
    return form_class(data, files, prefix=name)


def _render_detail(
    request: HttpRequest,
    detail: selectors.StaffComplaint,
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    action_forms = {
        name: _make_form(name, detail.complaint, suggestion=detail.categorization)
        for name in _offered(detail)
    }
    for name in operator_actions.offered(
        complaint=detail.complaint, actor=Actor.for_user(request.user)
    ):
        action_forms[name] = _make_form(name, detail.complaint)
    if bound is not None:
        action_forms[bound[0]] = bound[1]
    return render(
        request,
        "dashboard/complaint_detail.html",
        {
            "detail": detail,
            "c": detail.complaint,
            "forms": action_forms,
            "channel_messages": complaint_channel_messages(complaint=detail.complaint),
            "suggested_agency": triage_agency_suggestion(
                complaint=detail.complaint, decision=detail.categorization
            ),
            "reasons": rejection_reasons() if "reject" in action_forms else [],
        },
        status=status,
    )


@login_required
@require_GET
def complaint_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    complaint = selectors.complaint_for_staff(user=request.user, tracking_code=tracking_code)
    detail = selectors.staff_complaint_detail(user=request.user, complaint=complaint)
    return _render_detail(request, detail)


@login_required
@require_POST
def complaint_action(request: HttpRequest, tracking_code: str, action: str) -> HttpResponse:
    """Run one action; success and refusals come back as messages after a redirect."""
    complaint = selectors.complaint_for_staff(user=request.user, tracking_code=tracking_code)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action")
    if action == "assign" and AssignForm.area_refresh_requested(request.POST, prefix=action):
        # Without JavaScript the area picker asks the server for each next level.
        detail = selectors.staff_complaint_detail(user=request.user, complaint=complaint)
        refreshed = AssignForm.area_refresh(
            request.POST, complaint=complaint, suggestion=detail.categorization, prefix=action
        )
        return _render_detail(request, detail, bound=(action, refreshed))
    form = _make_form(action, complaint, request.POST, request.FILES)
    if not form.is_valid():
        detail = selectors.staff_complaint_detail(user=request.user, complaint=complaint)
        return _render_detail(request, detail, bound=(action, form), status=400)
    try:
        spec.perform(complaint, Actor.for_user(request.user), form)
    except (TransitionError, ValidationError) as exc:
        messages.error(request, " ".join(_messages_of(exc)))
    else:
        messages.success(request, str(spec.done))
    # After a forward or a return to triage the agency may no longer see the complaint.
    if complaint_visible_to(request.user).filter(pk=complaint.pk).exists():
        return redirect("dashboard:complaint", tracking_code=complaint.tracking_code)
    return redirect("dashboard:home")


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]
