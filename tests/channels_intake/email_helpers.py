"""Email as the providers and servers deliver it: Mailgun's signed forms, Postmark's JSON with
basic auth, and small real IMAP4rev1 and SMTP servers on localhost for the poller and sender.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "email"
SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
WEBHOOK_SECRET = "sigap-inbound:Rahasia-Webhook-2024"
MAILGUN_URL = "/webhooks/email/mailgun/inbound/"
MAILGUN_MIME_URL = "/webhooks/email/mailgun/inbound_mime/"
POSTMARK_URL = "/webhooks/email/postmark/inbound/"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def postmark_payload(name: str) -> dict[str, Any]:
    return json.loads(fixture(f"{name}.json"))


def basic_auth(secret: str = WEBHOOK_SECRET) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def mailgun_signature(timestamp: str, token: str, key: str = SIGNING_KEY) -> str:
    """What Mailgun sends: hex HMAC-SHA256 of timestamp + token under the signing key."""
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_fields(
    *, key: str = SIGNING_KEY, token: str = "", timestamp: str = ""
) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    token = (
        token or hashlib.sha256(f"{timestamp}{time.perf_counter_ns()}".encode()).hexdigest()[:50]
    )
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(timestamp, token, key),
    }


def post_mailgun(
    client,
    fields: dict[str, Any],
    *,
    url: str = MAILGUN_URL,
    key: str | None = SIGNING_KEY,
    auth: str | None = WEBHOOK_SECRET,
):
    """A multipart/form-data POST as Mailgun's route forward() makes it, signed (and with
    the basic auth every anymail webhook checks once ANYMAIL_WEBHOOK_SECRET is set)."""
    data = dict(fields)
    if key is not None:
        data.update(mailgun_fields(key=key))
    headers = {"Authorization": basic_auth(auth)} if auth else {}
    return client.post(url, data=data, headers=headers)


def post_postmark(client, payload: dict[str, Any] | bytes, *, auth: str | None = WEBHOOK_SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Authorization": basic_auth(auth)} if auth else {}
    return client.post(POSTMARK_URL, data=body, content_type="application/json", headers=headers)


def free_port() -> int:
    """A port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Background:
    server: _Server

    def start(self) -> None:
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- IMAP ----------------------------------------------------------------------------------

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|\S+')


def _unquote(token: bytes) -> str:
    text = token.decode()
    if text.startswith('"') and text.endswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


