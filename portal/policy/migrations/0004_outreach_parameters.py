"""Issue 9's numbers: the demand pool, satisfaction ratings and disposal auctions.

Only the callback (1 working day) and rectification (15 days) times come from the issue; no notice sets the
others, so every seeded year gets the domain.md defaults (§2.7-§2.9) marked as assumptions ([A]).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import migrations, models

DEFAULTS = {
    "demand_expiry_days": (180, "[A] domain.md §2.8：融资需求默认180天未对接即过期，可调整。"),
    "demand_claim_working_days": (
        10,
        "[A] 未见政策文件规定；银行认领需求后享有10个工作日的独家对接期，逾期未对接自动释放。",
    ),
    "rating_reminder_days": (7, "[A] 未见政策文件规定；邀请评价7天未答复时提醒一次。"),
    "rating_callback_working_days": (1, "[A] 差评（1-2分）须在1个工作日内回访（需求文件）。"),
    "rating_rectification_days": (15, "[A] 差评（1-2分）须在15日内完成整改（需求文件）。"),
    "auction_reserve_step": (
        Decimal("0.2000"),
        "[A] domain.md §2.7：流拍后保留价降低20%，参照司法拍卖惯例 [K]。",
    ),
    "auction_max_reductions": (2, "[A] domain.md §2.7：最多降价两次，参照司法拍卖惯例 [K]。"),
}


def add_source_notes(apps, schema_editor):
    PolicyParameterSet = apps.get_model("policy", "PolicyParameterSet")
    for parameter_set in PolicyParameterSet.objects.all():
        sources = dict(parameter_set.sources or {})
        for name, (_value, note) in DEFAULTS.items():
            sources.setdefault(name, note)
        parameter_set.sources = sources
        parameter_set.save(update_fields=["sources"])


def _days(name, verbose_name, help_text="", maximum=None):
    validators = [MinValueValidator(1)] if maximum is None else [MaxValueValidator(maximum)]
    return migrations.AddField(
        model_name="policyparameterset",
        name=name,
        field=models.PositiveSmallIntegerField(
            default=DEFAULTS[name][0], help_text=help_text, validators=validators, verbose_name=verbose_name
        ),
        preserve_default=False,
    )


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_loan_second_approval_above")]

    operations = [
        _days(
            "demand_expiry_days",
            "financing needs expire after (days)",
            "An open financing need nobody has served closes as expired after this many days.",
        ),
        _days(
            "demand_claim_working_days",
            "exclusive contact period of a claimed need (working days)",
            "A bank that claims a need has it to itself this long; unworked, the claim is released.",
        ),
        _days(
            "rating_reminder_days",
            "reminder to rate after (days)",
            "An invitation to rate still unanswered after this many days is reminded once.",
        ),
        _days("rating_callback_working_days", "callback after a bad rating within (working days)"),
        _days("rating_rectification_days", "rectification after a bad rating within (days)"),
        migrations.AddField(
            model_name="policyparameterset",
            name="auction_reserve_step",
            field=models.DecimalField(
                decimal_places=4,
                default=DEFAULTS["auction_reserve_step"][0],
                help_text="0.2000 lowers the reserve by a fifth of the previous round's reserve.",
                max_digits=5,
                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
                verbose_name="reserve price reduction after a failed auction round",
            ),
            preserve_default=False,
        ),
        _days(
            "auction_max_reductions",
            "most reserve reductions per auction",
            "After this many failed reduced rounds the auction ends unsold.",
            maximum=10,
        ),
        migrations.AddConstraint(
            model_name="policyparameterset",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("auction_reserve_step__gte", Decimal("0")), ("auction_reserve_step__lte", Decimal("1"))
                ),
                name="policy_set_auction_reserve_step_0_1",
                violation_error_message="Ratios and shares must lie between 0 and 1.",
            ),
        ),
        migrations.RunPython(add_source_notes, migrations.RunPython.noop),
    ]
