"""Demo satisfaction ratings for `manage.py seed_demo`, made through the ratings services by the people who
would do it; runs after the pledges, loans, subsidies and riskcomp demos.

Every closed demo case gets its invitation (the registrations those demos recorded straight into the
register have no history, so the signal never saw them close). Two registrations of 北京智芯微电子科技有限公司
(demo_enterprise), handled by demo_commissioner, are recorded here the same way: one is rated 5 by
demo_enterprise_admin, the other waits for demo_enterprise's rating. Then: 北京怀柔新材料研究院有限公司
(demo_enterprise_7) rates its paid subsidy 5 and its registration 4; 北京银行中关村分行 (demo_bank_officer)
rates its paid compensation claim 5; 北京星图智能科技有限公司 (demo_enterprise_3) rates its registration 2
with a comment, the registration office's supervisor (demo_supervisor) records the callback, and the
rectification stays open.

Idempotent: nothing more is rated once any rating exists; invitations are unique per case.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pledges.models import PledgeRegistration, RegistrationKind, Status
from pledges.services.workflow import next_reference
from portal.accounts.models import Organisation, User
from portal.policy.models import Channel, IpKind
from ratings import services
from ratings.models import FollowUpKind, Invitation, Rating, SubjectKind
from ratings.subjects import SUBJECTS

ENTERPRISE = "北京智芯微电子科技有限公司"
BANK = "北京银行中关村分行"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _registration(enterprise, bank, commissioner, days_ago: int, notice: str) -> PledgeRegistration:
    today = timezone.localdate()
    registered_on = today - timedelta(days=days_ago)
    return PledgeRegistration.objects.create(
        reference=next_reference(year=today.year),
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.WINDOW,
        status=Status.REGISTERED,
        pledgor=enterprise,
        pledgee=bank,
        debt_amount=Decimal("3000000.00"),
        debt_start=registered_on,
        debt_end=registered_on + timedelta(days=364),
        commissioner=commissioner,
        completed_on=registered_on,
        registered_on=registered_on,
        breached=False,
        notice_number=notice,
        created_by=commissioner,
    )


def _invite_all_closed() -> int:
    opened = 0
    for kind, subject in SUBJECTS.items():
        for pk in subject.model.objects.filter(status__in=subject.closing).values_list("pk", flat=True):
            if services.invitation_open(kind=kind, subject_id=pk) is not None:
                opened += 1
    return opened


def _rate(invitation: Invitation | None, username: str, score: int, comment: str = "") -> Rating | None:
    actor = _user(username)
    if invitation is None or actor is None:
        return None
    values = {
        "score": score,
        "timeliness": score,
        "helpfulness": score,
        "clarity": max(score, 3),
        "comment": comment,
    }
    return services.rating_submit(invitation=invitation, actor=actor, values=values)


def _invitation(kind: str, **case) -> Invitation | None:
    subject = SUBJECTS[kind]
    pk = subject.model.objects.filter(status__in=subject.closing, **case).values_list("pk", flat=True).first()
    return Invitation.objects.filter(subject_kind=kind, subject_id=pk).first() if pk else None


def seed_demo() -> int:
    if Rating.objects.exists():
        return 0
    enterprise = Organisation.objects.filter(name=ENTERPRISE).first()
    bank = Organisation.objects.filter(name=BANK).first()
    commissioner = _user("demo_commissioner")
    with transaction.atomic():
        if enterprise and bank and commissioner:
            _registration(enterprise, bank, commissioner, 12, "京专质登2026第1201号")
            _registration(enterprise, bank, commissioner, 3, "京专质登2026第1202号")
        _invite_all_closed()
    # Each rating in its own transaction so its notices go out on commit like a user's would.
    if enterprise:
        rated = (
            Invitation.objects.filter(subject_kind=SubjectKind.REGISTRATION, rater_org=enterprise)
            .order_by("closed_at", "pk")
            .first()
        )
        _rate(rated, "demo_enterprise_admin", 5, "服务专员全程指导，一天就办结了。")
    _rate(
        _invitation(SubjectKind.SUBSIDY, enterprise__name="北京怀柔新材料研究院有限公司"),
        "demo_enterprise_7",
        5,
    )
    _rate(
        _invitation(SubjectKind.REGISTRATION, pledgor__name="北京怀柔新材料研究院有限公司"),
        "demo_enterprise_7",
        4,
    )
    _rate(_invitation(SubjectKind.COMPENSATION, bank__name=BANK), "demo_bank_officer", 5)
    bad = _rate(
        _invitation(SubjectKind.REGISTRATION, pledgor__name="北京星图智能科技有限公司"),
        "demo_enterprise_3",
        2,
        "材料清单前后说法不一致，来回补正了三次。",
    )
    supervisor = _user("demo_supervisor")
    if bad is not None and supervisor is not None:
        callback = bad.follow_ups.get(kind=FollowUpKind.CALLBACK)
        services.follow_up_complete(
            follow_up=callback,
            actor=supervisor,
            note="已电话回访企业：补正要求分三次告知。已向企业致歉，承诺统一一次性告知补正清单。",
        )
    return Rating.objects.count()
