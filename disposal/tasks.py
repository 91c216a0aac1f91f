"""Thin Celery tasks of the disposal app (the beat entry "disposal-rounds-close" runs every 60 s)."""

from celery import shared_task

from disposal import auction
from portal.locks import single_run


@shared_task(name="disposal.tasks.close_due_rounds")
@single_run("disposal.tasks.close_due_rounds")
def close_due_rounds() -> int:
    """Close the auction rounds whose end has passed; safe to run twice or in two workers at once."""
    return auction.close_due_rounds()
