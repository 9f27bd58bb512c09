"""Container health check: exit 0 when this container's /healthz answers 200, else 1.

Standard library only. It asks with a Host Django accepts (the first ALLOWED_HOSTS
entry) and says the request came over HTTPS, so SECURE_SSL_REDIRECT behind a TLS proxy
does not turn the answer into a redirect.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def host() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        entry = entry.strip()
        if entry and entry != "*" and not entry.startswith("."):
            return entry
    return "localhost"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
