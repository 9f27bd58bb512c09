"""Bulk actions for operators: categorize, send to an agency, merge, reject with a reason.

Each chosen complaint goes through the same services as the detail page's buttons, one
at a time, each in its own transaction: one refusal (a complaint someone else just
moved, a status the action does not apply to) never undoes or blocks the others, and
the result says which failed and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from complaints import services as complaint_services
from complaints.lifecycle import Actor, TransitionError, complaint_transition
from complaints.models import (
    Agency,
    Category,
    Complaint,
    RejectionReason,
    normalize_tracking_code,
)
from complaints.selectors import complaint_visible_to
from dispositions import merging
from dispositions import services as disposition_services
from dispositions.categorizer.services import decision_record_person

from .desk_views import desk_required

MAX_BULK = 100


class TrackingCodesField(forms.MultipleChoiceField):
    """Any tracking codes: bulk_apply checks each against what the user may see."""

    def valid_value(self, value: str) -> bool:
        return True


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("categorize", _("Set category")),
        ("assign", _("Send to agency")),
        ("merge", _("Merge as duplicates")),
        ("reject", _("Reject")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    codes = TrackingCodesField(choices=())
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True), required=False)
    into = forms.CharField(required=False, max_length=12)
    reason_template = forms.ModelChoiceField(
        queryset=RejectionReason.objects.filter(is_active=True), required=False
    )
    reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["codes"].error_messages["required"] = _("Tick at least one complaint.")

    def clean_codes(self) -> list[str]:
        codes = list(dict.fromkeys(normalize_tracking_code(c) for c in self.data.getlist("codes")))
        if not codes:
            raise ValidationError(self.fields["codes"].error_messages["required"])
        if len(codes) > MAX_BULK:
            raise ValidationError(
                gettext("At most %(max)d complaints at a time.") % {"max": MAX_BULK}
            )
        return codes

    def clean(self) -> dict[str, object]:
        data = super().clean()
        action = data.get("action")
        if action == "categorize" and not data.get("category"):
            self.add_error("category", gettext("Choose the category."))
        if action == "assign" and not data.get("agency"):
            self.add_error("agency", gettext("Choose the agency."))
        if action == "reject":
            template = data.get("reason_template")
            reason = (data.get("reason") or "").strip() or (template.text if template else "")
            if not reason:
                self.add_error("reason", gettext("Give the reason the citizen will read."))
            data["reason"] = reason
        if action == "merge" and len(data.get("codes") or []) < 2 and not data.get("into"):
            self.add_error("codes", gettext("Tick two or more complaints to merge."))
        return data


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, reason)


def _reasons(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def bulk_apply(*, user: object, data: dict[str, object]) -> BulkOutcome:
    """Run the action on each visible complaint in turn; collect what failed and why."""
    actor = Actor.for_user(user)  # type: ignore[arg-type]
    codes: list[str] = data["codes"]  # type: ignore[assignment]
    wanted = [*codes, normalize_tracking_code(str(data.get("into") or ""))]
    visible = {
        c.tracking_code: c
        for c in complaint_visible_to(user).filter(tracking_code__in=wanted)  # type: ignore[arg-type]
    }
    outcome = BulkOutcome()
    action = data["action"]
    perform = _performer(action, data, actor, visible, codes, outcome)
    for code in codes:
        complaint = visible.get(code)
        if complaint is None:
            outcome.failed.append((code, gettext("No complaint with this code.")))
            continue
        try:
            skipped = perform(complaint)
        except (TransitionError, ValidationError) as exc:
            outcome.failed.append((code, _reasons(exc)))
        else:
            if not skipped:
                outcome.done.append(code)
    return outcome


def _performer(
    action: object,
    data: dict[str, object],
    actor: Actor,
    visible: dict[str, Complaint],
    codes: list[str],
    outcome: BulkOutcome,
) -> Callable[[Complaint], bool]:
    """The per-complaint step of `action`; it returns True when it left the complaint alone."""
    if action == "categorize":
        category: Category = data["category"]  # type: ignore[assignment]

        def categorize(complaint: Complaint) -> bool:
            complaint_services.complaint_set_category(
                complaint=complaint, category=category, actor=actor
            )
            decision_record_person(complaint=complaint, category=category, actor=actor)
            return False

        return categorize
    if action == "assign":
        agency: Agency = data["agency"]  # type: ignore[assignment]

        def assign(complaint: Complaint) -> bool:
            disposition_services.disposition_assign(
                complaint=complaint, actor=actor, agency=agency, category=data.get("category")
            )
            return False

        return assign
    if action == "reject":
        reason = str(data["reason"])

        def reject(complaint: Complaint) -> bool:
            complaint_transition(complaint=complaint, action="reject", actor=actor, note=reason)
            return False

        return reject
    into = _merge_target(data, visible, codes)
    if into is None:
        raise ValidationError(gettext("The complaint to merge into is not one you can see."))

    def merge(complaint: Complaint) -> bool:
        if complaint.pk == into.pk:
            return True
        merging.complaint_merge(duplicate=complaint, into=into, actor=actor)
        return False

    return merge


def _merge_target(
    data: dict[str, object], visible: dict[str, Complaint], codes: list[str]
) -> Complaint | None:
    """The complaint the others follow: the one named, else the oldest selected."""
    named = str(data.get("into") or "").strip()
    if named:
        code = normalize_tracking_code(named)
        return visible.get(code)
    chosen = [visible[c] for c in codes if c in visible]
    return min(chosen, key=lambda c: (c.created_at, c.pk)) if chosen else None


def _back(request: HttpRequest) -> str:
    back = request.POST.get("back", "")
    if back.startswith("/dashboard/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return "/dashboard/"


@desk_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request))
    try:
        outcome = bulk_apply(user=request.user, data=form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _reasons(exc))
        return redirect(_back(request))
    if outcome.done:
        messages.success(
            request,
            gettext("Done for %(count)d complaints: %(codes)s")
            % {"count": len(outcome.done), "codes": ", ".join(outcome.done)},
            extra_tags="bulk-done",
        )
    for code, reason in outcome.failed:
        messages.error(request, f"{code}: {reason}", extra_tags="bulk-failed")
    return redirect(_back(request))
