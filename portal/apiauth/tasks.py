from celery import shared_task

from portal.apiauth.services import tokens_prune


@shared_task
def prune_access_tokens() -> int:
    """Expired tokens can never be used again: drop them a day after expiry (safe to run twice)."""
    return tokens_prune()
