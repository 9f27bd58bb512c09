"""`make run`: prepare the database, then supervise the web server, worker and beat.

The embedded default needs no services: SQLite in var/ and kombu's filesystem broker in
var/broker (both chosen by config/settings.py when DATABASE_URL and CELERY_BROKER_URL
are unset). Every child runs in its own process group, so Ctrl-C reaches this script
only; it then stops the children gracefully, and kills what is left after a timeout.
If one child dies, the others are stopped too and the exit code is non-zero.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_TIMEOUT = 15.0
HEALTH_TIMEOUT = 90.0
# Every queue a task may be routed to (STYLE.md: intake, notify, default); one embedded
# worker serves them all so nothing waits on a queue no process reads.
QUEUES = "default,intake,notify"

_print_lock = threading.Lock()


def emit(text: str, stream: IO[str] | None = None) -> None:
    """Write under one lock so lines of different children never interleave.

    A closed terminal or pipe (`make run | tee`, then Ctrl-C kills tee) must not stop this
    script before it has stopped its children, so write errors are dropped.
    """
    with _print_lock, contextlib.suppress(OSError, ValueError):
        target = stream or sys.stdout
        target.write(text)
        target.flush()


def say(message: str, stream: IO[str] | None = None) -> None:
    emit(f"sigap  | {message}\n", stream)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        # process_group=0: the terminal's Ctrl-C goes to this script alone, which then
        # stops the children in an order and with a timeout it controls.
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            process_group=0,
        )
        output = self.process.stdout
        threading.Thread(target=self._relay, args=(output,), daemon=True).start()
        say(f"started {self.name} (pid {self.process.pid})")

    def _relay(self, stream: IO[str]) -> None:
        # Read to the end even when nobody listens, so a child never blocks on a full pipe.
        for line in stream:
            emit(f"{self.name:<6} | {line}")

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        """Signal the child and anything it forked (gunicorn and Celery pool processes)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # A newcomer should see errors; a deployment sets DEBUG=0 explicitly.
    env.setdefault("DEBUG", "1")
    env.setdefault("PORT", "8000")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{env['PORT']}")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def port_from(env: dict[str, str]) -> int:
    raw = env["PORT"]
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"sigap  | PORT={raw!r} is not a TCP port number")
    return int(raw)


def ensure_port_free(port: int) -> None:
    # SO_REUSEADDR as gunicorn does, so a port in TIME_WAIT from the last run counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(
                f"sigap  | port {port} is already in use; stop the other server "
                f"or choose another port, e.g. PORT={port + 1} make run"
            ) from None


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run one manage.py command to completion; stop the whole run if it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=capture,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        if capture:
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
        raise SystemExit(f"sigap  | manage.py {' '.join(args)} failed (exit {result.returncode})")
    return result.stdout if capture else ""


def prepare(env: dict[str, str]) -> str:
    """Migrate, collect static files and load the demo data; returns load_demo's output."""
    say("applying database migrations")
    manage(env, "migrate", "--noinput", "-v", "1")
    say("collecting static files")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    say("loading the demo data (kept if already there)")
    demo = manage(env, "load_demo", capture=True)
    say("background complaints for the reports (once) and the report facts")
    manage(env, "report_demo")
    return demo


def children(port: int) -> list[Child]:
    celery = str(BIN / "celery")
    return [
        Child(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--threads=2",
                "--graceful-timeout=5",
                "--access-logfile=-",
                # Its default path in $HOME is shared by every gunicorn of the user.
                "--no-control-socket",
            ],
        ),
        Child(
            "worker",
            [
                celery,
                "-A",
                "config",
                "worker",
                f"--queues={QUEUES}",
                "--loglevel=INFO",
                "--concurrency=2",
                # No other workers to sync with in the embedded run; both cost startup time.
                "--without-mingle",
                "--without-gossip",
            ],
        ),
        Child("beat", [celery, "-A", "config", "beat", "--loglevel=INFO"]),
    ]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def banner(url: str, demo_output: str) -> None:
    rule = "=" * 72
    lines = [
        rule,
        f"Sigap is running at {url}/",
        f"  dashboard: {url}/dashboard/    API docs: {url}/api/docs/",
        "",
        *demo_output.rstrip().splitlines(),
        "",
        "Press Ctrl-C to stop.",
        rule,
    ]
    emit("\n".join(lines) + "\n")


def stop(procs: list[Child]) -> bool:
    """SIGTERM each child (a graceful stop for gunicorn and Celery), SIGKILL leftovers.

    The signal goes to each main process only: gunicorn and Celery stop their own
    workers, and a pool process killed under them is reported as a lost task. What a dead
    main process left behind gets SIGTERM directly. Returns True when every child
    stopped within STOP_TIMEOUT.
    """
    for child in procs:
        if child.process is None:
            continue
        if child.exit_code is None:
            child.process.send_signal(signal.SIGTERM)
        else:
            child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    clean = True
    for child in procs:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop within {STOP_TIMEOUT:.0f} s; killing it")
            child.signal_group(signal.SIGKILL)
            child.process.wait()
            clean = False
    return clean


class StopRequest:
    """Turns SIGINT/SIGTERM into a flag the main loop reads; a second signal kills at once."""

    def __init__(self, procs: list[Child]) -> None:
        self.procs = procs
        self.event = threading.Event()
        self.signum: int | None = None

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.event.is_set():
            for child in self.procs:
                child.signal_group(signal.SIGKILL)
            return
        self.signum = signum
        self.event.set()


def watch(procs: list[Child], port: int, request: StopRequest, on_ready: Callable[[], None]) -> int:
    """Wait for /healthz, then watch the children: 0 on a stop signal, 1 on a failure."""
    ready = False
    started = time.monotonic()
    while not request.event.wait(0.25):
        dead = next((c for c in procs if c.exit_code is not None), None)
        if dead is not None:
            say(
                f"{dead.name} exited unexpectedly (exit code {dead.exit_code}); "
                "stopping the others",
                sys.stderr,
            )
            return 1
        if not ready and healthy(port):
            ready = True
            on_ready()
        elif not ready and time.monotonic() - started > HEALTH_TIMEOUT:
            say(f"the web server did not answer /healthz within {HEALTH_TIMEOUT:.0f} s", sys.stderr)
            return 1
    name = signal.Signals(request.signum).name if request.signum else "a signal"
    say(f"{name} received; stopping web, worker and beat")
    return 0


def supervise(
    procs: list[Child], env: dict[str, str], port: int, on_ready: Callable[[], None]
) -> int:
    """Start the children and watch them; whatever ends the watch, stop them all."""
    request = StopRequest(procs)
    request.install()
    code = 1
    try:
        for child in procs:
            child.start(env)
        code = watch(procs, port, request, on_ready)
    finally:
        clean = stop(procs)
    if code != 0:
        return code
    say("stopped" if clean else "stopped (some processes had to be killed)")
    return 0 if clean else 1


def main() -> int:
    env = environment()
    port = port_from(env)
    ensure_port_free(port)
    demo_output = prepare(env)
    url = f"http://127.0.0.1:{port}"
    return supervise(children(port), env, port, on_ready=lambda: banner(url, demo_output))


if __name__ == "__main__":
    sys.exit(main())
