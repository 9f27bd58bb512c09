"""The leak walk: every URL pattern of the project, visited by agency A's staff with agency
B's objects as arguments and in filters and search, and again anonymously.

The patterns come from the URL resolver, not a hand list, so a page added later is
walked too. Arguments are filled from the pattern's own parameter names (an unknown
name gets B's complaint id or code). Nothing of B (its text, its tracking code where the
request did not carry it, its reporter's name, phone or email) may show, and no request
may fail with a 500.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from complaints.images import process_image
from complaints.models import Complaint, Status
from complaints.services import complaint_create
from dispositions.services import disposition_route
from tests.conftest import make_image_bytes

B_TEXT = "ZQXJ rahasia dinas B"
B_NAME = "Bambang Bocorsari"
B_PHONE = "81299998888"
B_EMAIL = "bambang.b@bocor.test"
# Unnamed or capability URLs: the reason each one is not walked.
NOT_WALKED = {
    # Uploaded files are served under random, unguessable names (complaints/images.py);
    # the pages that link them are walked.
    "^media/(?P<path>.*)$",
}
STAFF_PREFIXES = ("dashboard/", "admin/", "api/v1/complaints/")


@dataclass(frozen=True)
class Route:
    route: str
    name: str  # with its namespace, for reverse()
    params: tuple[str, ...]


def routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if p.namespace else namespace
            yield from routes(p.url_patterns, prefix + str(p.pattern), ns.strip(":"))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = f"{namespace}:{p.name}".strip(":") if p.name else ""
            params = tuple(p.pattern.regex.groupindex)
            prefix_params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", prefix))
            yield Route(route, name, prefix_params + params)


@dataclass
class Secrets:
    b: Complaint
    a: Complaint


@pytest.fixture
def leak_world(world, staff_roads, staff_env) -> Secrets:
    b = complaint_create(
        channel="whatsapp",
        text=f"Sampah menumpuk di gang belakang pasar. {B_TEXT}",
        category=world.garbage,
        area=world.dago,
        reporter_name=B_NAME,
        reporter_phone=f"0{B_PHONE}",
        reporter_email=B_EMAIL,
        photos=[process_image(io.BytesIO(make_image_bytes()), name="b.jpg")],
    )
    a = complaint_create(
        channel="web",
        text="Jalan berlubang di depan sekolah",
        category=world.road,
        area=world.dago,
        reporter_name="Warga A",
        photos=[],
    )
    for c in (a, b):
        disposition_route(complaint_id=c.pk)
        c.refresh_from_db()
    assert b.agency == world.env_bdg and b.status == Status.ASSIGNED
    assert a.agency == world.roads_bdg
    return Secrets(b=b, a=a)


def kwargs_for(route: Route, s: Secrets) -> dict[str, str]:
    b = s.b
    values = {
        "tracking_code": b.tracking_code,
        "token": b.public_token,
        "reporter_id": str(b.reporter_id),
        "other_id": str(b.reporter_id),
        "message_id": str(b.pk),
        "action": "accept",
        "external_id": b.tracking_code,
        "object_id": str(b.pk),
        "pk": str(b.pk),
        "id": str(b.pk),
        "app_label": "complaints",
        "content_type_id": str(ContentType.objects.get_for_model(Complaint).pk),
        "format": "json",
        "fmt": "json",
        "path": "",
    }
    out = {}
    for param in route.params:
        if param in values:
            out[param] = values[param]
        elif param.endswith("_id") or param == "id":
            out[param] = str(b.pk)
        else:
            out[param] = b.tracking_code
    return out


def url_of(route: Route, s: Secrets) -> str | None:
    if route.route in NOT_WALKED:
        return None
    kwargs = kwargs_for(route, s)
    if route.name:
        return reverse(route.name, kwargs=kwargs or None)
    # Unnamed (the admin's object redirects and catch-all): fill the parameters in place.
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs[m.group(1)], route.route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: kwargs[m.group(1)], url)
    return "/" + url.replace("^", "").replace("$", "")


def b_markers(url: str, s: Secrets) -> list[str]:
    markers = [B_TEXT, B_NAME, B_PHONE, B_EMAIL]
    if s.b.tracking_code not in url:
        markers.append(s.b.tracking_code)
    return markers


def test_the_walk_covers_every_url_pattern(leak_world):
    walked = [r for r in routes() if url_of(r, leak_world) is not None]
    assert len(walked) + len(NOT_WALKED) == len(list(routes()))
    assert any(r.route.startswith("dashboard/") for r in walked)
    assert any(r.route.startswith("admin/") for r in walked)


def test_agency_a_sees_nothing_of_agency_b_on_any_page(client, leak_world, staff_roads, world):
    s = leak_world
    query = {
        "q": B_TEXT.split()[0],
        "agency": str(world.env_bdg.pk),
        "status": "all",
        "reporter": str(s.b.reporter_id),
        "complaint": s.b.tracking_code,
    }
    leaks = []
    for route in routes():
        url = url_of(route, s)
        if url is None:
            continue
        staff_only = route.route.startswith(STAFF_PREFIXES)
        for method, data in (("get", None), ("get", query), ("post", {"codes": s.b.tracking_code})):
            client.force_login(staff_roads)
            response = getattr(client, method)(url, data)
            assert response.status_code != 500, f"{method.upper()} {url}"
            body = response.content.decode(errors="replace")
            markers = (
                b_markers(url + str(data or ""), s) if staff_only else [B_NAME, B_PHONE, B_EMAIL]
            )
            leaks += [f"{method.upper()} {url} {data}: {m}" for m in markers if m in body]
    assert leaks == []
    s.b.refresh_from_db()
    assert s.b.status == Status.ASSIGNED  # no POST of A moved B


def test_agency_a_counts_none_of_b(client, leak_world, staff_roads, world):
    client.force_login(staff_roads)
    response = client.get(reverse("dashboard:home"), {"q": B_TEXT.split()[0], "status": "all"})
    assert all(count.count == 0 for count, _url in response.context["tabs"])
    response = client.get(
        reverse("dashboard:home"), {"agency": str(world.env_bdg.pk), "status": "all"}
    )
    assert leak_world.b.tracking_code not in response.content.decode()


def test_anonymous_reaches_no_staff_page(client, leak_world):
    s = leak_world
    for route in routes():
        url = url_of(route, s)
        if url is None or not route.route.startswith(STAFF_PREFIXES):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            allowed = {302, 401, 403, 404, 405, 415}
            if route.name in ("admin:login", "admin:logout"):
                allowed.add(200)  # the admin's own sign-in page
            assert response.status_code in allowed, f"{method} {url}"
            body = response.content.decode(errors="replace")
            assert not [m for m in b_markers(url, s) if m in body], f"{method} {url}"


def test_the_markers_do_show_to_those_allowed(client, leak_world, staff_env, operator):
    """The walk's control: B's own staff see B's text; an operator sees its reporter."""
    url = reverse("dashboard:complaint", args=[leak_world.b.tracking_code])
    client.force_login(staff_env)
    assert B_TEXT in client.get(url).content.decode()
    client.force_login(operator)
    body = client.get(url).content.decode()
    assert B_TEXT in body
    assert B_NAME in body
