"""Two-factor sign-in (django-otp): who must use it, enrolment, recovery codes, the gate.

A signed-in account whose role requires a second factor (settings.TWO_FACTOR_REQUIRED_ROLES,
and every superuser) reaches nothing but the sign-in pages until it has typed a code
from its authenticator app or one of its recovery codes; the admin is behind the same
gate. docs/sign-in.md says why TOTP and how a demo keeps working.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django_otp import devices_for_user, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

RECOVERY_CODES = 10
RECOVERY_DEVICE = "recovery"
TOTP_DEVICE = "authenticator"
# The demo accounts' shared authenticator key (docs/sign-in.md); printed by load_demo and
# `manage.py demo_totp`, never used outside load_demo.
DEMO_TOTP_KEY_HEX = b"sigap-demo-totp-key!".hex()
# Pages an account half-way through signing in may open.
_OPEN_PREFIXES = ("/login/", "/logout/", "/static/", "/i18n/", "/healthz", "/media/")


def two_factor_required(user: User) -> bool:
    if not user.is_authenticated or not settings.TWO_FACTOR_REQUIRED:
        return False
    return user.is_superuser or user.role in settings.TWO_FACTOR_REQUIRED_ROLES


def two_factor_pending(user: User) -> bool:
    """Signed in with a password but not yet with the second factor it needs."""
    verified = getattr(user, "is_verified", None)
    return two_factor_required(user) and not (verified and verified())


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (a new key per enrolment started)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE, confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (made here; nothing leaves the server)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111")


def totp_key_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str) -> list[str] | None:
    """Confirm the pending authenticator with its first code; the new recovery codes, or None."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New single-use recovery codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def device_matching(*, user: User, token: str):  # type: ignore[no-untyped-def]
    """The confirmed device (authenticator or recovery codes) that accepts `token`, or None."""
    token = token.strip().replace(" ", "")
    if not token:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def demo_totp_device(*, user: User) -> TOTPDevice:
    """Give a demo account the documented authenticator key (idempotent)."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=TOTP_DEVICE,
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
    )
    return device


def totp_code_now(key_hex: str = DEMO_TOTP_KEY_HEX) -> str:
    """The current 6-digit code of an authenticator key (the demo key unless given)."""
    return f"{TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6).token():06d}"


def demo_key_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")


class TwoFactorMiddleware:
    """Sends an account that still owes its second factor to the code (or enrolment) page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and two_factor_pending(user)  # type: ignore[arg-type]
        ):
            if request.path.startswith("/api/"):
                message = gettext("Finish signing in with your second factor first.")
                return JsonResponse({"detail": message}, status=403)
            target = "otp_verify" if user_has_device(user) else "otp_enrol"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