class FakeImapServer(_Background):
    """Enough IMAP4rev1 for imaplib: CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN,
    UID FETCH (BODY.PEEK[]), UID STORE +FLAGS (\\Seen), LOGOUT.

    `mailbox` holds the messages as a real server would (uid, CRLF bytes, flags);
    `commands` records what the client asked; `on_store(uid)` runs when a message is
    flagged, before the server answers.
    """

    def __init__(self, *, user: str, password: str, folder: str = "INBOX") -> None:
        self.user, self.password, self.folder = user, password, folder
        self.mailbox: list[dict[str, Any]] = []
        self.commands: list[str] = []
        self.on_store: Callable[[int], None] | None = None
        imap = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: bytes) -> None:
                self.wfile.write(line + b"\r\n")

            def handle(self) -> None:
                self.send(b"* OK [CAPABILITY IMAP4rev1] Sigap test IMAP ready")
                authenticated = selected = False
                while line := self.rfile.readline():
                    tokens = _TOKEN.findall(line.rstrip(b"\r\n"))
                    if len(tokens) < 2:
                        continue
                    tag, command, args = tokens[0], tokens[1].upper(), tokens[2:]
                    imap.commands.append(b" ".join([command, *args]).decode())
                    if command == b"CAPABILITY":
                        self.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                        self.send(tag + b" OK CAPABILITY completed")
                    elif command == b"LOGIN":
                        user, password = (_unquote(a) for a in args[:2])
                        authenticated = (user, password) == (imap.user, imap.password)
                        if authenticated:
                            self.send(tag + b" OK LOGIN completed")
                        else:
                            self.send(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials")
                    elif command == b"SELECT" and authenticated:
                        if _unquote(args[0]) != imap.folder:
                            self.send(tag + b" NO [NONEXISTENT] No such mailbox")
                            continue
                        selected = True
                        self.send(b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                        self.send(b"* %d EXISTS" % len(imap.mailbox))
                        self.send(b"* 0 RECENT")
                        self.send(b"* OK [UIDVALIDITY 1] UIDs valid")
                        self.send(tag + b" OK [READ-WRITE] SELECT completed")
                    elif command == b"UID" and selected:
                        self.uid(tag, args)
                    elif command == b"LOGOUT":
                        self.send(b"* BYE Sigap test IMAP logging out")
                        self.send(tag + b" OK LOGOUT completed")
                        return
                    else:
                        self.send(tag + b" BAD Command not understood here")

            def uid(self, tag: bytes, args: list[bytes]) -> None:
                sub = args[0].upper()
                if sub == b"SEARCH" and args[1:] == [b"UNSEEN"]:
                    uids = [m["uid"] for m in imap.mailbox if "\\Seen" not in m["flags"]]
                    self.send(b"* SEARCH" + b"".join(b" %d" % uid for uid in uids))
                    self.send(tag + b" OK SEARCH completed")
                    return
                found = [(n, m) for n, m in enumerate(imap.mailbox, 1) if m["uid"] == int(args[1])]
                if sub == b"FETCH" and args[2].upper() == b"(BODY.PEEK[])":
                    for number, message in found:
                        raw = message["raw"]
                        head = b"* %d FETCH (UID %d BODY[] {%d}" % (
                            number,
                            message["uid"],
                            len(raw),
                        )
                        self.wfile.write(head + b"\r\n" + raw + b")\r\n")
                    self.send(tag + b" OK FETCH completed")
                elif sub == b"STORE" and args[2].upper() == b"+FLAGS":
                    for number, message in found:
                        if imap.on_store is not None:
                            imap.on_store(message["uid"])
                        message["flags"].add("\\Seen")
                        self.send(b"* %d FETCH (UID %d FLAGS (\\Seen))" % (number, message["uid"]))
                    self.send(tag + b" OK STORE completed")
                else:
                    self.send(tag + b" BAD Unsupported UID command")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.start()

    def deliver(self, raw: bytes, *, seen: bool = False) -> int:
        uid = len(self.mailbox) + 1
        crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.mailbox.append({"uid": uid, "raw": crlf, "flags": {"\\Seen"} if seen else set()})
        return uid

    def seen(self) -> list[int]:
        return [m["uid"] for m in self.mailbox if "\\Seen" in m["flags"]]


# --- SMTP ----------------------------------------------------------------------------------


class FakeSmtpServer(_Background):
    """An SMTP server that answers from `replies` (greeting, MAIL, RCPT, DATA) and keeps
    every accepted message's bytes in `received`."""

    def __init__(self) -> None:
        self.replies: dict[str, str] = {}
        self.received: list[bytes] = []
        self.recipients: list[str] = []
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                greeting = smtp.replies.get("greeting", "220 smtp.test ESMTP Sigap test")
                self.send(greeting)
                if not greeting.startswith("220"):
                    return
                while line := self.rfile.readline():
                    verb = line.split(b" ", 1)[0].strip().upper().split(b":")[0]
                    if verb == b"EHLO":
                        self.send("250-smtp.test\r\n250-8BITMIME\r\n250 SIZE 10240000")
                    elif verb == b"HELO":
                        self.send("250 smtp.test")
                    elif verb == b"MAIL":
                        self.send(smtp.replies.get("MAIL", "250 2.1.0 Ok"))
                    elif verb == b"RCPT":
                        reply = smtp.replies.get("RCPT", "250 2.1.5 Ok")
                        if reply.startswith("250"):
                            smtp.recipients.append(line.decode().split(":", 1)[1].strip())
                        self.send(reply)
                    elif verb == b"DATA":
                        self.send("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        reply = smtp.replies.get("DATA", "250 2.0.0 Ok: queued as 4VXk9L")
                        if reply.startswith("250"):
                            smtp.received.append(b"".join(lines))
                        self.send(reply)
                    elif verb in (b"RSET", b"NOOP"):
                        self.send("250 2.0.0 Ok")
                    elif verb == b"QUIT":
                        self.send("221 2.0.0 Bye")
                        return
                    else:
                        self.send("502 5.5.2 Error: command not recognized")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.start()
