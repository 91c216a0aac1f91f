from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.identifiers.checks import IdentifierKind, check_identifier
from portal.identifiers.forms import IdentifierCheckForm
from portal.identifiers.patent import PatentType
from portal.identifiers.result import CheckResult


def _facts(kind: str, result: CheckResult) -> list[tuple[str, str]]:
    if not result.valid or kind != IdentifierKind.PATENT:
        return []
    patent_type = result.details["patent_type"]
    return [
        (_("Patent type"), PatentType(patent_type).label if patent_type else _("Not stated by the number")),
        (_("Filing year"), str(result.details["filing_year"])),
    ]


@require_GET
def check(request):
    """The identifier checker without JavaScript: the form submits here and the result is rendered."""
    form = IdentifierCheckForm(request.GET or None)
    context = {
        "check_form": form,
        "check_kind": request.GET.get("kind", IdentifierKind.USCC),
        "check_value": request.GET.get("value", ""),
    }
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        result = check_identifier(kind=kind, value=form.cleaned_data["value"])
        context.update(check_result=result, check_facts=_facts(kind, result))
    return render(request, "identifiers/check.html", context)
