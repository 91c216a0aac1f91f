"""Mass assignment (security.md check 8; ASVS 15.3.3, 8.2.3; API3:2023): a write body's extra fields
(``status``, ``bank``/``bank_id``, reviewer-decided figures, ``approved_by``/``decided_by``, ``is_staff``,
organisation ids) are ignored or refused, and no serializer or model form takes a model's fields wholesale.

The loan and registration APIs have their own tests of this (tests/loans/test_loan_api.py,
tests/pledges/test_api_registrations.py); this module walks every serializer and form, and covers the
whitelist API's writes and a bank's page form.
"""

import importlib
import inspect
import pkgutil
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.forms.models import model_to_dict
from django.utils.timezone import localdate
from rest_framework import serializers

from loans.models import ProductStatus
from portal.accounts.models import Role
from tests.loans.products_factory import make_product, product_fields

# The project's own top-level packages, from the installed apps (a new app is walked without editing this).
APPS = tuple(
    sorted(
        {
            config.name.split(".")[0]
            for config in django_apps.get_app_configs()
            if Path(config.path).is_relative_to(settings.BASE_DIR)
            and "site-packages" not in Path(config.path).parts  # a virtualenv inside the project
        }
    )
)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _project_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def _project_classes(base):
    seen = set()
    for module in _project_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__.split(".")[0] in APPS and cls not in seen:
                seen.add(cls)
                yield cls


def test_no_serializer_takes_a_models_fields_wholesale():
    found = list(_project_classes(serializers.BaseSerializer))
    assert len(found) > 20, "the walk found too few serializers: is an app missing from APPS?"
    offenders = []
    for cls in found:
        meta = getattr(cls, "Meta", None)
        if meta is None:
            continue
        if getattr(meta, "fields", None) == serializers.ALL_FIELDS or hasattr(meta, "exclude"):
            offenders.append(f"{cls.__module__}.{cls.__qualname__}")
        if issubclass(cls, serializers.ModelSerializer) and not getattr(meta, "fields", None):
            offenders.append(f"{cls.__module__}.{cls.__qualname__} (no explicit fields)")
    assert not offenders, f'serializers must list their fields, never "__all__" or exclude: {offenders}'


def test_no_model_form_takes_a_models_fields_wholesale():
    """Pages are the other write surface: a ModelForm with "__all__" would bind status, bank or amounts."""
    offenders = []
    for cls in _project_classes(forms.ModelForm):
        meta = getattr(cls, "Meta", None)
        if meta is not None and (
            getattr(meta, "fields", None) == "__all__" or getattr(meta, "exclude", None)
        ):
            if cls.__module__.endswith(".admin"):
                continue  # the back office is staff's, by design
            offenders.append(f"{cls.__module__}.{cls.__qualname__}")
    assert not offenders, f'model forms must list their fields, never "__all__" or exclude: {offenders}'


# --- The whitelist API's writes ------------------------------------------------------------------------


def _post(client, url, body):
    return client.post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **EN
    )


@pytest.mark.django_db
def test_a_recommendation_ignores_bank_status_and_decision_fields(
    client, bank_a_officer, bank_a_branch, bank_b, reviewer, other_enterprise
):
    from whitelist.models import Recommendation

    client.force_login(bank_a_officer)
    response = _post(
        client,
        "/api/v1/whitelist/recommendations/",
        {
            "enterprise_uscc": other_enterprise.uscc,
            "reason": "专利质量高",
            # none of these is the caller's to set
            "bank": bank_b.pk,
            "bank_id": bank_b.pk,
            "status": "accepted",
            "decided_by": reviewer.pk,
            "decision_reason": "ok",
            "created_by": reviewer.pk,
            "enterprise": 1,
            "is_staff": True,
        },
    )
    assert response.status_code == 201, response.content
    recommendation = Recommendation.objects.get()
    assert recommendation.bank_id in (bank_a_branch.pk, bank_a_branch.parent_id)
    assert recommendation.status == Recommendation._meta.get_field("status").default
    assert (recommendation.decided_by, recommendation.decided_at, recommendation.decision_reason) == (
        None,
        None,
        "",
    )
    assert recommendation.created_by == bank_a_officer
    assert recommendation.enterprise == other_enterprise
    bank_a_officer.refresh_from_db()
    assert not bank_a_officer.is_staff


# --- A bank's page form ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_editing_a_draft_product_ignores_bank_status_and_author(
    client, bank_a_officer, bank_a_manager, bank_b
):
    product = make_product(author=bank_a_officer)
    before = model_to_dict(product)
    client.force_login(bank_a_officer)
    body = product_fields(name="智权贷二期", valid_from=localdate() - timedelta(days=1))
    body.update(
        {
            "bank": bank_b.pk,
            "bank_id": bank_b.pk,
            "status": ProductStatus.PUBLISHED,
            "created_by": bank_a_manager.pk,
            "published_by": bank_a_manager.pk,
            "valid_until": localdate() + timedelta(days=365),
        }
    )
    body = {key: ("" if value is None else value) for key, value in body.items()}
    response = client.post(f"/loans/bank/products/{product.pk}/edit/", body, **EN)
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    after = model_to_dict(product)
    assert after["name"] == "智权贷二期"  # the form's own field did change
    assert (after["bank"], after["status"]) == (before["bank"], ProductStatus.DRAFT)
    for name in ("created_by", "published_by", "approved_by"):
        if name in before:
            assert after[name] == before[name], name


@pytest.mark.django_db
def test_a_role_cannot_be_granted_through_a_write_body(client, bank_a_officer):
    """The acting-organisation switch takes a membership id only; a role or staff flag in the body is
    not read (role grants go through the staff back office)."""
    client.force_login(bank_a_officer)
    client.post("/accounts/acting/", {"role": Role.REVIEWER, "is_staff": "on", "is_superuser": "on"}, **EN)
    bank_a_officer.refresh_from_db()
    assert (bank_a_officer.is_staff, bank_a_officer.is_superuser, bank_a_officer.role) == (
        False,
        False,
        Role.BANK_OFFICER,
    )


# --- An enterprise's subsidy application ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_enterprise_cannot_set_its_own_subsidy_amount_status_or_owner(
    client, enterprise_user, other_enterprise, reviewer
):
    from subsidies import applications
    from tests.subsidies.factories import make_batch

    application = applications.application_open(batch=make_batch(reviewer), actor=enterprise_user)
    before = model_to_dict(application)
    client.force_login(enterprise_user)
    body = {
        "contact_name": "张经理",
        "contact_phone": "13800138000",
        "bank_account_name": application.enterprise.name,
        "bank_account_bank": "中国银行北京海淀支行",
        "bank_account_number": "6216 6100 0001 2345 678",
        # the reviewers' and the system's, never the applicant's
        "status": "approved",
        "interest_amount": "999999.00",
        "fee_amount": "888888.00",
        "approved_amount": "999999.00",
        "enterprise": other_enterprise.pk,
        "enterprise_id": other_enterprise.pk,
        "reviewed_by": reviewer.pk,
        "approved_by": reviewer.pk,
    }
    response = client.post(f"/subsidies/applications/{application.pk}/details/", body, **EN)
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    after = model_to_dict(application)
    assert after["contact_phone"] == "13800138000"  # the form's own field did change
    unchanged = {"status", "enterprise", "batch", "interest_amount", "fee_amount", "calculated"}
    unchanged |= {name for name in before if name.endswith(("_by", "_amount", "_at"))} - {"updated_at"}
    changed = sorted(name for name in unchanged if name in before and after[name] != before[name])
    assert not changed, changed
