"""The partner API (/api/v1/partner/): other systems file complaints with an API key."""
