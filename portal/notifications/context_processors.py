from django.utils.functional import SimpleLazyObject

from portal.notifications.selectors import unread_count


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: counted only when a template renders it (the header), at most once per response.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
