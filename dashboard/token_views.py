"""A staff member's API tokens: make one (shown once), see them, revoke one.

Reached like every staff page through the second-factor gate, so a token is only ever
made by a session that passed it; the rules live in complaints.api_tokens.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from complaints.api_tokens import staff_token_create, staff_token_revoke, staff_tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What will use it"),
        max_length=100,
        help_text=gettext_lazy("For example: the weekly spreadsheet."),
    )


def _is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.role:  # type: ignore[union-attr]
        raise PermissionDenied("Staff only")
    form = TokenForm(request.POST or None)
    new_key = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = staff_token_create(
                    user=user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    second_factor_verified=_is_verified(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            form = TokenForm() if new_key else form
        if not new_key:
            status = 400
    return render(
        request,
        "dashboard/api_tokens.html",
        {"form": form, "new_key": new_key, "tokens": staff_tokens_of(user=user)},  # type: ignore[arg-type]
        status=status,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if staff_token_revoke(user=request.user, token_id=token_id):  # type: ignore[arg-type]
        messages.success(request, _("The token was revoked."))
    else:
        messages.error(request, _("No such token of yours, or it was already revoked."))
    return redirect("dashboard:api_tokens")
