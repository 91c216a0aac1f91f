"""Who sees what (subsidies/permissions.py): an enterprise only its own applications, the oversight roles
all of them, banks none (only the loan lines asked of them), drafts of batches hidden from the public."""

import pytest
from django.http import Http404

from portal.accounts.models import Role
from subsidies import applications as apps
from subsidies.batches import batch_create, batch_transition
from subsidies.models import BatchStatus
from subsidies.permissions import application_scope, batch_scope, confirmation_scope, get_in_scope
from tests.subsidies.factories import (
    batch_values,
    complete_details,
    entered_values,
    pdf,
    upload_required,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_user(make_user, other_enterprise):
    return make_user("other_ent", other_enterprise, Role.ENTERPRISE_USER)


@pytest.fixture
def two_applications(batch, enterprise_user, other_user):
    return (
        apps.application_open(batch=batch, actor=enterprise_user),
        apps.application_open(batch=batch, actor=other_user),
    )


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_an_enterprise_sees_only_its_own_applications(two_applications, enterprise_user, enterprise_admin):
    own, other = two_applications
    for user in (enterprise_user, enterprise_admin):
        assert _ids(application_scope(user)) == {own.pk}
        assert get_in_scope(application_scope(user), own.pk) == own
        with pytest.raises(Http404):
            get_in_scope(application_scope(user), other.pk)


def test_the_oversight_roles_see_every_application(
    two_applications, reviewer, promotion_officer, finance_officer, joint_office_viewer
):
    everything = {application.pk for application in two_applications}
    for user in (reviewer, promotion_officer, finance_officer, joint_office_viewer):
        assert _ids(application_scope(user)) == everything, user.role


def test_banks_and_outsiders_see_no_application(
    two_applications,
    outsider,
    bank_a_officer,
    bank_a_manager,
    bank_b_officer,
    guarantor_officer,
    commissioner,
    park_admin,
):
    own, other = two_applications
    for user in (bank_a_officer, bank_a_manager, bank_b_officer, guarantor_officer, commissioner, park_admin):
        assert not application_scope(user).exists(), user.role
    assert _ids(application_scope(outsider)) == {other.pk}  # its own enterprise's, never this one
    with pytest.raises(Http404):
        get_in_scope(application_scope(outsider), own.pk)


def test_an_outsider_sees_nothing_of_an_enterprise_without_applications(batch, enterprise_user, outsider):
    own = apps.application_open(batch=batch, actor=enterprise_user)
    assert not application_scope(outsider).exists()
    with pytest.raises(Http404):
        get_in_scope(application_scope(outsider), own.pk)


def _submit(application, user):
    complete_details(application, user)
    upload_required(application, user)
    return apps.application_submit(application=application, actor=user)


@pytest.fixture
def drafted_lines(batch, enterprise_user, other_user, bank_a, bank_a_branch, bank_b, settled_loan):
    """Lines entered for the branch, its head office and bank B, and a portal line of the branch, in
    two drafts (not asked of any bank yet)."""
    own = apps.application_open(batch=batch, actor=enterprise_user)
    branch = apps.loan_line_add_entered(
        application=own, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    head = apps.loan_line_add_entered(
        application=own,
        actor=enterprise_user,
        values=entered_values(bank_a, contract_number="ZH-2025-77"),
        evidence=pdf(),
    )
    portal = apps.loan_line_add_from_portal(application=own, loan=settled_loan, actor=enterprise_user)
    other = apps.application_open(batch=batch, actor=other_user)
    bank_b_line = apps.loan_line_add_entered(
        application=other,
        actor=other_user,
        values=entered_values(bank_b, contract_number="BJ-2025-5"),
        evidence=pdf(),
    )
    return {"branch": branch, "head": head, "portal": portal, "bank_b": bank_b_line}


@pytest.fixture
def lines(drafted_lines, enterprise_user, other_user):
    """The same lines once both applications are submitted: now asked of their banks."""
    _submit(drafted_lines["branch"].application, enterprise_user)
    _submit(drafted_lines["bank_b"].application, other_user)
    return drafted_lines


def test_a_drafts_lines_are_not_asked_of_any_bank_yet(
    drafted_lines, bank_a_officer, bank_a_manager, bank_b_officer
):
    for user in (bank_a_officer, bank_a_manager, bank_b_officer):
        assert not confirmation_scope(user).exists(), user.role


def test_a_branch_sees_only_the_lines_asked_of_it(lines, bank_a_officer):
    assert lines["portal"].bank_id == lines["branch"].bank_id  # same branch, but bank-reported facts
    assert _ids(confirmation_scope(bank_a_officer)) == {lines["branch"].pk}


def test_a_head_office_sees_its_whole_groups_lines(lines, bank_a_manager):
    assert _ids(confirmation_scope(bank_a_manager)) == {lines["branch"].pk, lines["head"].pk}


def test_another_bank_sees_only_its_own(lines, bank_b_officer):
    assert _ids(confirmation_scope(bank_b_officer)) == {lines["bank_b"].pk}
    with pytest.raises(Http404):
        get_in_scope(confirmation_scope(bank_b_officer), lines["branch"].pk)


def test_portal_sourced_lines_are_never_asked_of_a_bank(lines, bank_a_officer, bank_a_manager):
    for user in (bank_a_officer, bank_a_manager):
        assert lines["portal"].pk not in _ids(confirmation_scope(user))


def test_nobody_but_a_bank_has_confirmations(lines, enterprise_user, reviewer, finance_officer, outsider):
    for user in (enterprise_user, reviewer, finance_officer, outsider):
        assert not confirmation_scope(user).exists(), user.role


def test_a_confirmed_line_stays_in_the_banks_scope(lines, bank_a_officer):
    """The bank's list shows what it confirmed too (the history of what was asked of it)."""
    apps.line_confirm(line=lines["branch"], actor=bank_a_officer, confirmed=True)
    assert _ids(confirmation_scope(bank_a_officer)) == {lines["branch"].pk}


@pytest.fixture
def batches(reviewer):
    draft = batch_create(actor=reviewer, values=batch_values(title="2026 draft"))
    published = batch_transition(
        batch=batch_create(actor=reviewer, values=batch_values(title="2026 published")),
        actor=reviewer,
        to=BatchStatus.PUBLISHED,
    )
    archived = batch_transition(
        batch=batch_transition(
            batch=batch_create(actor=reviewer, values=batch_values(year=2025, title="2025 archived")),
            actor=reviewer,
            to=BatchStatus.PUBLISHED,
        ),
        actor=reviewer,
        to=BatchStatus.ARCHIVED,
    )
    return draft, published, archived


def test_drafts_are_hidden_from_enterprises_banks_and_outsiders(
    batches, enterprise_user, outsider, bank_a_officer, park_admin
):
    draft, published, archived = batches
    for user in (enterprise_user, outsider, bank_a_officer, park_admin):
        assert _ids(batch_scope(user)) == {published.pk, archived.pk}, user.role
        with pytest.raises(Http404):
            get_in_scope(batch_scope(user), draft.pk)


def test_the_bureaus_see_drafts(batches, reviewer, promotion_officer, finance_officer, joint_office_viewer):
    everything = {batch.pk for batch in batches}
    for user in (reviewer, promotion_officer, finance_officer, joint_office_viewer):
        assert _ids(batch_scope(user)) == everything, user.role


def test_anonymous_visitors_see_published_batches(batches):
    from django.contrib.auth.models import AnonymousUser

    _draft, published, archived = batches
    assert _ids(batch_scope(AnonymousUser())) == {published.pk, archived.pk}


# --- The admin: staff look things up, the services write -------------------------------------------------


def test_the_admin_shows_everything_and_changes_nothing(
    client, staff_admin, batch, settled_loan, enterprise_user, reviewer, second_reviewer, finance_officer
):
    from datetime import timedelta

    from django.contrib import admin
    from django.urls import reverse

    from subsidies import payments, review
    from subsidies.models import Application, ApplicationStatus, Batch
    from tests.subsidies.factories import proposed_application

    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity, application=application, name="李某", contact="13900001111", text="请核实"
    )
    payments.objection_resolve(objection=objection, actor=second_reviewer, upheld=False, resolution="不属实")
    payments.publicity_close_due(publicity.ends_on + timedelta(days=1))
    payments.payment_list_create(batch=batch, actor=finance_officer)
    client.force_login(staff_admin)
    models = [model for model in admin.site._registry if model._meta.app_label == "subsidies"]
    assert len(models) == 8
    for model in models:
        name = f"admin:subsidies_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"{name}_add")).status_code == 403, name
        instance = model.objects.first()
        assert instance is not None, name
        assert client.get(reverse(f"{name}_change", args=[instance.pk])).status_code == 200, name
        assert client.get(reverse(f"{name}_delete", args=[instance.pk])).status_code == 403, name
    # A forged change form writes no status and no money.
    url = reverse("admin:subsidies_application_change", args=[application.pk])
    client.post(url, {"status": ApplicationStatus.PAID, "approved_amount": "1.00"})
    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.PAYMENT_LISTED and application.approved_amount > 1
    client.post(reverse("admin:subsidies_batch_change", args=[batch.pk]), {"budget": "0", "reserved": "0"})
    assert Batch.objects.get(pk=batch.pk).reserved == application.approved_amount
