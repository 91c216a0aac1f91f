"""The 'Check before you start' page: a GET form whose answers, with the register, give the verdict."""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from loans.eligibility import Answers, AssetState, Outcome, eligibility_check
from pledges.models import ENTERPRISE_ROLES
from portal.accounts.models import OrgKind
from portal.audit.services import audit_record

_YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _yes_no_field(label):
    return forms.TypedChoiceField(
        label=label, choices=_YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect
    )


class EligibilityForm(forms.Form):
    for_beijing_operations = _yes_no_field(
        gettext_lazy("Is the loan for the enterprise's operations in Beijing?")
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount sought (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("999999999999.99"),
    )
    term_months = forms.IntegerField(
        label=gettext_lazy("Term sought (months)"),
        min_value=1,
        # Banks' IP-pledge loans run a few years at most; a longer term outlives most trademark terms.
        max_value=120,
    )
    guarantor_available = _yes_no_field(gettext_lazy("Can the enterprise offer a guarantor?"))
    combination_acceptable = _yes_no_field(
        gettext_lazy("Is a combination loan (IP with other collateral) acceptable?")
    )


def _is_enterprise_user(user) -> bool:
    organisation = user.organisation
    return (
        organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES
    )


_OUTCOME_TITLES = {
    Outcome.YES: gettext_lazy("Ready to apply"),
    Outcome.NOT_YET: gettext_lazy("Not yet: fix these first"),
    Outcome.NO: gettext_lazy("No: a loan through the portal is not possible"),
}


@login_required
@require_GET
def eligibility_check_view(request):
    if not _is_enterprise_user(request.user):
        raise PermissionDenied(_("The eligibility check is for enterprises."))
    submitted = any(name in request.GET for name in EligibilityForm.base_fields)
    form = EligibilityForm(request.GET if submitted else None)
    context = {"form": form, "verdict": None}
    status = 200
    if submitted and form.is_valid():
        verdict = eligibility_check(user=request.user, answers=Answers(**form.cleaned_data))
        audit_record(
            action="loans.eligibility_check",
            request=request,
            object_type="organisation",
            object_id=request.user.organisation.pk,
            details={
                "verdict": verdict.outcome,
                "reasons": verdict.reason_codes,
                "pledgeable_assets": len(verdict.pledgeable),
                "term_months": form.cleaned_data["term_months"],
            },
        )
        context.update(
            verdict=verdict,
            outcome_title=_OUTCOME_TITLES[verdict.outcome],
            steps=[
                {
                    "text": step.text,
                    "href": reverse(step.url_name, args=step.url_args) if step.url_name else "",
                }
                for step in verdict.next_steps
            ],
            asset_rows=sorted(
                verdict.assets,
                key=lambda item: [AssetState.PLEDGEABLE, AssetState.FIXABLE, AssetState.UNUSABLE].index(
                    item.state
                ),
            ),
        )
    elif submitted:
        status = 400
    return render(request, "loans/eligibility/check.html", context, status=status)
