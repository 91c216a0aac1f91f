"""Demo whitelist: the active rules, partner departments' figures, consent from most demo enterprises, one
screening run, and batch 1 submitted by one reviewer and waiting for the other's approval."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organisation, OrgKind, User
from whitelist.batches import batch_create, batch_submit, entries_decide
from whitelist.models import Batch, ConsentStatus, Decision, EnterpriseIndicator, ExclusionReason, RuleSet
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
    return Batch.objects.count() + rules.version
