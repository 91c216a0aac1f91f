"""The enterprise IP profile page: an enterprise sees its own; staff, the joint office and banks (for
whitelisted or consenting enterprises) look one up by credit code. Anyone else gets a 404."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from portal.accounts.models import OrgKind
from whitelist.profile import SCORE_PARTS, enterprise_for_profile, enterprise_profile


@login_required
@require_GET
def profile_lookup(request):
    """An enterprise goes to its own profile; others type a credit code."""
    organisation = request.user.organisation
    code = (request.GET.get("uscc") or "").strip().upper()
    if code:
        return redirect("whitelist:profile_detail", uscc=code)
    if organisation is not None and organisation.kind == OrgKind.ENTERPRISE and organisation.uscc:
        return redirect("whitelist:profile_detail", uscc=organisation.uscc)
    return render(request, "whitelist/profile_lookup.html")


@login_required
@require_GET
def profile_detail(request, uscc: str):
    enterprise = enterprise_for_profile(user=request.user, uscc=uscc)
    profile = enterprise_profile(enterprise)
    return render(request, "whitelist/profile.html", {"profile": profile, "parts": SCORE_PARTS})
