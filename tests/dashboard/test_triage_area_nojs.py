"""The triage page's area picker without JavaScript: each level's own submit brings the
page back with the next level filled and the agencies of the area chosen, keeps what
was typed, sends nothing; the send button then assigns with the area chosen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Status
from complaints.services import complaint_create
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db


def triage_without_area(world):
    complaint = complaint_create(channel="hotline", text="Puskesmas tutup", category=world.health)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE and complaint.area is None
    return complaint


def action_url(complaint) -> str:
    return reverse("dashboard:complaint_action", args=[complaint.tracking_code, "assign"])


def choices(form, level: str) -> list[str]:
    return [code for code, _label in form.fields[level].choices if code]


def test_each_level_brings_the_next_without_sending(client, world, operator):
    complaint = triage_without_area(world)
    client.force_login(operator)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    html = page.content.decode()
    assert 'name="assign-area_next" value="province"' in html
    assert 'name="assign-area_next" value="village"' not in html  # the last level has none

    step = client.post(
        action_url(complaint),
        {"assign-province": "32", "assign-note": "Telepon warga", "assign-area_next": "province"},
    )
    assert step.status_code == 200
    form = step.context["forms"]["assign"]
    assert set(choices(form, "regency")) == {"32.73", "32.75"}
    assert form["note"].value() == "Telepon warga"

    step = client.post(
        action_url(complaint),
        {
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-note": "Telepon warga",
            "assign-area_next": "regency",
        },
    )
    form = step.context["forms"]["assign"]
    assert set(choices(form, "district")) == {"32.73.01", "32.73.02"}
    offered = set(form.fields["agency"].queryset)
    assert world.roads_bdg in offered and world.env_bdg in offered

    step = client.post(
        action_url(complaint),
        {
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-district": "32.73.02",
            "assign-agency": str(world.roads_bdg.pk),
            "assign-area_next": "district",
        },
    )
    form = step.context["forms"]["assign"]
    assert choices(form, "village") == ["32.73.02.1004"]
    assert form["agency"].value() == str(world.roads_bdg.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE  # nothing was sent on the way

    sent = client.post(
        action_url(complaint),
        {
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-district": "32.73.02",
            "assign-village": "32.73.02.1004",
            "assign-agency": str(world.roads_bdg.pk),
        },
    )
    assert sent.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg
    assert complaint.area == world.dago


def test_a_changed_level_empties_the_levels_below_it(client, world, operator):
    complaint = triage_without_area(world)
    client.force_login(operator)

    step = client.post(
        action_url(complaint),
        {
            "assign-province": "32",
            "assign-regency": "32.73",
            "assign-district": "32.73.01",  # was Coblong, now Sukasari
            "assign-village": "32.73.02.1004",  # Dago, in Coblong
            "assign-area_next": "district",
        },
    )

    assert step.status_code == 200
    form = step.context["forms"]["assign"]
    assert form["district"].value() == "32.73.01"
    assert not form["village"].value()
    assert choices(form, "village") == ["32.73.01.1001"]
    assert (
        "errorlist" not in step.content.decode().split('id="action-assign"')[1].split("</form>")[0]
    )


def test_the_agencies_follow_the_area_and_another_citys_agency_is_refused(client, world, operator):
    complaint = triage_without_area(world)
    client.force_login(operator)

    bekasi = client.post(
        action_url(complaint),
        {"assign-province": "32", "assign-regency": "32.75", "assign-area_next": "regency"},
    )
    offered = set(bekasi.context["forms"]["assign"].fields["agency"].queryset)
    assert world.roads_bdg not in offered and world.roads_prov in offered

    refused = client.post(
        action_url(complaint),
        {
            "assign-province": "32",
            "assign-regency": "32.75",
            "assign-agency": str(world.roads_bdg.pk),
        },
    )
    assert refused.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
