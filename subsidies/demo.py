"""Demo subsidies for `manage.py seed_demo`, made through the services by the people who would do it.

Last year's batch (2025) was published and is archived; this year's (2026, loans settled in 2025) was
cloned from it, given its budget of 5,000,000.00 yuan and published: it opened 30 days ago and closes in 60.
Seven demo enterprises have an application in it, one at each stage: a draft, one waiting for the bank to
confirm its loan figures, one under review with a material marked failing, one proposed and waiting for the
second reviewer, one approved, one on public notice with an objection lodged, and one paid on a payment
list. Their loans date from 2025, before the portal held loan facts, so each enterprise enters its loan
with the contract and vouchers and the lending bank confirms the figures in the portal.

Idempotent: nothing is added once last year's demo batch exists.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.accounts.services import membership_grant, user_create
from portal.workdays.services import add_working_days
from subsidies import applications as apps
from subsidies import payments, review
from subsidies.batches import batch_clone, batch_create, batch_transition, batch_update
from subsidies.models import Batch, BatchStatus, Publicity, Verdict

TITLE_2025 = "2025年度知识产权质押融资贴息及综合成本费用补贴"
BUDGET_2026 = Decimal("5000000.00")
BUDGET_SOURCE_2026 = "京财科文〔2026〕18号"

# The smallest well-formed PDF: the demo's documents are placeholders a reviewer can open.
_DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Enterprise (portal demo), its login, its lending bank and its 2025 loan as it will enter it.
# LPR on each disbursement date per domain.md §4.2; the bank is 北京银行中关村分行 (demo_bank_officer) or
# 中国工商银行北京市分行 (demo_bank_b_officer).
CASES = [
    # stage, enterprise, login, bank, loan figures, fee (amount) or None
    (
        "draft",
        "北京智芯微电子科技有限公司",
        "demo_enterprise",
        "北京银行中关村分行",
        {
            "contract_number": "京银质字2024第0388号",
            "principal": "3000000.00",
            "interest_paid": "96000.00",
            "annual_rate_pct": "3.60",
            "ip_share": "1",
            "disbursed_on": "2024-12-10",
            "settled_on": "2025-11-28",
            "pledge_registered_on": "2024-12-05",
        },
        "18000.00",
    ),
    (
        "awaiting_bank",
        "北京康瑞生物医药有限公司",
        "demo_enterprise_2",
        "北京银行中关村分行",
        {
            "contract_number": "京银质字2025第0056号",
            "principal": "5000000.00",
            "interest_paid": "168000.00",
            "annual_rate_pct": "4.80",
            "ip_share": "1",
            "disbursed_on": "2025-01-20",
            "settled_on": "2025-12-19",
            "pledge_registered_on": "2025-01-14",
        },
        None,
    ),
    (
        "under_review",
        "北京星图智能科技有限公司",
        "demo_enterprise_3",
        "中国工商银行北京市分行",
        {
            "contract_number": "工银京质2025-0217",
            "principal": "2000000.00",
            "interest_paid": "58500.00",
            "annual_rate_pct": "3.90",
            "ip_share": "0.6000",
            "disbursed_on": "2025-02-17",
            "settled_on": "2025-10-31",
            "pledge_registered_on": "2025-02-12",
        },
        None,
    ),
    (
        "proposed",
        "北京亦庄精密装备制造有限公司",
        "demo_enterprise_4",
        "北京银行中关村分行",
        {
            "contract_number": "京银质字2025第0131号",
            "principal": "4000000.00",
            "interest_paid": "126000.00",
            "annual_rate_pct": "3.50",
            "ip_share": "1",
            "disbursed_on": "2025-03-05",
            "settled_on": "2025-12-05",
            "pledge_registered_on": "2025-02-28",
        },
        "24000.00",
    ),
    (
        "approved",
        "北京绿源新能源科技有限公司",
        "demo_enterprise_5",
        "中国工商银行北京市分行",
        {
            "contract_number": "工银京质2025-0309",
            "principal": "6000000.00",
            "interest_paid": "210000.00",
            "annual_rate_pct": "4.50",
            "ip_share": "1",
            "disbursed_on": "2025-06-10",
            "settled_on": "2025-12-26",
            "pledge_registered_on": "2025-06-03",
        },
        None,
    ),
    (
        "publicity",
        "北京文创数字传媒有限公司",
        "demo_enterprise_6",
        "北京银行中关村分行",
        {
            "contract_number": "京银质字2024第0912号",
            "principal": "1500000.00",
            "interest_paid": "49500.00",
            "annual_rate_pct": "3.30",
            "ip_share": "1",
            "disbursed_on": "2024-11-18",
            "settled_on": "2025-11-17",
            "pledge_registered_on": "2024-11-12",
        },
        "12000.00",
    ),
    (
        "paid",
        "北京怀柔新材料研究院有限公司",
        "demo_enterprise_7",
        "北京银行中关村分行",
        {
            "contract_number": "京银质字2024第0645号",
            "principal": "2500000.00",
            "interest_paid": "86250.00",
            "annual_rate_pct": "3.45",
            "ip_share": "1",
            "disbursed_on": "2024-08-01",
            "settled_on": "2025-07-31",
            "pledge_registered_on": "2024-07-26",
        },
        "30000.00",
    ),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _DEMO_PDF, content_type="application/pdf")


def _login(username: str, enterprise: Organisation) -> User:
    """The enterprise's demo login (the portal's and the loans demo's where they exist)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=settings.PORTAL_DEMO_PASSWORD,
            full_name=f"{enterprise.name}联系人",
            email=f"{username}@demo.ipfin.example",
        )
        membership_grant(user=user, organisation=enterprise, role=Role.ENTERPRISE_USER)
    return user


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _batches(reviewer: User, promotion: User) -> Batch:
    """2025 published then archived; 2026 cloned from it, budgeted and published."""
    today = timezone.localdate()
    opens, closes = today - timedelta(days=30), today + timedelta(days=60)
    last_year = batch_create(
        actor=promotion,
        values={
            "year": 2025,
            "title": TITLE_2025,
            # A year before this year's, so the clone lands on this year's dates.
            "opens_on": _shift_year(opens, -1),
            "closes_on": _shift_year(closes, -1),
            "budget": Decimal("4000000.00"),
            "budget_source": "京财科文〔2025〕11号",
            "publicity_working_days": 5,
        },
    )
    last_year = batch_transition(batch=last_year, actor=promotion, to=BatchStatus.PUBLISHED)
    last_year = batch_transition(
        batch=last_year, actor=reviewer, to=BatchStatus.ARCHIVED, reason="2025年度补贴已拨付完毕"
    )
    batch = batch_clone(source=last_year, actor=promotion)
    batch = batch_update(
        batch=batch,
        actor=promotion,
        values={
            "opens_on": opens,
            "closes_on": closes,
            "budget": BUDGET_2026,
            "budget_source": BUDGET_SOURCE_2026,
        },
    )
    return batch_transition(batch=batch, actor=promotion, to=BatchStatus.PUBLISHED)


