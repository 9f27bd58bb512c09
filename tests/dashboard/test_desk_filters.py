"""Search and filters of the inbox, the outbox and the reporters list: filters in the URL,
counts that follow them, keyset pages that keep them, 400 for what does not parse, and
nobody but operators and admins, an area-scoped operator only their area."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_intake.models import InboundMessage, OutboundMessage
from complaints.models import Channel, Reporter, User
from complaints.services import complaint_create
from dashboard.desk_views import LIST_PAGE_SIZE
from tests.conftest import PASSWORD

INBOX = reverse("dashboard:inbox")
OUTBOX = reverse("dashboard:outbox")
REPORTERS = reverse("dashboard:reporters")


def inbound(n, state="processed", channel=Channel.WHATSAPP, **extra):
    return InboundMessage.objects.create(
        channel=channel,
        provider_message_id=f"m.{n}",
        sender_id=extra.pop("sender_id", f"6281300{n:04d}"),
        body=b"{}",
        state=state,
        **extra,
    )


def outbound(n, state="sent", channel=Channel.WHATSAPP, **extra):
    if state == "sent":
        extra.setdefault("sent_at", timezone.now())
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=extra.pop("recipient", f"+6281300{n:04d}"),
        body=extra.pop("body", "Sigap: aduan diterima"),
        dedupe_key=f"k{n}",
        state=state,
        **extra,
    )


def listed(response):
    assert response.status_code == 200, response.content.decode()[:500]
    return list(response.context["page"].object_list)


def counts(response):
    return {c.value: c.count for c, _url in response.context["counts"]}


# Inbox -------------------------------------------------------------------------------------


def test_the_inbox_finds_a_sender_by_phone_typed_any_way(client, world, operator):
    siti = inbound(1, sender_id="6281234567890")
    inbound(2)
    client.force_login(operator)

    for typed in ("0812-3456-7890", "+62 812 3456 7890", "81234567890"):
        assert listed(client.get(INBOX, {"q": typed})) == [siti], typed


def test_the_inbox_finds_a_complaint_code_typed_loosely_and_an_error(client, world, operator):
    complaint = complaint_create(channel="whatsapp", text="Lampu mati")
    linked = inbound(1, complaint=complaint)
    broken = inbound(2, "parked", last_error="ValueError: No parser for this payload")
    client.force_login(operator)

    loose = complaint.tracking_code.replace("-", " ").lower()
    assert listed(client.get(INBOX, {"q": loose})) == [linked]
    assert listed(client.get(INBOX, {"q": "no parser"})) == [broken]


def test_the_inbox_state_counts_follow_the_other_filters(client, world, operator):
    inbound(1, "parked", channel=Channel.SMS)
    inbound(2, "failed", channel=Channel.SMS)
    inbound(3, "processed", channel=Channel.SMS)
    inbound(4, "parked", channel=Channel.WHATSAPP)
    client.force_login(operator)

    everything = client.get(INBOX)
    sms = client.get(INBOX, {"channel": "sms"})
    sms_parked = client.get(INBOX, {"channel": "sms", "state": "parked"})

    assert counts(everything)["parked"] == 2
    assert counts(sms) == {
        "received": 0,
        "processing": 0,
        "processed": 1,
        "failed": 1,
        "parked": 1,
        "ignored": 0,
    }
    # The state is left out of its own counts: the row still says what else there is.
    assert counts(sms_parked) == counts(sms)
    assert len(listed(sms_parked)) == 1
    # Each count links to its state with the other filters kept.
    urls = dict((c.value, url) for c, url in sms.context["counts"])
    assert parse_qs(urlsplit(urls["failed"]).query) == {"channel": ["sms"], "state": ["failed"]}


def test_the_inbox_filters_by_the_day_received_in_jakarta(client, world, operator):
    now = timezone.localtime()
    old = inbound(1, received_at=now - timedelta(days=10))
    new = inbound(2, received_at=now)
    client.force_login(operator)
    today = now.date().isoformat()

    assert listed(client.get(INBOX, {"date_from": today})) == [new]
    until = (now - timedelta(days=9)).date().isoformat()
    assert listed(client.get(INBOX, {"date_to": until})) == [old]


def test_inbox_pages_keep_the_filters(client, world, operator):
    for n in range(LIST_PAGE_SIZE + 5):
        inbound(n, channel=Channel.SMS, received_at=timezone.now() - timedelta(minutes=n))
    inbound(999, channel=Channel.WHATSAPP)
    client.force_login(operator)

    first = client.get(INBOX, {"channel": "sms", "q": "62813"})
    assert len(listed(first)) == LIST_PAGE_SIZE
    next_url = first.context["page"].next_url
    assert parse_qs(urlsplit(next_url).query)["channel"] == ["sms"]
    assert parse_qs(urlsplit(next_url).query)["q"] == ["62813"]
    second = client.get(INBOX + next_url)
    rows = listed(second)
    assert len(rows) == 5 and all(m.channel == Channel.SMS for m in rows)
    assert not set(rows) & set(listed(first))
    assert second.context["page"].previous_url


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-13-40"},
        {"date_from": "2026-02-10", "date_to": "2026-02-01"},
        {"channel": "pigeon"},
        {"after": "not-a-cursor"},
    ],
)
def test_a_bad_filter_or_page_link_is_a_400_with_the_reason(client, world, operator, query):
    client.force_login(operator)
    for url in (INBOX, OUTBOX, REPORTERS):
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert 'id="filter-errors"' in response.content.decode()


# Outbox ------------------------------------------------------------------------------------


def test_the_outbox_searches_recipient_and_text_and_counts(client, world, operator):
    siti = outbound(1, "failed", recipient="+6281234567890")
    code = outbound(2, "sent", body="Sigap: kode P4DC-7FK2 sedang ditangani")
    outbound(3, "sent")
    client.force_login(operator)

    assert listed(client.get(OUTBOX, {"q": "0812 3456 7890"})) == [siti]
    assert listed(client.get(OUTBOX, {"q": "ditangani"})) == [code]
    searched = client.get(OUTBOX, {"q": "Sigap"})
    assert counts(searched)["sent"] == 2  # all three say "Sigap"; siti's one failed
    assert counts(searched)["failed"] == 1
    assert next(m for m, _unknown in searched.context["rows"]) == siti  # failed first


# Reporters ---------------------------------------------------------------------------------


def test_the_reporters_list_filters_by_channel_and_first_seen(client, world, operator):
    wa = Reporter.objects.create(name="Warga WA", phone="+6281211112222")
    complaint_create(channel="whatsapp", text="Aduan WA", reporter=wa)
    sms = Reporter.objects.create(name="Warga SMS", phone="+6281233334444")
    complaint_create(channel="sms", text="Aduan SMS", reporter=sms)
    old = Reporter.objects.create(name="Warga Lama")
    Reporter.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    client.force_login(operator)

    assert [r["reporter"] for r in client.get(REPORTERS, {"channel": "sms"}).context["rows"]] == [
        sms
    ]
    recent = client.get(REPORTERS, {"date_from": timezone.localdate().isoformat()})
    assert {r["reporter"] for r in recent.context["rows"]} == {wa, sms}
    assert recent.context["total"] == (2, False)
    assert "2 pelapor" in recent.content.decode()


def test_reporter_pages_keep_the_search(client, world, operator):
    for n in range(LIST_PAGE_SIZE + 3):
        Reporter.objects.create(name=f"Warga Cari {n}")
    Reporter.objects.create(name="Orang Lain")
    client.force_login(operator)

    first = client.get(REPORTERS, {"q": "cari"})
    assert len(first.context["rows"]) == LIST_PAGE_SIZE
    assert first.context["total"] == (LIST_PAGE_SIZE + 3, False)
    second = client.get(REPORTERS + first.context["page"].next_url)
    names = [r["reporter"].name for r in second.context["rows"]]
    assert len(names) == 3 and all(name.startswith("Warga Cari") for name in names)


# Who sees what -----------------------------------------------------------------------------


def test_agency_staff_and_supervisors_reach_none_of_the_desk_lists(
    client, world, staff_roads, supervisor
):
    Reporter.objects.create(name="Siti", phone="+6281234567890")
    for user in (staff_roads, supervisor):
        client.force_login(user)
        for url in (INBOX, OUTBOX, REPORTERS):
            response = client.get(url, {"q": "0812 3456 7890"})
            assert response.status_code == 403
            assert "6281234567890" not in response.content.decode()


def test_an_area_scoped_operator_finds_only_their_areas_messages(client, world):
    scoped = User.objects.create_user(
        username="op_bekasi", password=PASSWORD, role=User.Role.OPERATOR, area=world.bekasi
    )
    dago = complaint_create(channel="whatsapp", text="Di Dago", area=world.dago)
    bekasi = complaint_create(channel="whatsapp", text="Di Bekasi", area=world.bekasi)
    inbound(1, complaint=dago, sender_id="6281299990001")
    mine = inbound(2, complaint=bekasi, sender_id="6281299990002")
    outbound(1, complaint=dago, recipient="+6281299990001")
    my_reply = outbound(2, complaint=bekasi, recipient="+6281299990002")
    client.force_login(scoped)

    assert listed(client.get(INBOX)) == [mine]
    assert listed(client.get(INBOX, {"q": dago.tracking_code})) == []
    assert listed(client.get(INBOX, {"q": "081299990001"})) == []
    assert sum(counts(client.get(INBOX)).values()) == 1
    assert listed(client.get(OUTBOX)) == [my_reply]
    page = client.get(OUTBOX, {"q": "081299990001"})
    assert "6281299990001" not in page.content.decode()
    assert sum(counts(page).values()) == 0
