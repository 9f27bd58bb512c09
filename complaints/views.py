"""Citizen pages: the landing page, the complaint form and its receipt, and public tracking."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .client_ip import client_ip
from .forms import ComplaintForm, ConfirmForm, RateForm, ReopenForm, TrackLookupForm
from .models import Complaint, PendingUpload
from .ratelimit import rate_limit_wait
from .selectors import (
    complaint_by_code_and_phone,
    complaint_by_token,
    complaint_followup_view,
    complaint_public_view,
)
from .services import (
    complaint_create,
    pending_upload_store,
    tracking_lookup_allowed,
    tracking_lookup_failed,
)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/home.html")


def _form_page(request: HttpRequest, form: ComplaintForm, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "max_photos": settings.UPLOAD_MAX_PHOTOS,
        # A deployment may point at its own tile server; with none reachable the map
        # stays blank and the coordinates still work.
        "tile_url": settings.MAP_TILE_URL,
    }
    return render(request, "complaints/form.html", context, status=status)


def _too_many(response: HttpResponse, wait: int) -> HttpResponse:
    response["Retry-After"] = str(wait)
    return response


def _keep_photos(form: ComplaintForm) -> list[PendingUpload]:
    return [pending_upload_store(image=image) for image in form.processed_photos]


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ComplaintForm())
    form = ComplaintForm(data=request.POST, files=request.FILES)
    if "_refresh_area" in request.POST:
        return _refresh(request, form)
    wait = rate_limit_wait(request, group="web-form", rate=settings.PUBLIC_FORM_RATE)
    if wait is not None:
        # Everything typed stays; the photos are not processed, so nothing is kept.
        limited = ComplaintForm(data=request.POST)
        limited.add_error(None, _too_many_message(wait))
        return _too_many(_form_page(request, limited, status=429), wait)
    if form.is_valid():
        complaint = _create(form)
        if complaint is not None:
            return redirect("complaints:receipt", token=complaint.public_token)
    return _redisplay(request, form)


def _too_many_message(wait: int) -> str:
    minutes = max(1, -(-wait // 60))
    return _(
        "Too many complaints were sent from your connection. Please try again in "
        "%(minutes)d minutes."
    ) % {"minutes": minutes}


def _refresh(request: HttpRequest, form: ComplaintForm) -> HttpResponse:
    """No-JS dependent selects: show the next area level, keep all typed, show no errors."""
    photo_errors = form.process_photos()
    new_pending = _keep_photos(form)
    refreshed = ComplaintForm(initial=form.refresh_initial(new_pending=new_pending))
    refreshed.photo_errors = photo_errors
    return _form_page(request, refreshed)


def _create(form: ComplaintForm) -> Complaint | None:
    data = form.cleaned_data
    try:
        return complaint_create(
            channel="web",
            text=data["text"],
            category=data["category"],
            area=form.chosen_area(),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address", ""),
            reporter_name=data.get("name", ""),
            reporter_phone=data.get("phone", ""),
            reporter_email=data.get("email", ""),
            is_anonymous=data.get("is_anonymous", False),
            is_confidential=data.get("is_confidential", False),
            report_type=data.get("report_type") or "pengaduan",
            photos=form.processed_photos,
            pending_uploads=form.kept_after_removal(),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


def _redisplay(request: HttpRequest, form: ComplaintForm) -> HttpResponse:
    """Show the errors with everything typed; photos that passed are kept, not dropped."""
    form.kept_uploads = [*form.kept_after_removal(), *_keep_photos(form)]
    return _form_page(request, form)


def receipt(request: HttpRequest, token: str) -> HttpResponse:
    complaint = complaint_by_token(token)
    if complaint is None:
        raise Http404
    track_path = reverse("complaints:track", kwargs={"token": complaint.public_token})
    context = {
        "complaint": complaint_public_view(complaint),
        "track_url": request.build_absolute_uri(track_path),
        "track_path": track_path,
    }
    return render(request, "complaints/receipt.html", context)


def track(request: HttpRequest, token: str) -> HttpResponse:
    complaint = complaint_by_token(token)
    if complaint is None:
        raise Http404
    return track_page(request, complaint)


def track_page(
    request: HttpRequest,
    complaint: Complaint,
    *,
    bound: ConfirmForm | RateForm | ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The tracking page; the follow-up views in dispositions/ redisplay it with errors."""
    forms = {
        "confirm_form": ConfirmForm(prefix="confirm"),
        "rate_form": RateForm(prefix="rate"),
        "reopen_form": ReopenForm(prefix="reopen"),
    }
    if bound is not None:
        forms[f"{bound.prefix}_form"] = bound
    context = {
        "complaint": complaint_public_view(complaint),
        "is_confidential": complaint.is_confidential,
        "followup": complaint_followup_view(complaint, now=timezone.now()),
        "bound": bound.prefix if bound is not None else "",
        **forms,
    }
    return render(request, "complaints/track.html", context, status=status)


@require_http_methods(["GET", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackLookupForm(data=request.POST if request.method == "POST" else None)
    not_found = False
    client = client_ip(request)
    if form.is_valid() and not (
        tracking_lookup_allowed(client=client)
        # By target too: guesses at one code spread over many addresses.
        and tracking_lookup_allowed(client=f"code:{form.cleaned_data['code']}")
    ):
        form.add_error(None, _("Too many attempts. Please wait a few minutes and try again."))
        page = render(request, "complaints/track_lookup.html", {"form": form}, status=429)
        return _too_many(page, settings.TRACK_LOOKUP_WINDOW_MINUTES * 60)
    if form.is_valid():
        complaint = complaint_by_code_and_phone(
            code=form.cleaned_data["code"], phone_e164=form.cleaned_data["phone"]
        )
        if complaint is not None:
            return redirect("complaints:track", token=complaint.public_token)
        # Same words whether the code exists or not: the page must not confirm codes.
        tracking_lookup_failed(client=client)
        tracking_lookup_failed(client=f"code:{form.cleaned_data['code']}")
        not_found = True
        form.add_error(None, _("We found no complaint with this code and phone number."))
    return render(request, "complaints/track_lookup.html", {"form": form, "not_found": not_found})