def _prepare(batch: Batch, user: User, bank: Organisation, loan: dict, fee: str | None):
    """An application with the loan entered (and the fee, if any), the details and required materials."""
    application = apps.application_open(batch=batch, actor=user)
    line = apps.loan_line_add_entered(
        application=application,
        actor=user,
        values={"bank": bank, **loan},
        evidence=_pdf("借款合同及付息凭证.pdf"),
    )
    if fee is not None:
        apps.fee_line_add(
            application=application,
            actor=user,
            values={
                "kind": "evaluation",
                "payee": "北京中和资产评估有限公司",
                "invoice_code": "011002400111",
                "invoice_number": f"{loan['contract_number'][-4:-1]}{application.pk:05d}",
                "invoice_date": loan["pledge_registered_on"],
                "amount": fee,
                "loan_contract": loan["contract_number"],
            },
            invoice=_pdf("评估费发票.pdf"),
        )
    apps.application_update_details(
        application=application,
        actor=user,
        values={
            "contact_name": user.full_name,
            "contact_phone": "010-88886666",
            "bank_account_name": application.enterprise.name,
            "bank_account_bank": f"{bank.name}营业部",
            "bank_account_number": f"1100 1020 3040 {application.pk:04d}",
        },
    )
    for item in apps.required_items(application):
        apps.material_upload(application=application, item=item, actor=user, upload=_pdf(f"{item.title}.pdf"))
    return application, line


def _confirmed(application, line, user: User, bank_user: User):
    apps.application_submit(application=application, actor=user)
    apps.line_confirm(line=line, actor=bank_user, confirmed=True, note_text="与我行台账一致")
    return application


def _checked(application, first: User) -> None:
    review.review_start(application=application, actor=first)
    for material in application.materials.all():
        review.material_check(material=material, actor=first, verdict=Verdict.OK)


