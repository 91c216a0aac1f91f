from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "celery:heartbeat:{source}"


@shared_task(ignore_result=True)
def heartbeat(source: str = "beat") -> None:
    """Record that a worker ran a task just now; /healthz reports how long ago (safe to run twice)."""
    cache.set(HEARTBEAT_KEY.format(source=source), timezone.now().isoformat(), timeout=24 * 60 * 60)
