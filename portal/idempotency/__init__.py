"""Idempotent API writes (security.md check 31): a client's ``Idempotency-Key`` makes a retried write
return the first answer instead of doing the work twice."""
