"""Smoke test of the run command: boot it, file one complaint, watch the worker route it.

Usage: python scripts/smoke_run.py [--port N] [--timeout S] [-- COMMAND ...]
(COMMAND defaults to `make run`). Standard library only, so it runs before or without
the virtualenv. Steps, each printed as it happens:
  1. start COMMAND in its own process group with PORT set;
  2. wait until /healthz answers 200;
  3. POST /api/v1/complaints/ (a damaged road in Kelurahan Dago, Kota Bandung);
  4. poll /api/v1/track/<public_token>/ until the status is "assigned" to an agency,
     which only the real Celery worker does;
  5. the channels: a signed WhatsApp text, location pin and KIRIM from one citizen, and
     a signed SMS-gateway message naming its kelurahan; for each, wait for the
     acknowledgment in the outbox (the log sender writes it to the log, with the
     tracking link) and then for the complaint to be assigned;
  6. send SIGINT to the process group, as Ctrl-C in a terminal does, and check that
     everything stopped within 20 s: the command, and every process it started.
Exit code 0 when all steps pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# scripts/ is this script's folder, hence on sys.path; send_sample is standard library only.
from send_sample import BUILDERS as sample_builders
from send_sample import post as post_sample

ROOT = Path(__file__).resolve().parent.parent
WILAYAH = ROOT / "data" / "wilayah" / "32.csv"
STOP_TIMEOUT = 20.0
# run.py announces each child as "started web (pid 123)"; the smoke checks they all end.
STARTED = re.compile(r"started (\w+) \(pid (\d+)\)")
# The log sender's line for an acknowledgment: who, and the tracking token in the link.
ACK = re.compile(
    r"Outbox \(log only, no \w+ credentials\) to (\S+): "
    r"Sigap: laporan \S+ diterima\. .*/lacak/([\w-]+)/"
)
# The run gets channel secrets of its own, so the smoke can sign what it posts.
SMOKE_SECRETS = {
    "WHATSAPP_APP_SECRET": "smoke-whatsapp-secret",
    "SMS_GATEWAY_TOKEN": "smoke-gateway-token",
}


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke  | {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def area_code(*, city: str, district: str, village: str) -> str:
    """The official code of `village` in `district` of `city`, read from data/wilayah/32.csv."""
    with WILAYAH.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def child(parent: str, name: str) -> str:
        # "32." -> a city such as "32.73": one dot more than the parent's code has.
        depth = parent.count(".")
        return next(
            row["code"]
            for row in rows
            if row["code"].startswith(parent) and row["code"].count(".") == depth
            if row["name"].casefold() == name.casefold()
        )

    return child(child(child("32.", city) + ".", district) + ".", village)


def request_json(
    method: str, url: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 URL)
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        raise SmokeFailure(f"{method} {url} answered {error.code}: {text[:500]}") from None


class Run:
    """The command under test, its output relayed and remembered."""

    def __init__(self, command: list[str], port: int) -> None:
        env = {**os.environ, **SMOKE_SECRETS, "PORT": str(port)}
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            process_group=0,
        )
        self.lines: list[str] = []
        self.relay = threading.Thread(target=self._relay, daemon=True)
        self.relay.start()

    def _relay(self) -> None:
        assert self.process.stdout is not None  # noqa: S101 (set by stdout=PIPE)
        for line in self.process.stdout:
            self.lines.append(line)
            sys.stdout.write(line)
            sys.stdout.flush()

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise SmokeFailure(f"the run command exited early with code {code}")

    def children(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for line in self.lines if (m := STARTED.search(line))}

    def kill_everything(self) -> None:
        """Last resort after a failure: no process of this run may outlive the smoke."""
        for pid in [self.process.pid, *self.children().values()]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        self.process.wait()


def wait_healthy(run: Run, base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.check_alive()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise SmokeFailure(f"{base}/healthz did not answer 200 within {timeout:.0f} s")


def submit_complaint(base: str, code: str) -> dict[str, Any]:
    body = {
        "text": "Jalan berlubang di depan SD Dago",
        "category": "jalan-rusak",
        "area_code": code,
    }
    status, answer = request_json("POST", f"{base}/api/v1/complaints/", body)
    missing = {"tracking_code", "tracking_url", "status", "public_token"} - answer.keys()
    if status != 201 or missing:
        raise SmokeFailure(f"POST /api/v1/complaints/ gave {status} {answer} (missing {missing})")
    return answer


def wait_assigned(run: Run, base: str, token: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    answer: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run.check_alive()
        _status, answer = request_json("GET", f"{base}/api/v1/track/{token}/")
        if answer.get("status") == "assigned" and answer.get("agency"):
            return answer
        time.sleep(1)
    raise SmokeFailure(f"not assigned within {timeout:.0f} s; last answer: {answer}")


def send_channel_message(base: str, channel: str, secret_name: str, **fields: str) -> None:
    sample = sample_builders[channel](base, SMOKE_SECRETS[secret_name], **fields)
    status, answer = post_sample(sample)
    if status != 200:
        raise SmokeFailure(f"POST {sample.url} answered {status}: {answer[:300]}")


def wait_acknowledged(run: Run, recipient: str, timeout: float) -> str:
    """The tracking token of the acknowledgment the outbox sent to `recipient`."""
    # The log senders mask a recipient to its last three characters (config/log_context.py).
    shown = {recipient, f"***{recipient[-3:]}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.check_alive()
        for line in list(run.lines):
            match = ACK.search(line)
            if match and match[1] in shown:
                return match[2]
        time.sleep(1)
    raise SmokeFailure(f"no acknowledgment to {recipient} in the outbox within {timeout:.0f} s")


def channels(run: Run, base: str, timeout: float) -> None:
    citizen = {"sender": "+6281366660004", "name": "Asep"}
    for fields in (
        {"text": "Pohon tumbang menutup jalan di Jl. Dago, mobil tidak bisa lewat"},
        {"text": "", "location": "-6.8915,107.6107"},
        {"text": "KIRIM"},
    ):
        send_channel_message(base, "whatsapp", "WHATSAPP_APP_SECRET", **citizen, **fields)
    say("WhatsApp: text, location pin and KIRIM posted, signed")
    sms = {"sender": "081288880003", "name": "", "location": ""}
    text = "LAPOR lampu jalan mati di Kel. Dago, Kec. Coblong sudah 3 malam"
    send_channel_message(base, "sms-gateway", "SMS_GATEWAY_TOKEN", text=text, **sms)
    say("SMS gateway: a report naming its kelurahan posted")
    for label, recipient in (("WhatsApp", "+6281366660004"), ("SMS", "+6281288880003")):
        token = wait_acknowledged(run, recipient, timeout)
        tracked = wait_assigned(run, base, token, timeout)
        say(f"{label}: acknowledged, then assigned to {tracked['agency']}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it has exited all the same.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def interrupt_and_wait(run: Run) -> None:
    children = run.children()
    if set(children) != {"web", "worker", "beat"}:
        raise SmokeFailure(f"expected web, worker and beat to be announced, saw {children}")
    os.killpg(run.process.pid, signal.SIGINT)
    try:
        code = run.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SmokeFailure(f"still running {STOP_TIMEOUT:.0f} s after SIGINT") from None
    run.relay.join(timeout=5)
    # make dies by the SIGINT it forwards to itself once its recipe ends (-2); run.py,
    # started directly, exits 0. Anything else means the stop was not clean.
    if code not in (0, -signal.SIGINT):
        raise SmokeFailure(f"the run command exited with {code} after SIGINT")
    if any("killing it" in line or "unexpectedly" in line for line in run.lines):
        raise SmokeFailure("a process had to be killed or died during the stop")
    survivors = {name: pid for name, pid in children.items() if pid_alive(pid)}
    if survivors:
        raise SmokeFailure(f"still running after the stop: {survivors}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--boot-timeout", type=float, default=300.0)
    parser.add_argument("--route-timeout", type=float, default=60.0)
    parser.add_argument("command", nargs="*", default=["make", "run"])
    args = parser.parse_args(argv)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    code = area_code(city="kota bandung", district="coblong", village="dago")

    say(f"starting `{' '.join(args.command)}` on port {port}")
    run = Run(args.command, port)
    try:
        wait_healthy(run, base, args.boot_timeout)
        say(f"{base}/healthz answers 200")
        created = submit_complaint(base, code)
        say(f"complaint {created['tracking_code']} filed (area {code}), status {created['status']}")
        tracked = wait_assigned(run, base, created["public_token"], args.route_timeout)
        say(f"the worker routed it: status {tracked['status']}, agency {tracked['agency']}")
        channels(run, base, args.route_timeout)
        say("sending SIGINT (Ctrl-C)")
        interrupt_and_wait(run)
    except SmokeFailure as failure:
        say(f"FAILED: {failure}")
        run.kill_everything()
        return 1
    say("the run command stopped cleanly; smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
