"""What the ratings app knows of each kind of case it invites ratings for, in one place.

Per kind: the case model and its event (history) model with the foreign key from event to case, the
statuses that count as closed for rating, who rates (the party served), who answers for it (the
responsible organisation and person), and the case's number, title and page.

Closed for rating: a registration registered or refused; a loan application whose offer was accepted or
that the bank declined; a subsidy application paid or rejected; a compensation claim paid or rejected. A
case withdrawn by its own party is not rated (nobody served them to the end), nor a loan application
withdrawn by the portal because the enterprise took another bank's offer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.apps import apps
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Membership, Organisation, OrgKind, Role
from ratings.models import SubjectKind


@dataclass(frozen=True)
class Responsible:
    organisation: Organisation | None
    user: object | None


@dataclass(frozen=True)
class Subject:
    kind: str
    model_label: str
    event_label: str
    event_fk: str  # the event model's foreign key to the case
    closing: frozenset[str]
    related: tuple[str, ...]
    rater_org: Callable[[Model], Organisation]
    responsible: Callable[[Model], Responsible]
    reference: Callable[[Model], str]
    title: Callable[[Model], str]
    url_name: str
    # When the case closed if its history has no closing event (recorded straight into the register).
    closed_fallback: Callable[[Model], datetime | None]

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)

    @property
    def event_model(self) -> type[Model]:
        return apps.get_model(self.event_label)

    def load(self, subject_id: int) -> Model | None:
        return self.model.objects.select_related(*self.related).filter(pk=subject_id).first()

    def url(self, subject_id: int) -> str:
        return reverse(self.url_name, args=[subject_id])


def _first_membership_org(user, role: str, kind: str) -> Organisation | None:
    if user is None:
        return None
    membership = (
        Membership.objects.filter(user=user, role=role, organisation__kind=kind, is_active=True)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def _moment(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(12)))
    return None


def _first_org_of_kind(kind: str) -> Organisation | None:
    return Organisation.objects.filter(kind=kind, is_active=True).order_by("pk").first()


def _registration_responsible(registration) -> Responsible:
    commissioner = registration.commissioner
    office = _first_membership_org(commissioner, Role.COMMISSIONER, OrgKind.REGISTRATION_OFFICE)
    return Responsible(office or _first_org_of_kind(OrgKind.REGISTRATION_OFFICE), commissioner)


def _bureau_responsible(case) -> Responsible:
    """The IP bureau whose reviewer took up the case (there is normally one bureau)."""
    reviewer = case.first_reviewer
    bureau = _first_membership_org(reviewer, Role.REVIEWER, OrgKind.IP_BUREAU)
    return Responsible(bureau or _first_org_of_kind(OrgKind.IP_BUREAU), reviewer)


SUBJECTS: dict[str, Subject] = {
    SubjectKind.REGISTRATION: Subject(
        kind=SubjectKind.REGISTRATION,
        model_label="pledges.PledgeRegistration",
        event_label="pledges.RegistrationEvent",
        event_fk="registration",
        closing=frozenset({"registered", "refused"}),
        related=("pledgor", "pledgee", "commissioner"),
        rater_org=lambda registration: registration.pledgor,
        responsible=_registration_responsible,
        reference=lambda registration: registration.reference,
        title=lambda registration: f"{registration.get_kind_display()} · {registration.pledgee.name}",
        url_name="pledges:registration_detail",
        closed_fallback=lambda registration: _moment(registration.completed_on or registration.updated_at),
    ),
    SubjectKind.LOAN_APPLICATION: Subject(
        kind=SubjectKind.LOAN_APPLICATION,
        model_label="loans.LoanApplication",
        event_label="loans.ApplicationEvent",
        event_fk="application",
        closing=frozenset({"accepted", "declined"}),
        related=("request", "request__enterprise", "product", "bank", "officer"),
        rater_org=lambda application: application.request.enterprise,
        responsible=lambda application: Responsible(application.bank, application.officer),
        reference=lambda application: application.request.reference,
        title=lambda application: f"{application.product.name} · {application.bank.name}",
        url_name="loans:application_detail",
        closed_fallback=lambda application: _moment(application.decided_at or application.updated_at),
    ),
    SubjectKind.SUBSIDY: Subject(
        kind=SubjectKind.SUBSIDY,
        model_label="subsidies.Application",
        event_label="subsidies.ApplicationEvent",
        event_fk="application",
        closing=frozenset({"paid", "rejected"}),
        related=("enterprise", "batch", "first_reviewer"),
        rater_org=lambda application: application.enterprise,
        responsible=_bureau_responsible,
        reference=lambda application: application.reference,
        title=lambda application: application.batch.title,
        url_name="subsidies:application-detail",
        closed_fallback=lambda application: _moment(
            application.paid_at or application.decided_at or application.updated_at
        ),
    ),
    SubjectKind.COMPENSATION: Subject(
        kind=SubjectKind.COMPENSATION,
        model_label="riskcomp.Claim",
        event_label="riskcomp.ClaimEvent",
        event_fk="claim",
        closing=frozenset({"paid", "rejected"}),
        related=("bank", "loan", "loan__enterprise", "first_reviewer"),
        rater_org=lambda claim: claim.bank,
        responsible=_bureau_responsible,
        reference=lambda claim: claim.reference,
        title=lambda claim: f"{claim.loan.reference} · {claim.loan.enterprise.name}",
        url_name="riskcomp:claim-detail",
        closed_fallback=lambda claim: _moment(claim.paid_on or claim.decided_at or claim.updated_at),
    ),
}


def subject_for(kind: str) -> Subject:
    return SUBJECTS[kind]


def subject_for_event_model(model: type[Model]) -> Subject | None:
    label = model._meta.label
    return next((subject for subject in SUBJECTS.values() if subject.event_label == label), None)


def case_url(invitation) -> str:
    return SUBJECTS[invitation.subject_kind].url(invitation.subject_id)
