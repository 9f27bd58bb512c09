"""Providers: one folder each, listed in registry.py (docs/channels/README.md)."""
