"""The upload form of partner departments' indicator files. It takes who reported the figures, the date
they describe, and the file; the service checks the file's size and type and the run checks its rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from whitelist.models import IndicatorImport


class IndicatorImportForm(forms.Form):
    source = forms.CharField(
        label=_("Reported by"),
        max_length=IndicatorImport._meta.get_field("source").max_length,
        help_text=_("The department the figures come from, e.g. 北京市科学技术委员会."),
    )
    as_of = forms.DateField(
        label=_("As of"),
        help_text=_("The date the figures describe (YYYY-MM-DD)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    file = forms.FileField(
        label=_("CSV or Excel file of indicators"),
        help_text=_("CSV (UTF-8 or GBK) or Excel workbook (.xlsx, the first sheet), one row per enterprise."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
