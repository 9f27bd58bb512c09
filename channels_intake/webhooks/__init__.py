"""Provider webhooks: verify, store, enqueue, answer. Nothing else happens in the request.

One module per provider; each view checks its channel is configured (else 503), verifies
the provider's signature over the raw bytes (else 403), parses (else 400 with the reason)
and hands the messages to `common.store_all`, which commits them before anything else.
"""
