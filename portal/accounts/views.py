from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.middleware import ACTING_SESSION_KEY
from portal.accounts.selectors import membership_list_for_user


class PortalLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_POST
def switch_acting_membership(request):
    """Act for another of the user's organisations (or roles) from now on in this session."""
    membership = membership_list_for_user(user=request.user).filter(pk=request.POST.get("membership")).first()
    if membership is None:
        messages.error(request, _("You have no such role."))
    else:
        request.session[ACTING_SESSION_KEY] = membership.pk
        messages.success(request, _("You now act for %(org)s.") % {"org": membership.organisation})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)
