from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.help.figures import current_figures
from portal.help.guides import GUIDES, GUIDES_BY_SLUG


@require_GET
def index(request):
    """Where to start: the FAQ, one guide per role, the policy explainer and its parameters. Public."""
    return render(request, "help/index.html", {"guides": GUIDES})


@require_GET
def faq(request):
    """Questions enterprises and banks ask, answered from the policy with this year's figures. Public."""
    return render(request, "help/faq.html", {"figures": current_figures(), "guides": GUIDES})


@require_GET
def guide(request, role: str):
    """One role's work in the portal, step by step, with links to the pages where it is done. Public."""
    found = GUIDES_BY_SLUG.get(role)
    if found is None:
        raise Http404
    context = {"guide": found, "guides": GUIDES, "figures": current_figures()}
    return render(request, found.template, context)
