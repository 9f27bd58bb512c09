"""IMAP polling against a real IMAP4rev1 server on localhost (imaplib speaks to it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from channels_intake.models import InboundMessage
from channels_intake.providers.email.imap import ImapConfig, ImapPollError, imap_poll
from channels_intake.tasks import poll_imap
from complaints.models import Channel

from .email_helpers import (
    MAILGUN_MIME_URL,
    SIGNING_KEY,
    WEBHOOK_SECRET,
    FakeImapServer,
    fixture,
    free_port,
    post_mailgun,
)

USER = "aduan@lapor.bandung.go.id"
PASSWORD = 'sandi "rahasia" imap'  # quoted by imaplib, unquoted by the server
BUDI_ID = "CAGf8kZ2q9V0xLbT4n1Ya7RmP5c3WdE6uJhK0sN8oQ1rMzF=x@mail.example.id"
RINA_ID = "SG2PR06MB5310B2D3C4E5F6A7B8@SG2PR06MB5310.apcprd06.prod.outlook.com"


@pytest.fixture
def imap(settings):
    server = FakeImapServer(user=USER, password=PASSWORD, folder="Aduan Warga")
    settings.IMAP_HOST = "127.0.0.1"
    settings.IMAP_PORT = server.port
    settings.IMAP_USER = USER
    settings.IMAP_PASSWORD = PASSWORD
    settings.IMAP_FOLDER = "Aduan Warga"
    settings.IMAP_SSL = False
    yield server
    server.stop()


def test_it_stores_unseen_mail_and_flags_it_seen_only_once_committed(imap, transactional_db):
    budi = imap.deliver(fixture("gmail_reply.eml"))
    auto = imap.deliver(fixture("auto_reply.eml"))
    imap.deliver(fixture("outlook_reply.eml"), seen=True)  # read by a person already
    committed_when_flagged: dict[int, list[str]] = {}

    def look_from_another_connection(uid: int) -> None:
        # Runs in the server's thread, on its own database connection: it sees only what
        # the poller has committed.
        committed_when_flagged[uid] = list(
            InboundMessage.objects.values_list("provider_message_id", flat=True)
        )
        connections.close_all()

    imap.on_store = look_from_another_connection
    report = imap_poll(ImapConfig.from_settings())

    assert (report.fetched, report.stored, report.ignored, report.duplicates) == (2, 1, 1, 0)
    assert committed_when_flagged[budi] == [BUDI_ID]
    assert auto in committed_when_flagged  # an auto-reply is flagged too, never stored
    assert sorted(imap.seen()) == [1, 2, 3]
    message = InboundMessage.objects.get()
    assert message.channel == Channel.EMAIL
    assert message.headers["X-Sigap-Source"] == "imap:127.0.0.1/Aduan Warga"
    assert bytes(message.body) == imap.mailbox[0]["raw"]  # exactly the server's bytes
    # It reads without marking, then marks: the session the server saw.
    assert [c.split(" ", 2)[:2] for c in imap.commands if c.startswith("UID")] == [
        ["UID", "SEARCH"],
        ["UID", "FETCH"],
        ["UID", "STORE"],
        ["UID", "FETCH"],
        ["UID", "STORE"],
    ]
    assert "UID FETCH 1 (BODY.PEEK[])" in imap.commands
    assert "UID STORE 1 +FLAGS (\\Seen)" in imap.commands
    assert imap.commands[-1] == "LOGOUT"


@pytest.mark.django_db
def test_the_same_message_by_webhook_and_by_imap_is_stored_once(client, imap, settings):
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = SIGNING_KEY
    settings.ANYMAIL_WEBHOOK_SECRET = WEBHOOK_SECRET
    raw = fixture("gmail_reply.eml")
    fields = {"recipient": USER, "sender": "budi.santoso@example.id", "body-mime": raw.decode()}
    assert post_mailgun(client, fields, url=MAILGUN_MIME_URL).status_code == 200
    imap.deliver(raw)
    report = imap_poll(ImapConfig.from_settings())
    assert (report.fetched, report.stored, report.duplicates) == (1, 0, 1)
    assert InboundMessage.objects.get().provider_message_id == BUDI_ID
    assert imap.seen() == [1]  # a duplicate is done with, too


@pytest.mark.django_db
def test_a_poll_twice_stores_nothing_twice(imap):
    imap.deliver(fixture("outlook_reply.eml"))
    assert imap_poll(ImapConfig.from_settings()).stored == 1
    # A crash after the commit but before \Seen: the message is unseen again.
    imap.mailbox[0]["flags"].clear()
    report = imap_poll(ImapConfig.from_settings())
    assert (report.stored, report.duplicates) == (0, 1)
    assert InboundMessage.objects.get().provider_message_id == RINA_ID


@pytest.mark.django_db
def test_a_message_that_is_not_email_is_flagged_and_logged(imap, caplog):
    imap.deliver(b"this is not an email at all\r\n\r\njust text")
    report = imap_poll(ImapConfig.from_settings())
    assert report.rejected == 1
    assert imap.seen() == [1]
    assert not InboundMessage.objects.exists()
    assert "is not an email" in caplog.text


@pytest.mark.django_db
def test_wrong_credentials_flag_nothing(imap, settings):
    settings.IMAP_PASSWORD = "salah"
    imap.deliver(fixture("gmail_reply.eml"))
    with pytest.raises(ImapPollError, match="AUTHENTICATIONFAILED"):
        imap_poll(ImapConfig.from_settings())
    assert imap.seen() == []
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_missing_folder_is_an_error(imap, settings):
    settings.IMAP_FOLDER = "Tidak Ada"
    with pytest.raises(ImapPollError, match="SELECT Tidak Ada"):
        imap_poll(ImapConfig.from_settings())


@pytest.mark.django_db
def test_an_unreachable_server_is_an_error(settings):
    settings.IMAP_HOST = "127.0.0.1"
    settings.IMAP_PORT = free_port()
    settings.IMAP_SSL = False
    with pytest.raises(ImapPollError, match="Cannot connect"):
        imap_poll(ImapConfig.from_settings())


@pytest.mark.django_db
def test_the_command_polls_once(imap, capsys):
    imap.deliver(fixture("gmail_reply.eml"))
    imap.deliver(fixture("bounce.eml"))
    call_command("poll_imap", "--once")
    out = capsys.readouterr().out
    assert "127.0.0.1/Aduan Warga: 2 fetched, 1 new, 0 already stored, 1 automatic" in out
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_command_fails_loudly_once_and_needs_a_host(imap, settings):
    settings.IMAP_PASSWORD = "salah"
    with pytest.raises(CommandError, match="AUTHENTICATIONFAILED"):
        call_command("poll_imap", "--once")
    settings.IMAP_HOST = ""
    with pytest.raises(CommandError, match="IMAP_HOST is not set"):
        call_command("poll_imap", "--once")


@pytest.mark.django_db
def test_the_beat_task_polls_and_survives_a_dead_server(imap, settings):
    imap.deliver(fixture("gmail_reply.eml"))
    assert poll_imap.delay().get() == 1
    settings.IMAP_PORT = free_port()
    assert poll_imap.delay().get() == 0


@pytest.mark.slow
def test_the_beat_polls_imap_only_when_a_host_is_set(tmp_path):
    """The schedule is decided when settings load, so each case is a fresh process."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "entry = settings.CELERY_BEAT_SCHEDULE.get('poll-imap'); "
        "print(entry and (entry['task'], entry['schedule'], entry['options']['expires']))"
    )
    env = {
        **os.environ,
        "SIGAP_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("IMAP_HOST", None)
    unset = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert unset.stdout.strip() == "None"
    env["IMAP_HOST"] = "imap.example.id"
    configured = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert configured.stdout.strip() == "('channels_intake.poll_imap', 60.0, 55)"
