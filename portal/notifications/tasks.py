from celery import shared_task

from portal.notifications.services import notification_send_email


# smtplib's errors and connection failures are all OSError. The backoff ceiling stays far below the
# Redis visibility timeout (settings), or a waiting retry would be redelivered in a loop.
@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id=notification_id)
