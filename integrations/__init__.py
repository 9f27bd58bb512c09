"""Sigap speaking other systems' standards: Open311 GeoReport v2, SP4N-LAPOR!, webhooks."""
