"""scripts/run.py (what `make run` starts): boots, answers /healthz, stops cleanly.

Each test starts the real command on the embedded default (SQLite and the filesystem
broker in a temporary SIGAP_VAR_DIR, a free port), as a newcomer's machine would.
"""

from __future__ import annotations

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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOT_TIMEOUT = 240.0
STOP_TIMEOUT = 20.0
STARTED = re.compile(r"started (\w+) \(pid (\d+)\)")
BANNER_END = "Press Ctrl-C to stop."

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (ROOT / "dispositions/management/commands/load_demo.py").exists(),
        reason="the run command loads the demo data; manage.py load_demo does not exist yet",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    """True while `pid` runs; an exited process waiting to be reaped counts as gone."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(") ", 1)[1][0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


class RunCommand:
    def __init__(self, var_dir: Path) -> None:
        self.port = _free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "PUBLIC_BASE_URL")
        }
        env.update(SIGAP_VAR_DIR=str(var_dir), PORT=str(self.port))
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        self.lines.extend(self.process.stdout)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def children(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for m in STARTED.finditer(self.output)}

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"run.py exited early ({self.process.returncode}):\n{self.output}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"/healthz did not answer within {BOOT_TIMEOUT:.0f} s:\n{self.output}")

    def wait_ready(self) -> None:
        """Wait for /healthz and then for the banner run.py prints once it saw it answer.

        The test's own /healthz poll may win the race against run.py's, so the banner (URL,
        logins, load_demo's summary) can come a moment later: wait on it, never on a sleep.
        """
        self.wait_healthy()
        deadline = time.monotonic() + BOOT_TIMEOUT
        while BANNER_END not in self.output:
            if self.process.poll() is not None:
                pytest.fail(
                    f"run.py exited before its banner ({self.process.returncode}):\n{self.output}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"no banner within {BOOT_TIMEOUT:.0f} s of /healthz:\n{self.output}")
            time.sleep(0.1)

    def wait_exit(self) -> int:
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run.py still running {STOP_TIMEOUT:.0f} s later:\n{self.output}")
        self.reader.join(timeout=5)
        return code

    def kill(self) -> None:
        for pid in [self.process.pid, *self.children().values()]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        self.process.wait()


@pytest.fixture
def start(tmp_path) -> Iterator[Callable[[], RunCommand]]:
    """Start the run command on this test's var directory; each call starts it again."""
    runs: list[RunCommand] = []

    def start_one() -> RunCommand:
        runs.append(RunCommand(tmp_path / "var"))
        return runs[-1]

    yield start_one
    for run in runs:
        if run.process.poll() is None or any(_alive(pid) for pid in run.children().values()):
            run.kill()


def _interrupt(run: RunCommand) -> int:
    os.killpg(run.process.pid, signal.SIGINT)
    return run.wait_exit()


def test_it_starts_web_worker_and_beat_and_stops_them_on_ctrl_c(start):
    run = start()
    run.wait_ready()
    assert f"Sigap is running at http://127.0.0.1:{run.port}/" in run.output
    assert "sigap-demo-2026" in run.output
    assert "operator" in run.output
    children = run.children()
    assert set(children) == {"web", "worker", "beat"}

    assert _interrupt(run) == 0, run.output
    assert "sigap  | stopped\n" in run.output
    assert not [name for name, pid in children.items() if _alive(pid)]


def test_it_reuses_the_database_and_the_demo_data_when_started_again(start):
    first = start()
    first.wait_ready()
    assert _interrupt(first) == 0, first.output

    second = start()
    second.wait_ready()
    assert _interrupt(second) == 0, second.output

    assert "No migrations to apply." in second.output
    assert "the database already has complaints; none added" in second.output
    assert "Users: 0 new" in second.output


def test_it_stops_the_others_and_fails_when_one_process_dies(start):
    run = start()
    run.wait_healthy()
    children = run.children()

    os.kill(children["worker"], signal.SIGKILL)

    assert run.wait_exit() == 1
    assert "worker exited unexpectedly" in run.output
    assert not [name for name, pid in children.items() if _alive(pid)]


def test_it_refuses_a_port_that_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "SIGAP_VAR_DIR": str(tmp_path), "PORT": str(port)}
        result = subprocess.run(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr
