"""Any change to the calendar, from the admin, a command or a service, invalidates every process's copy.

Bulk queryset writes (``update()``, ``bulk_create()``) send no signals; code using them must call
``services.calendar_cache_invalidate()`` itself.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.workdays.models import CalendarYear, SpecialDay
from portal.workdays.services import calendar_cache_invalidate


@receiver(post_save, sender=CalendarYear, dispatch_uid="workdays_calendaryear_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="workdays_calendaryear_deleted")
@receiver(post_save, sender=SpecialDay, dispatch_uid="workdays_specialday_saved")
@receiver(post_delete, sender=SpecialDay, dispatch_uid="workdays_specialday_deleted")
def calendar_changed(sender, **kwargs):
    calendar_cache_invalidate()
