"""The public risk compensation calculator (issue 7): any visitor enters a non-performing loan and its
participants and sees the calculation sheet (eligibility, loss, each base, the rate, the cap, the split in
fen) from the same formulas and parameters as the quote API."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from loans.models import ParticipantKind
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from riskcomp.calculations import Participant, Rules, quote
from riskcomp.calculator_forms import ParticipantFormSet, QuoteForm

TEMPLATE = "riskcomp/calculator.html"


@require_http_methods(["GET", "POST"])
def calculator(request):
    data = request.POST or None
    form = QuoteForm(data, initial={"year": timezone.localdate().year})
    participants = ParticipantFormSet(data, prefix="participant")
    context = {"form": form, "participants": participants}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    if not all([form.is_valid(), participants.is_valid()]):
        return render(request, TEMPLATE, context, status=400)
    try:
        parameters = parameter_set_for_year(form.cleaned_data["year"])
    except PolicyYearMissing as missing:
        form.add_error("year", str(missing))
        return render(request, TEMPLATE, context, status=400)
    rows = participants.filled()
    for index, row in enumerate(rows, start=1):
        row["label"] = row["ref"].strip() or str(index)
        row["kind_label"] = ParticipantKind(row["kind"]).label
    figures = form.cleaned_data
    result = quote(
        Rules.of(parameters),
        npl_principal=figures["npl_principal"],
        ip_share=figures["ip_share"],
        recovered=figures["recovered"],
        npl_on=figures["npl_on"],
        pledge_registered_on=figures["pledge_registered_on"],
        participants=[
            Participant(str(index), row["share"], row["dispersed"]) for index, row in enumerate(rows)
        ],
    )
    context.update(
        {
            "parameters": parameters,
            "result": result,
            "lines": [
                {**row, "base": payout.base, "payout": payout.payout}
                for row, payout in zip(rows, result.payouts, strict=False)
            ]
            if result.eligible
            else [{**row, "base": None, "payout": None} for row in rows],
        }
    )
    return render(request, TEMPLATE, context)
