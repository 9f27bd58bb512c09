"""InboundMessage.provider: which provider stored a message, so parsing never guesses.

Existing rows are filled from their channel where it names one provider; SMS rows (Twilio
or a gateway) by the headers each webhook stores, else by the body's shape, once, here.
"""

from django.db import migrations, models

BY_CHANNEL = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "twitter": "x",
    "facebook": "meta",
    "instagram": "meta",
    "email": "email",
    "api": "partner",
    "hotline": "desk",
    "walk_in": "desk",
}


def sms_provider(headers, body):
    if "X-Twilio-Signature" in (headers or {}):
        return "twilio"
    if "X-Method" in (headers or {}):
        return "sms_gateway"
    return "sms_gateway" if bytes(body).lstrip()[:1] == b"{" else "twilio"


def backfill(apps, schema_editor):
    InboundMessage = apps.get_model("channels_intake", "InboundMessage")
    for channel, provider in BY_CHANNEL.items():
        InboundMessage.objects.filter(channel=channel, provider="").update(provider=provider)
    rows = InboundMessage.objects.filter(channel="sms", provider="").only("headers", "body")
    for row in rows.iterator(chunk_size=500):
        row.provider = sms_provider(row.headers, row.body)
        row.save(update_fields=["provider"])


class Migration(migrations.Migration):
    dependencies = [("channels_intake", "0004_partner_key_scopes_and_rate")]

    operations = [
        migrations.AddField(
            model_name="inboundmessage",
            name="provider",
            field=models.CharField(blank=True, max_length=20, verbose_name="provider"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
