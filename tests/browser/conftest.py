"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Reusable fixtures:
- `browser`: a `BrowserSession` with `new_page(mobile=..., javascript=...)`,
  `login(page, username=...)` through the real /login/ page, and `screenshot(page, name)`
  into test-artifacts/ (gitignored; look at the pictures).
- `chromium`: the launched Playwright browser, one per test session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told the code is in fact synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@dataclass
class BrowserSession:
    """Opens pages on the live server; closes them all when the test ends."""

    chromium: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    # Uncaught JavaScript errors of every page opened, as "url: message".
    js_errors: list[str] = field(default_factory=list)
    # Content-Security-Policy refusals of every page opened, as "url: message".
    csp_violations: list[str] = field(default_factory=list)

    def new_page(
        self, *, mobile: bool = True, javascript: bool = True, locale: str = "id-ID"
    ) -> Page:
        """A fresh page (own cookies) on a phone-sized or desktop screen."""
        context = self.chromium.new_context(
            base_url=self.base_url,
            viewport=PHONE_VIEWPORT if mobile else DESKTOP_VIEWPORT,
            device_scale_factor=2 if mobile else 1,
            is_mobile=mobile,
            has_touch=mobile,
            java_script_enabled=javascript,
            locale=locale,
            timezone_id="Asia/Jakarta",
        )
        context.set_default_timeout(10_000)
        # Nothing may leave the machine: map tiles and any stray URL are answered locally.
        context.route(
            lambda url: not url.startswith(self.base_url),
            lambda route: route.fulfill(status=204, body=""),
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.js_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._csp_violation(page, message.text))
        return page

    def _csp_violation(self, page: Page, text: str) -> None:
        """Chromium reports each Content-Security-Policy refusal on the console."""
        if "Content Security Policy" in text:
            self.csp_violations.append(f"{page.url}: {text}")

    def login(self, page: Page, *, username: str, password: str = PASSWORD) -> None:
        """Log in through the real /login/ form and wait until it lets us in."""
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.get_by_role("button", name="Masuk", exact=True).click()
        if "/login/" in page.url:
            raise AssertionError(f"login as {username!r} failed: still on {page.url}")

    def screenshot(self, page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium: Browser, live_server, transactional_db) -> Iterator[BrowserSession]:
    session = BrowserSession(chromium=chromium, base_url=live_server.url)
    yield session
    session.close()
