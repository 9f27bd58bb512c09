"""A mailbox without a provider: fetch its unseen messages over IMAP into the inbox.

Each message is read with BODY.PEEK[] (which leaves it unseen), stored through the same
path as the provider webhooks (providers/email/store.py: one row per Message-ID, so a
message that also came by webhook, or a poll that died half-way, stores nothing twice),
and flagged \\Seen only after its row is committed. A crash between the two leaves the
message unseen: the next poll reads it again and the dedupe makes that harmless.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings

from channels_intake.normalized import PayloadError
from channels_intake.providers.email.store import email_store

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
DEFAULT_LIMIT = 100


class ImapPollError(Exception):
    """The mailbox could not be reached or read; nothing was marked seen."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int = 993
    user: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    use_ssl: bool = True

    @classmethod
    def from_settings(cls) -> ImapConfig:
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            folder=settings.IMAP_FOLDER,
            use_ssl=settings.IMAP_SSL,
        )


@dataclass
class PollReport:
    fetched: int = 0
    stored: int = 0  # new rows in the inbox
    duplicates: int = 0  # already stored (by a webhook or an earlier poll)
    ignored: int = 0  # auto-replies, bounces, our own mail: seen, not stored
    rejected: int = 0  # not an email at all: seen, not stored, logged


def _quoted(mailbox: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(config: ImapConfig) -> imaplib.IMAP4:
    if config.use_ssl:
        context = ssl.create_default_context()
        return imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    return imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT_SECONDS)


def _check(answer: tuple[str, list[object]], what: str) -> list[object]:
    status, data = answer
    if status != "OK":
        raise ImapPollError(f"{what}: {status} {data!r:.200}")
    return data


def _raw_message(data: list[object]) -> bytes | None:
    """The literal of a FETCH answer: [(b'1 (UID 7 BODY[] {123}', b'<message>'), b')']."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def imap_poll(config: ImapConfig, *, limit: int = DEFAULT_LIMIT) -> PollReport:
    """Store up to `limit` unseen messages of the folder, each flagged seen once committed."""
    if not config.host:
        raise ImapPollError("IMAP_HOST is not set")
    report = PollReport()
    source = f"imap:{config.host}/{config.folder}"
    try:
        connection = _connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapPollError(f"Cannot connect to {config.host}:{config.port}: {exc}") from exc
    try:
        _check(connection.login(config.user, config.password), "LOGIN")
        _check(connection.select(_quoted(config.folder)), f"SELECT {config.folder}")
        found = _check(connection.uid("SEARCH", None, "UNSEEN"), "SEARCH UNSEEN")
        uids = found[0].split() if found and isinstance(found[0], bytes) else []
        for uid in uids[:limit]:
            uid_text = uid.decode()
            raw = _raw_message(_check(connection.uid("FETCH", uid_text, "(BODY.PEEK[])"), "FETCH"))
            if raw is None:
                continue  # expunged since the search
            report.fetched += 1
            try:
                received, new = email_store(raw=raw, source=source)
            except PayloadError as exc:
                logger.warning("IMAP message %s in %s is not an email: %s", uid_text, source, exc)
                report.rejected += 1
            else:
                report.stored += new
                report.duplicates += received - new
                report.ignored += not received
            # Only now, with the row committed (or deliberately not stored), is it seen.
            _check(connection.uid("STORE", uid_text, "+FLAGS", "(\\Seen)"), "STORE \\Seen")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapPollError(f"{config.host}: {exc}") from exc
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.debug("IMAP logout from %s failed", config.host, exc_info=True)
    return report
