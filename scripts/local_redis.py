"""A private redis-server on a free port, for the tests and benchmarks that start real processes.

Never the machine's own Redis: each caller gets a fresh server on 127.0.0.1 with no
persistence (a restart comes back empty, as after losing its data). Used by
tests/processes.py (the Redis outage and chaos tests) and benchmarks/load/run.py.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_installed() -> bool:
    return Path(REDIS_SERVER).exists()


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_argv(*, port: int, directory: Path) -> list[str]:
    """The command line of a throwaway redis-server: loopback only, nothing saved."""
    return [
        REDIS_SERVER,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    ]


def redis_answers(port: int) -> bool:
    """True once the server on `port` answers PING (a raw socket: no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
