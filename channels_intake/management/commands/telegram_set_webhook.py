"""Point the Telegram bot at this deployment: setWebhook with our URL and secret token."""

from __future__ import annotations

import re
import urllib.error
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from channels_intake.providers.telegram.sender import api_call, describe, redact

# Only what becomes a complaint or answers one; channel posts, joins and polls never come.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# What Telegram accepts as secret_token (setWebhook documentation).
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Command(BaseCommand):
    help = (
        "Register PUBLIC_BASE_URL + /webhooks/telegram/ as the bot's webhook, with "
        "TELEGRAM_SECRET_TOKEN as the secret every delivery must carry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--drop-pending-updates",
            action="store_true",
            help="Discard the updates Telegram queued while no webhook answered.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = settings.TELEGRAM_BOT_TOKEN
        secret = settings.TELEGRAM_SECRET_TOKEN
        if not token or not secret:
            raise CommandError("Set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN first.")
        if not _SECRET.fullmatch(secret):
            raise CommandError(
                "TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )
        url = settings.PUBLIC_BASE_URL + reverse("channels_intake:telegram")
        if not url.startswith("https://"):
            # Telegram refuses anything else; say so before asking it.
            raise CommandError(f"Telegram needs an https:// webhook; PUBLIC_BASE_URL gives {url}")
        payload = {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES}
        if options["drop_pending_updates"]:
            payload["drop_pending_updates"] = True
        try:
            status, answer = api_call(
                api_base=settings.TELEGRAM_API_BASE,
                token=token,
                method="setWebhook",
                payload=payload,
            )
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise CommandError(redact(f"Telegram could not be reached: {error}", token)) from None
        if not (answer.get("ok") is True and 200 <= status < 300):
            raise CommandError(redact(f"setWebhook failed: {describe(status, answer)}", token))
        self.stdout.write(
            self.style.SUCCESS(f"Webhook set to {url}: {answer.get('description', 'ok')}")
        )
