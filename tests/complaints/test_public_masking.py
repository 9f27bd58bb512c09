"""Personal data typed in a complaint never reaches the public tracking page or its JSON,
staff still read it, and a question to one reporter stays on that reporter's page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from channels_intake.models import OutboundMessage
from complaints.lifecycle import Actor
from complaints.models import Complaint
from complaints.services import complaint_create
from dispositions.merging import complaint_merge
from dispositions.services import disposition_request_info, disposition_route

pytestmark = pytest.mark.django_db

TYPED = "hub sy di 0812-3456-7890 atau email budi.santoso@gmail.com NIK 3273021505800003"
SECRETS = ("0812-3456-7890", "budi.santoso@gmail.com", "3273021505800003")


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


def make(world, text, **kwargs) -> Complaint:
    kwargs.setdefault("reporter_phone", "081111111111")
    complaint = complaint_create(
        channel="web",
        text=text,
        category=world.road,
        area=world.dago,
        latitude=-6.885,
        longitude=107.613,
        **kwargs,
    )
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def test_it_masks_the_tracking_page_and_its_json(client, world, operator):
    complaint = make(
        world, f"Jalan berlubang di Dago. {TYPED}", address="depan rumah 0812 3456 7890"
    )
    html = client.get(reverse("complaints:track", args=[complaint.public_token])).content.decode()
    data = client.get(reverse("complaints-api:track", args=[complaint.public_token])).content
    for body in (html, data.decode()):
        for secret in (*SECRETS, "0812 3456 7890"):
            assert secret not in body
    assert "[nomor telepon disembunyikan]" in html
    assert "Jalan berlubang di Dago." in html
    complaint.refresh_from_db()
    assert TYPED in complaint.text  # stored unchanged
    client.force_login(operator)
    staff = client.get(
        reverse("dashboard:complaint", args=[complaint.tracking_code])
    ).content.decode()
    assert "0812-3456-7890" in staff


def test_a_question_to_one_reporter_stays_on_her_page(client, world, operator, staff_roads):
    master = make(world, "Jalan berlubang besar di depan SD Dago, bahaya untuk motor")
    other = make(
        world,
        "Ada lubang besar di jalan depan SD Dago, motor sering jatuh",
        reporter_phone="082222222222",
    )
    complaint_merge(duplicate=other, into=master, actor=Actor.for_user(operator))
    question = "Bu Rina, apakah benar di 0813-9999-8888 rumahnya yang nomor 5?"
    disposition_request_info(complaint=master, actor=Actor.for_user(staff_roads), question=question)

    mine = client.get(reverse("complaints:track", args=[master.public_token])).content.decode()
    assert "Bu Rina, apakah benar di" in mine
    assert "0813-9999-8888" not in mine
    for url in (
        reverse("complaints:track", args=[other.public_token]),
        reverse("complaints-api:track", args=[other.public_token]),
    ):
        body = client.get(url).content.decode()
        assert "Bu Rina" not in body
        assert "0813-9999-8888" not in body
    # Nor does the merged reporter receive the question on her channel.
    assert (
        not OutboundMessage.objects.filter(complaint=master, body__contains="Bu Rina")
        .exclude(recipient__contains="81111111111")
        .exists()
    )
