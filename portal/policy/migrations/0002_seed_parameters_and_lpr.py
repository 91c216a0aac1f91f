"""Seed the 2024-2026 policy parameter sets, their registration service times and the LPR history.

Values and sources are those of domain.md (§2.1-§2.6, §4.2). [V-n] marks a value read in a cited source,
[A] an assumption and [K] unconfirmed background knowledge; staff replace them in the admin once the
official notices are checked, and every such change is logged.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

V1 = "https://www.keceyun.com/policy/newsdetail/165403.html"
V2 = "https://patent.gbicom.cn/news/6269"
V3 = "https://0477ly.com/newsdetail/news671463.html"

SEED_REASON = "数据迁移写入的初始数值（依据 domain.md）"

VALUES = {
    "interest_ratio": Decimal("0.5000"),
    "lpr_markup": Decimal("0.4000"),
    "interest_cap_per_enterprise": Decimal("300000.00"),
    "interest_min_ip_share": Decimal("0.5000"),
    "pledge_must_precede_settlement": True,
    "fee_ratio": Decimal("0.5000"),
    "fee_cap_per_enterprise": Decimal("20000.00"),
    "fee_insurance_eligible": True,
    "riskcomp_rate": Decimal("0.3000"),
    "riskcomp_per_loan_cap": Decimal("1000000.00"),
    "riskcomp_min_ip_share": Decimal("0.5000"),
    "riskcomp_claim_window_months": 12,
    "riskcomp_per_institution_annual_cap": None,
    "riskcomp_fund_annual_budget": None,
    "whitelist_feedback_working_days": 20,
}

SOURCES = {
    "interest_ratio": f"[V-1] 北京市专项资金贴息项目：按实际利率的50%以内给予贴息（2023年度批次同 [V-2]）。 {V1}",
    "lpr_markup": f"[V-1] 实际利率高于同期1年期LPR上浮40%的，按LPR×1.4计算。 {V1}",
    "interest_cap_per_enterprise": f"[V-1] 每家企业每年贴息不超过30万元（含）。 {V1}",
    "interest_min_ip_share": "[A] 北京仅要求知识产权为主要质押物 [V-1]；参照武汉组合贷款知识产权占比不低于50% [V-18]。",
    "settlement_window_start": "[V-1][V-2] N年度批次覆盖N-1年1月1日至12月31日结清的贷款。",
    "settlement_window_end": "[V-1][V-2] N年度批次覆盖N-1年1月1日至12月31日结清的贷款。",
    "pledge_must_precede_settlement": f"[V-1] 质押登记不晚于贷款实际结清日。 {V1}",
    "fee_ratio": f"[V-2] 评估费、担保费等综合融资成本按50%以内补贴（2023年度）；2024、2025年度数值未找到，沿用 [A]。 {V2}",
    "fee_cap_per_enterprise": f"[V-2] 每家企业每年不超过2万元（2023年度）；2024、2025年度数值未找到，沿用 [A]。 {V2}",
    "fee_insurance_eligible": "[A] 保险费是否属于“其他费用”未见规定，默认计入。",
    "riskcomp_rate": f"[A] 北京补偿比例未找到（[V-3] 原文缺失）；默认30%，为北京经开区比例下限 [V-28]。 {V3}",
    "riskcomp_per_loan_cap": "[A] 北京单笔上限未找到；默认100万元，参照威海首年水平 [V-26]。",
    "riskcomp_min_ip_share": "[A] 参照武汉组合贷款知识产权占比不低于50% [V-18]。",
    "riskcomp_claim_window_months": "[A] 自贷款认定为不良之日起12个月内申请。",
    "riskcomp_per_institution_annual_cap": "[A] 北京标准未找到，暂不设上限，由工作人员配置。",
    "riskcomp_fund_annual_budget": "[A] 北京标准未找到，暂不设预算，由工作人员配置。",
    "whitelist_feedback_working_days": "[A] 银行对推送企业的对接情况在20个工作日内反馈。",
}

NOTES = {
    2024: (
        "2024年度批次（覆盖2023年内结清的贷款）。2024年度通知原文未找到：贴息数值取自2025年度贴息项目 "
        f"[V-1] {V1} ，费用补贴取自2023年度专项资金通知 [V-2] {V2} 。"
        "标 [A] 的数值为待核实的假设，上线前须与 zscqj.beijing.gov.cn 原文核对。"
    ),
    2025: (
        f"2025年度批次（覆盖2024年内结清的贷款）。贴息：[V-1] {V1} ；费用补贴：[V-2] {V2} ；"
        f"风险补偿资格条件：2025年第一批专项资金通知 [V-3] {V3} （补偿比例与上限原文缺失，为 [A]）。"
        "上线前须与 zscqj.beijing.gov.cn 原文核对。"
    ),
    2026: (
        "2026年度批次（覆盖2025年内结清的贷款）。《关于促进北京市知识产权质押融资服务高质量发展的实施意见"
        f"（征求意见稿）》原文未找到，沿用 [V-1] {V1} 、[V-2] {V2} 、[V-3] {V3} 的数值；"
        "标 [A] 的数值为待核实的假设。"
    ),
}

TARGET_PATENT_WINDOW = "北京征求意见稿服务目标：窗口3个工作日（无锡代办处实践同为3个工作日 [V-5]）。"
TARGET_PATENT_ONLINE = "北京征求意见稿服务目标：线上1个工作日（北京知识产权质押融资中心2021年实践 [V-6]）。"
TARGET_TRADEMARK = "北京征求意见稿服务目标：窗口3个工作日、线上1个工作日。"
COPYRIGHT_STATUTORY = "[V-10b] 受理后10日内登记；原文为“日”，按自然日计，末日遇节假日顺延 [A]。"
COPYRIGHT_TARGET = "[A] 征求意见稿未设著作权服务目标，采用法定10日（自然日，末日顺延）。"
DATA_IP_TARGET = "[A] 数据知识产权无来源，参照专利、商标服务目标。"

SERVICE_TIMES = [
    # (ip_kind, channel, target, days, day_basis, source)
    ("patent", "window", "service_target", 3, "working", TARGET_PATENT_WINDOW),
    ("patent", "online", "service_target", 1, "working", TARGET_PATENT_ONLINE),
    (
        "patent",
        "window",
        "statutory_limit",
        5,
        "working",
        "[K] 2021年登记办法的法定时限未找到，据了解纸件为5个工作日。",
    ),
    (
        "patent",
        "online",
        "statutory_limit",
        2,
        "working",
        "[K] 2021年登记办法的法定时限未找到，据了解电子申请为2个工作日。",
    ),
    ("trademark", "window", "service_target", 3, "working", TARGET_TRADEMARK),
    ("trademark", "online", "service_target", 1, "working", TARGET_TRADEMARK),
    (
        "trademark",
        "window",
        "statutory_limit",
        5,
        "working",
        "[K] 旧程序为受理后5个工作日 [V-9c]；2020年现行程序时限未核实。",
    ),
    (
        "trademark",
        "online",
        "statutory_limit",
        5,
        "working",
        "[K] 旧程序为受理后5个工作日 [V-9c]；2020年现行程序时限未核实。",
    ),
    ("copyright", "window", "service_target", 10, "calendar", COPYRIGHT_TARGET),
    ("copyright", "online", "service_target", 10, "calendar", COPYRIGHT_TARGET),
    ("copyright", "window", "statutory_limit", 10, "calendar", COPYRIGHT_STATUTORY),
    ("copyright", "online", "statutory_limit", 10, "calendar", COPYRIGHT_STATUTORY),
    ("data_ip", "window", "service_target", 3, "working", DATA_IP_TARGET),
    ("data_ip", "online", "service_target", 1, "working", DATA_IP_TARGET),
]

LPR_ROWS = [
    # (effective date, 1-year %, 5-year %, source, note)
    (
        date(2023, 8, 21),
        "3.45",
        "4.20",
        "https://www.cmegroup.com/education/events/econoday/2024/03/feed603490.html",
        "[V-44] 延续至2024年",
    ),
    (
        date(2024, 2, 20),
        "3.45",
        "3.95",
        "https://www.finanznachrichten.de/nachrichten-2024-02/61447127-china-cuts-longer-term-benchmark-lending-rate-020.htm",
        "[V-44]",
    ),
    (
        date(2024, 7, 22),
        "3.35",
        "3.85",
        "https://www.finnewsnetwork.com.au/archives/finance_news_network470287.html",
        "[V-45]",
    ),
    (
        date(2024, 10, 21),
        "3.10",
        "3.60",
        "https://www.forexlive.com/centralbank/pboc-sets-one-and-five-year-loan-prime-rates-unchanged-20250120/",
        "[V-46][V-47] 下调25个基点",
    ),
    (
        date(2025, 5, 20),
        "3.00",
        "3.50",
        "https://www.spglobal.com/market-intelligence/en/news-insights/articles/2025/5/china-cuts-key-lending-reference-rates-to-new-alltime-lows-89107190",
        "[V-47][V-48]",
    ),
    (
        date(2025, 12, 22),
        "3.00",
        "3.50",
        "http://en.people.cn/n3/2025/1222/c90000-20405231.html",
        "[V-49] 维持不变",
    ),
    (
        date(2026, 1, 20),
        "3.00",
        "3.50",
        "http://en.people.cn/n3/2026/0120/c90000-20416397.html",
        "[V-50] 维持不变",
    ),
    (
        date(2026, 2, 24),
        "3.00",
        "3.50",
        "http://en.people.cn/n3/2026/0224/c90000-20427679.html",
        "[V-51] 2月20日适逢春节假期，顺延至24日公布；维持不变",
    ),
]


def seed(apps, schema_editor):
    PolicyParameterSet = apps.get_model("policy", "PolicyParameterSet")
    ServiceTime = apps.get_model("policy", "ServiceTime")
    LprRate = apps.get_model("policy", "LprRate")
    ParameterChange = apps.get_model("policy", "ParameterChange")

    for year in (2024, 2025, 2026):
        if PolicyParameterSet.objects.filter(year=year).exists():
            continue
        parameter_set = PolicyParameterSet.objects.create(
            year=year,
            title=f"{year}年度知识产权质押融资政策参数",
            notes=NOTES[year],
            status="in_force",
            sources=dict(SOURCES),
            settlement_window_start=date(year - 1, 1, 1),
            settlement_window_end=date(year - 1, 12, 31),
            **VALUES,
        )
        for ip_kind, channel, target, days, day_basis, source in SERVICE_TIMES:
            ServiceTime.objects.create(
                parameter_set=parameter_set,
                ip_kind=ip_kind,
                channel=channel,
                target=target,
                days=days,
                day_basis=day_basis,
                source=source,
            )
        ParameterChange.objects.create(
            parameter_set=parameter_set,
            field="(created)",
            old_value="",
            new_value=str(year),
            reason=SEED_REASON,
        )

    for effective_date, one_year, five_year, source, note in LPR_ROWS:
        if LprRate.objects.filter(effective_date=effective_date).exists():
            continue
        LprRate.objects.create(
            effective_date=effective_date,
            one_year_pct=Decimal(one_year),
            five_year_pct=Decimal(five_year),
            source=source,
            note=note,
        )
        for name, value in (
            ("one_year_pct", one_year),
            ("five_year_pct", five_year),
            ("source", source),
            ("note", note),
        ):
            ParameterChange.objects.create(
                field=f"lpr:{effective_date.isoformat()}.{name}",
                old_value="",
                new_value=value,
                reason=SEED_REASON,
            )


def unseed(apps, schema_editor):
    ParameterChange = apps.get_model("policy", "ParameterChange")
    ParameterChange.objects.filter(reason=SEED_REASON, actor__isnull=True).delete()
    apps.get_model("policy", "PolicyParameterSet").objects.filter(
        year__in=(2024, 2025, 2026), changes__isnull=True
    ).delete()
    apps.get_model("policy", "LprRate").objects.filter(
        effective_date__in=[row[0] for row in LPR_ROWS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
