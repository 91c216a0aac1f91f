from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.notifications.selectors import notification_get_for_user, notification_list
from portal.notifications.services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 30


def _list_context(request) -> dict:
    unread_only = request.GET.get("unread") == "1"
    queryset = notification_list(user=request.user, filters={"unread": unread_only})
    # get_page tolerates a missing, non-numeric or out-of-range page number.
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "unread_only": unread_only}


@login_required
@require_GET
def inbox(request):
    # A history restore after a cache miss wants the whole page, although htmx sends it.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "notifications/_list.html" if partial else "notifications/inbox.html"
    response = render(request, template, _list_context(request))
    # One URL, two bodies: caches must keep the partial and the page apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = notification_get_for_user(user=request.user, pk=pk)
    notification_mark_read(notification=notification, actor=request.user)
    if request.htmx:
        return render(request, "notifications/_item.html", {"notification": notification, "oob_badge": True})
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = notification_mark_all_read(actor=request.user)
    if request.htmx:
        return render(request, "notifications/_list.html", _list_context(request))
    messages.success(
        request,
        ngettext("Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count)
        % {"count": count},
    )
    return redirect("notifications:inbox")
