from decimal import Decimal

import pytest
from django.db import IntegrityError, models, transaction

from portal.policy.models import LprRate, ParameterChange, PolicyParameterSet, ServiceTime

pytestmark = pytest.mark.django_db

MONEY_AND_RATE_FIELDS = {
    PolicyParameterSet: [
        "interest_ratio",
        "lpr_markup",
        "interest_cap_per_enterprise",
        "interest_min_ip_share",
        "fee_ratio",
        "fee_cap_per_enterprise",
        "riskcomp_rate",
        "riskcomp_per_loan_cap",
        "riskcomp_min_ip_share",
        "riskcomp_per_institution_annual_cap",
        "riskcomp_fund_annual_budget",
    ],
    LprRate: ["one_year_pct", "five_year_pct"],
}


def test_every_money_and_rate_field_is_a_decimal_field():
    for model, names in MONEY_AND_RATE_FIELDS.items():
        for name in names:
            field = model._meta.get_field(name)
            assert isinstance(field, models.DecimalField), name
            if name.endswith(("_cap", "_budget", "_per_enterprise")):
                assert (field.max_digits, field.decimal_places) == (14, 2), name
            elif name.endswith("_pct"):
                assert (field.max_digits, field.decimal_places) == (5, 2), name
            else:
                assert (field.max_digits, field.decimal_places) == (5, 4), name


def test_no_float_field_anywhere_in_the_app():
    for model in (PolicyParameterSet, ServiceTime, LprRate, ParameterChange):
        assert not any(isinstance(field, models.FloatField) for field in model._meta.get_fields())


@pytest.mark.parametrize(
    "update",
    [
        {"interest_cap_per_enterprise": Decimal("-1.00")},
        {"fee_cap_per_enterprise": Decimal("-0.01")},
        {"riskcomp_per_loan_cap": Decimal("-100")},
        {"riskcomp_per_institution_annual_cap": Decimal("-1")},
        {"riskcomp_fund_annual_budget": Decimal("-1")},
        {"interest_ratio": Decimal("1.5")},
        {"riskcomp_min_ip_share": Decimal("-0.1")},
        {"whitelist_feedback_working_days": 0},
        {"riskcomp_claim_window_months": 0},
    ],
)
def test_database_rejects_out_of_range_values_even_via_queryset_update(update):
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyParameterSet.objects.filter(year=2026).update(**update)


def test_database_rejects_a_settlement_window_ending_before_it_starts():
    parameter_set = PolicyParameterSet.objects.get(year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyParameterSet.objects.filter(pk=parameter_set.pk).update(
            settlement_window_end=parameter_set.settlement_window_start.replace(year=2020)
        )


def test_database_rejects_a_duplicate_service_time_and_zero_days(set_2026):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTime.objects.create(
            parameter_set=set_2026,
            ip_kind="patent",
            channel="window",
            target="service_target",
            days=3,
            day_basis="working",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        set_2026.service_times.filter(ip_kind="patent", channel="online").update(days=0)


def test_database_rejects_a_negative_lpr():
    with pytest.raises(IntegrityError), transaction.atomic():
        LprRate.objects.filter(effective_date="2025-05-20").update(one_year_pct=Decimal("-0.10"))


def test_change_log_rows_cannot_be_edited_or_deleted_through_the_orm():
    change = ParameterChange.objects.first()
    change.new_value = "tampered"
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
    with pytest.raises(TypeError):
        ParameterChange.objects.filter(pk=change.pk).update(new_value="tampered")
    with pytest.raises(TypeError):
        ParameterChange.objects.all().delete()
    change.refresh_from_db()
    assert change.new_value != "tampered"


def test_parameter_set_with_history_cannot_be_deleted(set_2026):
    with pytest.raises(models.ProtectedError):
        set_2026.delete()