def _approved(application, first: User, second: User) -> None:
    _checked(application, first)
    review.review_propose(application=application, actor=first, outcome=review.APPROVE)
    review.review_decide(application=application, actor=second, approve=True, reason="复核无误")


@transaction.atomic
def seed_demo() -> int:
    if Batch.objects.filter(title=TITLE_2025).exists():
        return 0
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    needed = ("demo_reviewer", "demo_reviewer2", "demo_promotion", "demo_finance", "demo_bank_officer")
    if any(name not in users for name in needed):
        return 0
    reviewer, second = users["demo_reviewer"], users["demo_reviewer2"]
    banks = {bank.name: bank for bank in Organisation.objects.filter(kind=OrgKind.BANK)}
    bank_users = {
        "北京银行中关村分行": users["demo_bank_officer"],
        "中国工商银行北京市分行": users.get("demo_bank_b_officer"),
    }
    batch = _batches(reviewer, users["demo_promotion"])

    prepared = {}
    for stage, enterprise_name, login, bank_name, loan, fee in CASES:
        enterprise = Organisation.objects.filter(name=enterprise_name, kind=OrgKind.ENTERPRISE).first()
        if enterprise is None or bank_name not in banks or bank_users.get(bank_name) is None:
            continue
        user = _login(login, enterprise)
        application, line = _prepare(batch, user, banks[bank_name], loan, fee)
        prepared[stage] = (application, line, user, bank_users[bank_name])

    # Paid first: approved, on its own notice (which ran from a week ago and has ended), on a payment
    # list, marked paid by the finance bureau.
    if "paid" in prepared:
        application, line, user, bank_user = prepared["paid"]
        _approved(_confirmed(application, line, user, bank_user), reviewer, second)
        notice = payments.publicity_start(batch=batch, actor=reviewer)
        # The demo cannot wait for the notice to run its course: it is dated as if it began seven working
        # days ago, so the daily job closes it now as it would have.
        started = timezone.localdate() - timedelta(days=10)
        Publicity.objects.filter(pk=notice.pk).update(
            starts_on=started, ends_on=add_working_days(started, batch.publicity_working_days).due_date
        )
        payments.publicity_close_due()
        finance = users["demo_finance"]
        payment = payments.payment_list_create(batch=batch, actor=finance)
        payments.payment_list_mark_paid(payment=payment, actor=finance, paid_on=timezone.localdate())

    # On public notice now, with an objection a member of the public lodged.
    if "publicity" in prepared:
        application, line, user, bank_user = prepared["publicity"]
        _approved(_confirmed(application, line, user, bank_user), reviewer, second)
        notice = payments.publicity_start(batch=batch, actor=reviewer)
        payments.objection_lodge(
            publicity=notice,
            application=application,
            name="张先生",
            contact="13911112222",
            text="据了解该企业的质押专利已于2025年转让，质押是否仍然有效请核实。",
        )

    # Approved after the notice went up: waits for the next notice.
    if "approved" in prepared:
        application, line, user, bank_user = prepared["approved"]
        _approved(_confirmed(application, line, user, bank_user), reviewer, second)

    # Proposed by the first reviewer: the second reviewer (demo_reviewer2) decides.
    if "proposed" in prepared:
        application, line, user, bank_user = prepared["proposed"]
        _checked(_confirmed(application, line, user, bank_user), reviewer)
        review.review_propose(application=application, actor=reviewer, outcome=review.APPROVE)

    # Under review, the IP-share certificate marked failing: the first reviewer can ask for a correction.
    if "under_review" in prepared:
        application, line, user, bank_user = prepared["under_review"]
        _confirmed(application, line, user, bank_user)
        review.review_start(application=application, actor=reviewer)
        materials = list(application.materials.select_related("item").order_by("item__position"))
        for material in materials[:-1]:
            review.material_check(material=material, actor=reviewer, verdict=Verdict.OK)
        review.material_check(
            material=materials[-1],
            actor=reviewer,
            verdict=Verdict.FAILING,
            note_text="知识产权占比证明未加盖银行公章，请补充盖章后的彩色扫描件。",
        )

    # Submitted, the loan figures waiting for 北京银行中关村分行 (demo_bank_officer) to confirm.
    if "awaiting_bank" in prepared:
        application, _line, user, _bank_user = prepared["awaiting_bank"]
        apps.application_submit(application=application, actor=user)

    # The draft stays as the enterprise left it: ready to submit.
    return batch.applications.count()
