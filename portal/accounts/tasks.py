from celery import shared_task

from portal.accounts.onboarding import invitation_send_email


# smtplib's errors and connection failures are all OSError; the service's claim makes a second run a no-op.
@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_invitation_email(invitation_id: int) -> bool:
    return invitation_send_email(invitation_id=invitation_id)
