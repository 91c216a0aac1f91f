"""The loans app's maker-checker threshold (issue 4), an assumption ([A]) like the other unsourced numbers:
no notice sets it, so every seeded year gets the same default and a source note saying so."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import migrations, models

DEFAULT = Decimal("3000000.00")
SOURCE = "[A] 未见政策文件规定；银行审批金额超过300万元时须由第二人复核（四眼原则），可按本行制度调整。"


def add_source_note(apps, schema_editor):
    PolicyParameterSet = apps.get_model("policy", "PolicyParameterSet")
    for parameter_set in PolicyParameterSet.objects.all():
        sources = dict(parameter_set.sources or {})
        sources.setdefault("loan_second_approval_above", SOURCE)
        parameter_set.sources = sources
        parameter_set.save(update_fields=["sources"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_seed_parameters_and_lpr")]

    operations = [
        migrations.AddField(
            model_name="policyparameterset",
            name="loan_second_approval_above",
            field=models.DecimalField(
                decimal_places=2,
                default=DEFAULT,
                help_text="A bank officer's approval of a larger amount waits for a second person at the bank.",
                max_digits=14,
                validators=[MinValueValidator(Decimal("0"))],
                verbose_name="loan approvals needing a second approver: above (yuan)",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(add_source_note, migrations.RunPython.noop),
    ]
