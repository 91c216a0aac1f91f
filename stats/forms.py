from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import District, Industry, Organisation, OrgKind, Park
from portal.policy.models import IpKind
from stats.dims import Dim, Filters, Period, PeriodError, grain_allowed
from stats.permissions import Scope

TOO_MANY = _(
    "The figures can be cut by one filter, or by two of these: district and bank, district and IP kind, bank "
    "and IP kind, bank and industry, IP kind and industry (a park on its own). Clear a filter to go on."
)


def period_choices(today: date, years: int = 4) -> list[tuple[str, str]]:
    """This year and the three before, each with its quarters and months (the newest first)."""
    choices = []
    for year in range(today.year, today.year - years, -1):
        group = [(str(year), _("Year %(year)s") % {"year": year})]
        for quarter in range(4, 0, -1):
            if (year, 3 * quarter - 2) <= (today.year, today.month):
                group.append((f"{year}-Q{quarter}", f"{year} Q{quarter}"))
        for month in range(12, 0, -1):
            if (year, month) <= (today.year, today.month):
                group.append((f"{year}-{month:02d}", f"{year}-{month:02d}"))
        choices.append((str(year), group))
    return choices


class FilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    district = forms.ChoiceField(label=_("District"), required=False)
    park = forms.TypedChoiceField(label=_("Park"), required=False, coerce=int, empty_value=0)
    bank = forms.TypedChoiceField(label=_("Bank"), required=False, coerce=int, empty_value=0)
    ip_kind = forms.ChoiceField(label=_("IP kind"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)

    def __init__(self, data, *, scope: Scope, today: date | None = None):
        today = today or timezone.localdate()
        data = data.copy() if data is not None else {}
        data.setdefault("period", str(today.year))
        super().__init__(data)
        self.scope = scope
        every = [("", _("All"))]
        self.fields["period"].choices = period_choices(today)
        self.fields["district"].choices = every + list(District.choices)
        parks = Park.objects.filter(is_active=True)
        for dim, value in scope.forced:
            if dim == Dim.DISTRICT:
                parks = parks.filter(district=value)
        self.fields["park"].choices = every + [(p.pk, str(p)) for p in parks]
        banks = Organisation.objects.filter(kind=OrgKind.BANK, parent__isnull=True, is_active=True).order_by(
            "name"
        )
        self.fields["bank"].choices = every + [(b.pk, b.name) for b in banks]
        self.fields["ip_kind"].choices = every + list(IpKind.choices)
        self.fields["industry"].choices = every + list(Industry.choices)
        for dim, _value in scope.forced:
            # The scope decides these; the form neither offers nor reads them.
            del self.fields[{Dim.DISTRICT: "district", Dim.BANK: "bank"}[dim]]

    def clean(self):
        data = super().clean()
        try:
            data["period_value"] = Period.parse(data.get("period", ""))
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        filters = self.scope.apply(self._filters(data))
        if not grain_allowed(filters.grain):
            raise forms.ValidationError(TOO_MANY)
        data["filters"] = filters
        return data

    @staticmethod
    def _filters(data) -> Filters:
        return Filters(
            district=data.get("district") or "",
            park=data.get("park") or 0,
            bank=data.get("bank") or 0,
            ip_kind=data.get("ip_kind") or "",
            industry=data.get("industry") or "",
        )
