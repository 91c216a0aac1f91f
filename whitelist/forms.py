"""Forms of the whitelist pages (rules, screening runs, consent). They parse and type the input; the rules
(who may, which status) live in ``whitelist.services`` and come back as field errors."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from whitelist.models import ConsentStatus, RuleSet
from whitelist.services import RULE_FIELDS

REASON_MAX = 500


class RuleSetForm(forms.Form):
    """Every editable field of a rule set, labelled as the model labels it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(RuleSet, fields=RULE_FIELDS))
        self.fields["explanation"].widget.attrs["rows"] = 5
        # The database refuses a percentage outside 0..100; say so on the field instead of failing there.
        self.fields["min_rd_ratio_pct"] = forms.DecimalField(
            label=RuleSet._meta.get_field("min_rd_ratio_pct").verbose_name,
            min_value=0,
            max_value=100,
            max_digits=5,
            decimal_places=2,
            required=False,
            help_text=_("Leave empty for no minimum."),
        )
        for name in ("min_revenue_band", "min_credit_rating"):
            self.fields[name].choices = [("", _("No minimum")), *list(self.fields[name].choices)[1:]]


class RuleActivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "activate_%s")
        super().__init__(*args, **kwargs)


class CandidateFilterForm(forms.Form):
    """The run page's GET filter; a bad value is an error shown on the page."""

    PASSED, NOT_PASSED = "passed", "not_passed"

    result = forms.ChoiceField(
        label=_("Show"),
        choices=[
            ("", _("All enterprises")),
            (PASSED, _("Candidates (meet every rule)")),
            (NOT_PASSED, _("Not passed")),
        ],
        required=False,
    )


class ConsentForm(forms.Form):
    """Give (``granted``) or withdraw (``withdrawn``) the enterprise's consent; a withdrawal may say why."""

    to = forms.ChoiceField(choices=ConsentStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
