"""Optional HTTP-level run: gunicorn on 127.0.0.1 and wrk against it, for a bounded time.

Only with `run.py --http`, and only if Debian's `wrk` is installed (apt-get install wrk).
wrk and gunicorn share this machine's cores, so the numbers are a floor, not a capacity.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path) -> Iterator[str]:
    """A gunicorn on a free local port for the `with` block; yields its base URL."""
    port = _free_port()
    command = [
        str(GUNICORN),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--log-level=warning",
    ]
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
        try:
            _wait_for_port(port, server)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_port(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see its log")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening within 30 s")


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * UNITS[match[2]]


def wrk(url: str, *, seconds: int, headers: list[str], script: Path | None) -> dict[str, Any]:
    """One wrk run (1 thread, 4 connections); requests/s, latency percentiles, errors."""
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    percentiles = {p: _ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
        "p50": percentiles["50"],
        "p90": percentiles["90"],
        "p99": percentiles["99"],
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": errors[1] if errors else "",
    }


def measure_http(
    *, env: dict[str, str], fixtures: dict[str, Any], seconds: int, work_dir: Path
) -> list[dict[str, Any]]:
    """The public and staff endpoints through a real server, as rows for the report."""
    post_script = work_dir / "post.lua"
    body = json.dumps(fixtures["post_body"])
    # A Lua long string keeps the JSON's quotes and backslashes as they are.
    post_script.write_text(
        f'wrk.method = "POST"\nwrk.body = [==[{body}]==]\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    cases = [
        ("POST /api/v1/complaints/ (anonymous, JSON)", "/api/v1/complaints/", [], post_script),
        ("GET /api/v1/track/<token>/", f"/api/v1/track/{fixtures['token']}/", [], None),
    ]
    for username, session in fixtures["sessions"].items():
        cases.append(
            (
                f"GET /api/v1/complaints/?page_size=25 as {username}",
                "/api/v1/complaints/?page_size=25",
                [f"Cookie: sessionid={session}"],
                None,
            )
        )
    rows = []
    with gunicorn(env, workers=2, log=work_dir / "gunicorn.log") as base:
        for case, path, headers, script in cases:
            rows.append(
                {"case": case, **wrk(base + path, seconds=seconds, headers=headers, script=script)}
            )
    return rows
