"""The financing case pages (issue 11): every case the user may open, newest first, and one case from the
first coaching question to the last recovery, each part read through its own app's scope."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loans.selectors import case_get_for_user, case_scope
from portal.case_file import case_stages
from portal.timeline import collect_timeline

PAGE_SIZE = 25


@login_required
@require_GET
def case_list_view(request):
    cases = case_scope(user=request.user).select_related("enterprise")
    # Keyset pagination over "-id", as the loan list: no COUNT over a scope that may span every case.
    after = request.GET.get("after", "")
    if after.isdigit():
        cases = cases.filter(pk__lt=int(after))
    rows = list(cases.order_by("-id")[: PAGE_SIZE + 1])
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return render(
        request,
        "loans/cases/list.html",
        {"cases": rows[:PAGE_SIZE], "next_after": next_after, "first_page": not after},
    )


@login_required
@require_GET
def case_detail_view(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    stages = case_stages(case, request.user)
    urls = {item.url for stage in stages for item in stage.items}
    # What happens next, as the enterprise's home says it, for this case's parts only (the timeline hooks
    # answer the enterprise's own users; anyone else sees the parts and who handles them).
    next_steps = [
        step for step in collect_timeline(case.enterprise, request.user).next_steps if step.url in urls
    ]
    return render(
        request,
        "loans/cases/detail.html",
        {
            "case": case,
            "stages": stages,
            "current": next((stage for stage in stages if stage.current), None),
            "next_steps": next_steps,
        },
    )
