"""The second step of signing in: a code from the authenticator app, or its enrolment.

Rules (who needs it, how devices are made) live in complaints.two_factor; these views
only show the forms and call it. Both pages are open to an account that signed in with
its password and still owes the second factor (complaints.two_factor.TwoFactorMiddleware).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device

from complaints import two_factor
from complaints.audit import audit_record


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/dashboard/"


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Type a code from the authenticator app (or a recovery code)."""
    user = request.user
    if not user_has_device(user):
        return redirect("otp_enrol")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = two_factor.device_matching(user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)
            audit_record(action="otp_verified", request=request, user=user)  # type: ignore[arg-type]
            return redirect(_next(request))
        audit_record(action="otp_failed", request=request, user=user)  # type: ignore[arg-type]
        form.add_error("token", gettext("That code is not right, or it has expired."))
        status = 400
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (made here), type its first code."""
    user = request.user
    if user_has_device(user) and two_factor.two_factor_pending(user):  # type: ignore[arg-type]
        # Replacing a device needs the second factor first.
        return redirect("otp_verify")
    device = two_factor.totp_device_pending(user=user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_enrol_confirm(user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            audit_record(action="otp_enrolled", request=request, user=user)  # type: ignore[arg-type]
            return render(
                request,
                "registration/otp_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error("token", gettext("That code is not right, or it has expired."))
        status = 400
    return render(
        request,
        "registration/otp_enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.totp_qr_svg(device),
            "key": two_factor.totp_key_base32(device),
            "next": _next(request),
        },
        status=status,
    )
