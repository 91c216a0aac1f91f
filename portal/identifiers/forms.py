from django import forms
from django.utils.translation import gettext_lazy as _

from portal.identifiers.checks import IdentifierKind


class IdentifierCheckForm(forms.Form):
    """The checker page's query. The value itself is not validated here: checking it is the point."""

    kind = forms.ChoiceField(label=_("What to check"), choices=IdentifierKind.choices)
    # Not stripped, so the page shows back exactly what was typed; the check normalises it.
    value = forms.CharField(label=_("Code or number"), max_length=100, strip=False)
