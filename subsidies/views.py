"""The policy calculator page (issue 6, public): any visitor enters loans and fees and sees each
subsidy, the cap, and the calculation sheet, from the same formulas as the quote API."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.policy.errors import LprMissing, PolicyYearMissing
from portal.policy.selectors import lpr_on, parameter_set_for_year
from subsidies.calculations import InterestRules, LoanFigures, fee_quote, interest_quote
from subsidies.forms import BatchYearForm, FeeFormSet, LoanFormSet


def _filled(formset) -> list[dict]:
    return [form.cleaned_data for form in formset if form.cleaned_data]


@require_http_methods(["GET", "POST"])
def calculator(request):
    data = request.POST or None
    year_form = BatchYearForm(data, initial={"batch_year": timezone.localdate().year})
    loans = LoanFormSet(data, prefix="loan")
    fees = FeeFormSet(data, prefix="fee")
    context = {"year_form": year_form, "loans": loans, "fees": fees}
    if request.method != "POST":
        return render(request, "subsidies/calculator.html", context)
    valid = all([year_form.is_valid(), loans.is_valid(), fees.is_valid()])
    parameters = None
    if valid:
        try:
            parameters = parameter_set_for_year(year_form.cleaned_data["batch_year"])
        except PolicyYearMissing as missing:
            year_form.add_error("batch_year", str(missing))
    figures = []
    if parameters is not None:
        for form in loans:
            if not form.cleaned_data:
                continue
            try:
                lpr = lpr_on(form.cleaned_data["disbursed_on"]).one_year_pct
            except LprMissing as missing:
                form.add_error("disbursed_on", str(missing))
                continue
            figures.append(
                LoanFigures(
                    **{**form.cleaned_data, "ref": form.cleaned_data["ref"] or str(len(figures) + 1)},
                    lpr_pct=lpr,
                )
            )
    if parameters is None or any(form.errors for form in loans):
        return render(request, "subsidies/calculator.html", context, status=400)
    if not figures and not _filled(fees):
        year_form.add_error(None, _("Enter at least one loan or one fee."))
        return render(request, "subsidies/calculator.html", context, status=400)
    context["parameters"] = parameters
    context["interest"] = interest_quote(InterestRules.of(parameters), figures) if figures else None
    if _filled(fees):
        total, capped = fee_quote(
            ratio=parameters.fee_ratio,
            cap=parameters.fee_cap_per_enterprise,
            insurance_eligible=parameters.fee_insurance_eligible,
            fees=[(fee["kind"], fee["amount"]) for fee in _filled(fees)],
        )
        context["fee"] = {"total": total, "cap_applied": capped, "rows": _filled(fees)}
    return render(request, "subsidies/calculator.html", context)
