"""The upload form of the batch upload of loan facts. It only takes the file; the service checks its
size and type and the run checks its rows."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LoanImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file of loan facts"),
        help_text=_("CSV (UTF-8 or GBK) or Excel workbook (.xlsx, the first sheet), one row per fact."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
