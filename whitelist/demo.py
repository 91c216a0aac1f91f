"""Demo whitelist: the active rules, partner departments' figures, consent from most demo enterprises, one
screening run, batch 1 reviewed, submitted and published by the second reviewer (delivered to the banks,
with bank A's first feedback), a recommendation from bank B, and batch 2 waiting for review."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organisation, OrgKind, User
from whitelist.batches import batch_create, batch_publish, batch_submit, entries_decide
from whitelist.feedback import feedback_record, recommendation_create
from whitelist.models import (
    Batch,
    ConsentStatus,
    Decision,
    EnterpriseIndicator,
    ExclusionReason,
    FeedbackKind,
    RuleSet,
)
from whitelist.services import (
    consent_set,
    rule_set_activate,
    rule_set_create,
    screening_run_create,
    screening_run_execute,
)

EXPLANATION = (
    "本市知识产权质押融资白名单按以下规则筛选：在北京市登记注册；至少拥有一件有效发明专利或注册商标；"
    "无严重失信记录；至少具备一项企业类别（高新技术企业、专精特新或“小巨人”企业、科技型中小企业、"
    "国家知识产权优势或示范企业）。符合条件且同意共享数据的企业，经知识产权局审核后推送给合作银行。"
)

# (credit rating, revenue band, R&D %): figures a partner department reported.
FIGURES = [
    ("AA", "10m_50m", "9.20"),
    ("A", "50m_200m", "6.50"),
    ("AAA", "200m_1b", "12.00"),
    ("BBB", "lt_10m", "4.10"),
]


@transaction.atomic
def seed_demo() -> int:
    if RuleSet.objects.exists():
        return 0
    reviewer = User.objects.get(username="demo_reviewer")
    rules = rule_set_activate(
        rule_set=rule_set_create(actor=reviewer, values={"explanation": EXPLANATION}), actor=reviewer
    )
    enterprises = list(Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True).order_by("pk"))
    for enterprise, (rating, revenue, rd) in zip(enterprises, FIGURES, strict=False):
        EnterpriseIndicator.objects.create(
            enterprise=enterprise,
            credit_rating=rating,
            revenue_band=revenue,
            rd_ratio_pct=Decimal(rd),
            source="北京市经济和信息化局",
            as_of=date(timezone.localdate().year - 1, 12, 31),
        )
    for enterprise in enterprises[:-1]:  # the last one has not consented (yet)
        user = User.objects.filter(memberships__organisation=enterprise, memberships__is_active=True).first()
        if user is not None:
            consent_set(actor=user, to=ConsentStatus.GRANTED)
    run = screening_run_create(actor=reviewer)
    screening_run_execute(run_id=run.pk)  # now, not in the worker: the batch below needs its candidates
    run.refresh_from_db()
    batch = batch_create(run=run, actor=reviewer, valid_until=timezone.localdate() + timedelta(days=365))
    entries = list(batch.entries.order_by("pk").values_list("pk", flat=True))
    if entries:
        entries_decide(
            batch=batch, entry_ids=entries[:-1] or entries, decision=Decision.INCLUDED, actor=reviewer
        )
        if len(entries) > 1:
            entries_decide(
                batch=batch,
                entry_ids=entries[-1:],
                decision=Decision.EXCLUDED,
                reason=ExclusionReason.DATA_OUTDATED,
                note="经信局数据为上年度，待更新后纳入下一批",
                actor=reviewer,
            )
        batch_submit(batch=batch, actor=reviewer)
        # The second reviewer approves (four eyes): the banks get batch 1; bank A's branch has already called
        # the first enterprise, and bank B recommends an enterprise not yet on the portal.
        batch = batch_publish(batch=batch, actor=User.objects.get(username="demo_reviewer2"))
        first = batch.entries.filter(published=True).order_by("pk").first()
        if first is not None:
            feedback_record(
                entry=first,
                actor=User.objects.get(username="demo_bank_officer"),
                kind=FeedbackKind.CONTACTED,
                occurred_on=timezone.localdate(),
                note="已电话联系企业财务负责人，约定下周上门",
            )
    recommendation_create(
        actor=User.objects.get(username="demo_bank_b_officer"),
        enterprise_uscc=_recommended_uscc(),
        enterprise_name="北京云图数智科技有限公司",
        reason="我行存量客户，拥有3件发明专利，经营稳定，有融资需求",
        ip_offered="发明专利3件（数据处理方法相关）",
    )
    # Batch 2 from the same run waits for review, to show the reviewer's work.
    batch_create(run=run, actor=reviewer, valid_until=timezone.localdate() + timedelta(days=365))
    return Batch.objects.count() + rules.version


def _recommended_uscc() -> str:
    from portal.identifiers.uscc import check_character

    body = "91110108MA01R0C0"
    return body + "1" + check_character(body + "1")
