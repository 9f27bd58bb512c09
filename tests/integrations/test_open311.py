"""Open311 GeoReport v2 conformance: every endpoint in both formats, by the spec's rules.

The rules checked (wiki.open311.org/GeoReport_v2): XML answers carry the UTF-8
declaration and the documented root/item tags; JSON answers of lists have an array
root; errors are errors>error>code,description (an array in JSON); POST is form-encoded
with an api_key (403 when wrong) and a location (400 otherwise); a list of
service_request_id overrides every other filter; dates are at most 90 days apart.
"""

from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_intake import desk
from channels_intake.models import InboundMessage
from complaints.lifecycle import OPEN_STATUSES, Actor, complaint_transition
from complaints.models import Channel, Complaint, ComplaintEvent
from complaints.services import complaint_create
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
FORMATS = ("xml", "json")


@pytest.fixture
def partner_key(world):
    _, key = desk.partner_key_create(name="FixMyStreet Bandung")
    return key


def parse(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own answer


def assert_error(response, fmt, status):
    assert response.status_code == status
    doc = parse(response, fmt)
    if fmt == "json":
        assert isinstance(doc, list) and doc
        assert doc[0]["code"] == status and doc[0]["description"]
    else:
        assert doc.tag == "errors"
        error = doc.find("error")
        assert error.findtext("code") == str(status) and error.findtext("description")
    return doc


def make(world, text="Jalan berlubang di Jl. Dago, hubungi 081234567890", **kw):
    kw.setdefault("category", world.road)
    kw.setdefault("area", world.dago)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the worker routes it (eager)
        return complaint_create(
            channel=Channel.WEB,
            text=text,
            latitude=-6.885312,
            longitude=107.613145,
            address="Jl. Dago 12",
            reporter_name="Siti Rahma",
            reporter_phone="081234567890",
            **kw,
        )


REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def rows(response, fmt, item="request"):
    doc = parse(response, fmt)
    if fmt == "json":
        assert isinstance(doc, list)
        return doc
    return [{child.tag: child.text or "" for child in element} for element in doc.findall(item)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, world, fmt):
    response = client.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    doc = parse(response, fmt)
    if fmt == "json":
        endpoint = doc["endpoints"][0]
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    else:
        assert doc.tag == "discovery"
        formats = [f.text for f in doc.find("endpoints/endpoint/formats")]
        assert formats == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_definitions(client, world, fmt):
    services = rows(client.get(f"{BASE}services.{fmt}"), fmt, "service")
    codes = {s["service_code"] for s in services}
    assert {"jalan-rusak", "sampah", "kesehatan"} <= codes
    road = next(s for s in services if s["service_code"] == "jalan-rusak")
    assert road["service_name"] == "Jalan rusak"
    assert road["group"] == "Infrastruktur"
    assert road["type"] == "realtime"
    assert str(road["metadata"]).lower() == "true"  # the report type attribute
    for path in ("services", "service"):  # the singular alias older clients call
        response = client.get(f"{BASE}{path}/jalan-rusak.{fmt}")
        assert response.status_code == 200
        doc = parse(response, fmt)
        if fmt == "json":
            assert doc["service_code"] == "jalan-rusak"
            attribute = doc["attributes"][0]
            assert attribute["code"] == "report_type"
            assert attribute["datatype"] == "singlevaluelist"
            assert [v["key"] for v in attribute["values"]] == ["pengaduan", "aspirasi", "informasi"]
        else:
            assert doc.tag == "service_definition"
            assert doc.findtext("service_code") == "jalan-rusak"
            assert doc.findtext("attributes/attribute/code") == "report_type"
            keys = [v.findtext("key") for v in doc.findall("attributes/attribute/values/value")]
            assert keys == ["pengaduan", "aspirasi", "informasi"]
    assert_error(client.get(f"{BASE}services/nope.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_list_is_public_and_masked(client, world, fmt):
    visible = make(world)
    make(world, text="Rahasia: pungli di kantor", is_confidential=True)
    found = rows(client.get(f"{BASE}requests.{fmt}"), fmt)
    assert [r["service_request_id"] for r in found] == [visible.tracking_code]
    row = found[0]
    assert set(row) >= REQUEST_FIELDS
    assert row["status"] == "open"
    assert "081234567890" not in json.dumps(row)
    assert "Siti" not in json.dumps(row)
    assert float(row["lat"]) == -6.885 and float(row["long"]) == 107.613
    assert row["requested_datetime"].endswith("+07:00")
    assert row["service_code"] == "jalan-rusak"


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filters(client, world, fmt):
    road = make(world)
    garbage = make(world, text="Sampah menumpuk", category=world.garbage)
    old = make(world, text="Laporan lama")
    Complaint.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))

    def ids(query):
        response = client.get(f"{BASE}requests.{fmt}", query)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in rows(response, fmt)}

    assert ids({}) == {road.tracking_code, garbage.tracking_code}  # the last 90 days
    assert ids({"service_code": "sampah"}) == {garbage.tracking_code}
    # A list of ids overrides every other filter, the date window included.
    assert ids(
        {"service_request_id": f"{old.tracking_code},{road.tracking_code}", "service_code": "x"}
    ) == {old.tracking_code, road.tracking_code}
    assert ids({"status": "closed"}) == set()
    assert ids({"status": "open"}) == {road.tracking_code, garbage.tracking_code}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert ids({"start_date": start, "end_date": end}) == {old.tracking_code}
    assert len(ids({"page_size": 1})) == 1
    assert ids({"page": 2, "page_size": 1}) != ids({"page": 1, "page_size": 1})
    too_wide = {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"}
    assert_error(client.get(f"{BASE}requests.{fmt}", too_wide), fmt, 400)
    assert_error(client.get(f"{BASE}requests.{fmt}", {"start_date": "kemarin"}), fmt, 400)
    assert_error(client.get(f"{BASE}requests.{fmt}", {"status": "done"}), fmt, 400)
    assert_error(client.get(f"{BASE}requests.{fmt}", {"page_size": "0"}), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_and_status_notes(client, world, staff_roads, fmt):
    complaint = make(world)
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg  # routed by the worker (eager in tests)
    complaint_transition(complaint=complaint, action="accept", actor=Actor.for_user(staff_roads))
    found = rows(client.get(f"{BASE}requests/{complaint.tracking_code}.{fmt}"), fmt)
    assert len(found) == 1
    assert found[0]["agency_responsible"] == world.roads_bdg.name
    assert found[0]["status_notes"]
    assert found[0]["expected_datetime"]
    assert_error(client.get(f"{BASE}requests/NOPE-0000.{fmt}"), fmt, 404)
    secret = make(world, is_confidential=True)
    assert_error(client.get(f"{BASE}requests/{secret.tracking_code}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_goes_through_the_intake(client, world, partner_key, fmt):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"{BASE}requests.{fmt}?api_key={partner_key}&jurisdiction_id=bandung",
            {
                "service_code": "jalan-rusak",
                "lat": "-6.8853",
                "long": "107.6131",
                "address_id": "32.73.02.1004",
                "description": "Lubang besar di depan SDN 3 Dago",
                "email": "warga@example.id",
                "first_name": "Budi",
                "phone": "081298765432",
                "attribute[report_type]": "informasi",
                "media": _photo(),
            },
        )
    assert response.status_code == 201, response.content
    created = rows(response, fmt)
    code = created[0]["service_request_id"]
    complaint = Complaint.objects.get(tracking_code=code)
    assert complaint.channel == Channel.API
    assert complaint.agency == world.roads_bdg  # routed like every other complaint
    assert complaint.reporter.phone == "+6281298765432"
    assert complaint.attachments.count() == 1
    assert complaint.report_type == "informasi"
    assert rows(client.get(f"{BASE}requests/{code}.{fmt}"), fmt)[0]["report_type"] == "informasi"
    message = InboundMessage.objects.get(complaint=complaint)  # stored first, in the inbox
    assert b"Lubang besar" in bytes(message.body)
    token = message.provider_message_id.rsplit("open311-", 1)[1]
    found = rows(client.get(f"{BASE}tokens/{token}.{fmt}"), fmt)
    assert found[0]["service_request_id"] == code
    assert_error(client.get(f"{BASE}tokens/unknown.{fmt}"), fmt, 404)


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("foto.jpg", make_image_bytes(), content_type="image/jpeg")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_errors(client, world, partner_key, fmt):
    good = {"service_code": "jalan-rusak", "lat": "-6.9", "long": "107.6", "description": "x"}
    url = f"{BASE}requests.{fmt}"
    assert_error(client.post(url, {**good, "api_key": "wrong"}), fmt, 403)
    assert_error(client.post(url, good), fmt, 403)
    no_place = {k: v for k, v in good.items() if k not in ("lat", "long")}
    assert_error(client.post(url, {**no_place, "api_key": partner_key}), fmt, 400)
    long_text = {**good, "description": "a" * 4001, "api_key": partner_key}
    assert_error(client.post(url, long_text), fmt, 400)
    assert_error(
        client.post(url, {**good, "service_code": "nope", "api_key": partner_key}), fmt, 400
    )
    assert_error(client.post(url, {**good, "lat": "abc", "api_key": partner_key}), fmt, 400)
    assert_error(client.post(url, {**good, "address_id": "99", "api_key": partner_key}), fmt, 400)
    bad_type = {**good, "attribute[report_type]": "keluhan", "api_key": partner_key}
    assert_error(client.post(url, bad_type), fmt, 400)
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates(client, world, staff_roads, partner_key, fmt):
    complaint = make(world)
    complaint.refresh_from_db()
    since = timezone.now() - timedelta(minutes=1)
    for action in ("accept", "start"):
        complaint_transition(complaint=complaint, action=action, actor=Actor.for_user(staff_roads))
    complaint_transition(
        complaint=complaint,
        action="resolve",
        actor=Actor.for_user(staff_roads),
        note="Sudah ditambal. Info: 081234567890",
    )
    response = client.get(f"{BASE}servicerequestupdates.{fmt}", {"start_date": since.isoformat()})
    assert response.status_code == 200
    updates = rows(response, fmt, "request_update")
    mine = [u for u in updates if u["service_request_id"] == complaint.tracking_code]
    assert [u["status"] for u in mine][-1] == "FIXED"
    assert "081234567890" not in json.dumps(mine)
    assert all(u["update_id"] and u["updated_datetime"] for u in mine)

    posted = client.post(
        f"{BASE}servicerequestupdates.{fmt}",
        {
            "api_key": partner_key,
            "service_request_id": complaint.tracking_code,
            "status": "OPEN",
            "description": "Masih ada lubang kecil",
            "updated_datetime": timezone.now().isoformat(),
        },
    )
    assert posted.status_code == 201, posted.content
    update_id = rows(posted, fmt, "request_update")[0]["update_id"]
    note = ComplaintEvent.objects.get(pk=update_id)
    assert note.kind == ComplaintEvent.Kind.NOTE and not note.is_public
    assert "Masih ada lubang kecil" in note.note
    missing = {"api_key": partner_key, "service_request_id": "NOPE-0000", "description": "x"}
    assert_error(client.post(f"{BASE}servicerequestupdates.{fmt}", missing), fmt, 404)
    assert_error(client.post(f"{BASE}servicerequestupdates.{fmt}", {"api_key": "x"}), fmt, 403)


def test_open_statuses_map_to_open(world):
    from integrations.open311.selectors import open311_status

    assert {open311_status(s) for s in OPEN_STATUSES} == {"open"}
    assert open311_status("resolved") == open311_status("rejected") == "closed"


def test_a_fixmystreet_request_is_routed_and_its_updates_flow_back(
    client, world, partner_key, staff_roads
):
    start = (timezone.now() - timedelta(minutes=1)).isoformat()
    with TestCase.captureOnCommitCallbacks(execute=True):
        posted = client.post(
            f"{BASE}requests.json",
            {
                "api_key": partner_key,
                "service_code": "jalan-rusak",
                "address_id": "32.73.02.1004",
                "description": "Lubang di Jl. Dago",
            },
        )
    code = posted.json()[0]["service_request_id"]
    complaint = Complaint.objects.get(tracking_code=code)
    assert complaint.agency == world.roads_bdg  # the worker routed it
    actor = Actor.for_user(staff_roads)
    for action in ("accept", "start"):
        complaint_transition(complaint=complaint, action=action, actor=actor)
    complaint_transition(complaint=complaint, action="resolve", actor=actor, note="Ditambal")
    updates = client.get(f"{BASE}servicerequestupdates.json", {"start_date": start}).json()
    mine = [u["status"] for u in updates if u["service_request_id"] == code]
    assert mine == ["OPEN", "OPEN", "IN_PROGRESS", "FIXED"]
    assert client.get(f"{BASE}requests/{code}.json").json()[0]["status"] == "closed"


def test_the_request_list_costs_the_same_queries_for_more_rows(
    client, world, django_assert_num_queries
):
    make(world)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}requests.json")
    for _ in range(5):
        make(world)
    with django_assert_num_queries(len(few)):
        assert len(client.get(f"{BASE}requests.json").json()) == 6
