from celery import shared_task

from portal.apiauth.services import tokens_prune
from portal.locks import single_run


@shared_task(name="portal.apiauth.tasks.prune_access_tokens")
@single_run("portal.apiauth.tasks.prune_access_tokens")
def prune_access_tokens() -> int:
    """Expired tokens can never be used again: drop them a day after expiry (safe to run twice)."""
    return tokens_prune()
