from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.workdays.forms import WORKING_DAYS, DueDateForm
from portal.workdays.services import add_calendar_days_rolled, add_working_days


@require_GET
def calculator(request):
    """The due-date calculator for browsers without JavaScript: a GET form, answered on the same page.

    Public like the API it mirrors (api-contract.md §2).
    """
    form = DueDateForm(request.GET or None)
    result = None
    if form.is_valid():
        compute = add_working_days if form.cleaned_data["mode"] == WORKING_DAYS else add_calendar_days_rolled
        result = compute(form.cleaned_data["start"], form.cleaned_data["n"])
    return render(request, "workdays/calculator.html", {"due_form": form, "due_result": result})
