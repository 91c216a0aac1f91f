"""The transactional outbox: work after a commit goes through ``enqueue`` (architecture.md, "Outbox")."""


def enqueue(task, *args, dedupe_key: str | None = None, **kwargs):
    """Queue ``task(*args, **kwargs)`` to run after the current transaction commits; see services.enqueue."""
    # Imported here: this package is imported while Django loads its apps, before models may be.
    from portal.outbox.services import enqueue as _enqueue

    return _enqueue(task, *args, dedupe_key=dedupe_key, **kwargs)
