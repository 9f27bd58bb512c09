"""Sigap's public and staff REST API, version 1: serializers, filters, views and routes."""
