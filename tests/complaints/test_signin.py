"""Sign-in defence: lockout, two-factor codes computed from the device's key, idle expiry,
the audit trail and the Content-Security-Policy header."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.client_ip import client_ip
from complaints.models import AuditEntry
from complaints.two_factor import DEMO_TOTP_KEY_HEX, totp_code_now
from tests.conftest import PASSWORD


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now, or `steps_ahead` 30-second steps later
    (a code is accepted once; the device allows one step of clock drift)."""
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def unthrottle(device: TOTPDevice) -> None:
    """A wrong code slows each of the user's devices down for a second or more
    (django-otp's throttling): the test does not wait it out."""
    device.refresh_from_db()
    for each in devices_for_user(device.user, confirmed=None):
        each.throttle_reset()


def test_ten_wrong_passwords_lock_the_account_even_with_the_right_one(client, operator):
    for _ in range(10):
        response = sign_in(client, "operator", "wrong-password")
    response = sign_in(client, "operator")
    assert response.status_code == 429
    assert "Masuk dikunci" in response.content.decode() or "locked" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="login_failed", username="operator").count() >= 10
    assert AuditEntry.objects.filter(action="locked_out").exists()


def test_nine_wrong_passwords_then_the_right_one_signs_in(client, staff_roads):
    for _ in range(9):
        sign_in(client, "staff_roads", "wrong-password")
    response = sign_in(client, "staff_roads")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login", username="staff_roads").count() == 1


def test_the_lockout_counts_per_address_across_accounts(client, operator, staff_roads):
    for n in range(10):
        sign_in(client, f"nobody{n}", "wrong-password", REMOTE_ADDR="10.9.9.9")
    response = sign_in(client, "staff_roads", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert sign_in(client, "staff_roads", REMOTE_ADDR="10.9.9.8").status_code == 302


def test_client_ip_trusts_only_the_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "5.6.7.8"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.two_factor
def test_an_operator_enrols_an_authenticator_then_needs_its_code(client, operator):
    response = sign_in(client, "operator")
    assert response.status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_enrol"))

    page = client.get(reverse("otp_enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, made on the server
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    assert client.post(reverse("otp_enrol"), {"token": "000000"}).status_code == 400
    unthrottle(device)
    done = client.post(reverse("otp_enrol"), {"token": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/dashboard/").status_code == 200

    # Next sign-in: the password alone reaches only the code page.
    client.post(reverse("logout"))
    sign_in(client, "operator")
    assert client.get("/dashboard/")["Location"].startswith(reverse("otp_verify"))
    assert client.get("/admin/")["Location"].startswith(reverse("otp_verify"))
    assert client.get("/api/v1/complaints/").status_code == 403
    wrong = client.post(reverse("otp_verify"), {"token": "123456", "next": "/dashboard/"})
    assert wrong.status_code == 400
    unthrottle(device)
    ok = client.post(
        reverse("otp_verify"), {"token": code_for(device, steps_ahead=1), "next": "/dashboard/"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    actions = set(AuditEntry.objects.filter(user=operator).values_list("action", flat=True))
    assert {"login", "otp_enrolled", "otp_failed", "otp_verified", "logout"} <= actions

    # A recovery code works once.
    unthrottle(device)
    client.post(reverse("logout"))
    sign_in(client, "operator")
    assert client.post(reverse("otp_verify"), {"token": codes[0]}).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, "operator")
    assert client.post(reverse("otp_verify"), {"token": codes[0]}).status_code == 400


@pytest.mark.two_factor
def test_agency_staff_need_no_second_factor_by_default(client, staff_roads):
    sign_in(client, "staff_roads")
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.two_factor
def test_the_demo_accounts_get_the_documented_key(client, operator):
    from complaints.two_factor import demo_totp_device

    demo_totp_device(user=operator)
    demo_totp_device(user=operator)  # idempotent
    assert TOTPDevice.objects.get(user=operator).key == DEMO_TOTP_KEY_HEX
    sign_in(client, "operator")
    response = client.post(reverse("otp_verify"), {"token": totp_code_now()})
    assert response.status_code == 302


def test_a_session_ends_after_the_idle_time(client, settings, staff_roads):
    from complaints.session_idle import LAST_SEEN

    sign_in(client, "staff_roads")
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session[LAST_SEEN] -= settings.SESSION_IDLE_MINUTES * 60 - 5  # idle, not for too long
    session.save()
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    assert session[LAST_SEEN] >= time.time() - 5  # the request counted as activity
    session[LAST_SEEN] -= settings.SESSION_IDLE_MINUTES * 60 + 5
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert AuditEntry.objects.filter(action="session_expired", user=staff_roads).exists()


def test_staff_writes_and_sensitive_reads_are_audited(client, world, operator):
    from complaints.services import complaint_create

    complaint = complaint_create(
        channel="web", text="Jalan rusak parah di Dago", area=world.dago, photos=[]
    )
    client.force_login(operator)
    client.get(f"/dashboard/aduan/{complaint.tracking_code}/", REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.get(action="dashboard:complaint")
    assert entry.user == operator
    assert entry.target == complaint.tracking_code
    assert entry.ip == "10.1.2.3"
    client.post(
        f"/dashboard/aduan/{complaint.tracking_code}/aksi/note/", {"note-text": "cek lokasi"}
    )
    assert AuditEntry.objects.filter(action="dashboard:complaint_action:note").exists()
    client.get("/dashboard/")
    assert not AuditEntry.objects.filter(action="dashboard:home").exists()


def test_every_page_carries_a_csp_without_inline_script(client, operator):
    for url in ("/", "/login/", "/aduan/baru/", "/api/docs/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert b"<script>" not in response.content
    client.force_login(operator)
    assert "frame-ancestors 'none'" in client.get("/dashboard/")["Content-Security-Policy"]
