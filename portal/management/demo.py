"""A believable Beijing for demos and manual testing: banks with branches, institutions, government
bodies and enterprises across districts and parks, with one login per role.

Idempotent: every object is looked up by its natural key first, so running it twice changes nothing.
Credit codes are synthetic but valid (GB 32100-2015 check character), in the enterprise's district.
"""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.accounts.models import District, Industry, Organisation, OrgKind, Park, Role, User
from portal.accounts.services import enterprise_create, membership_grant, organisation_create, user_create
from portal.apiauth.models import ApiClient
from portal.apiauth.services import api_client_create
from portal.identifiers.uscc import check_character
from portal.notifications.services import notify

# A partner system of bank A's Zhongguancun branch, to try the API with a bearer token (README, "API").
# Demo data only: a real client's secret is random and shown once (portal.apiauth).
DEMO_API_CLIENT_ID = "demo-bank-a-core"
DEMO_API_CLIENT_SECRET = "demo-bank-a-core-secret-2026"  # noqa: S105  # nosec B105 # demo data, printed on start

# (label shown on start, username)
DEMO_LOGINS = [
    ("Enterprise user / 企业用户", "demo_enterprise"),
    ("Enterprise administrator / 企业管理员", "demo_enterprise_admin"),
    ("Enterprise awaiting verification / 待核验企业", "demo_pending_admin"),
    ("Bank officer (bank A) / 银行客户经理", "demo_bank_officer"),
    ("Bank manager (bank A) / 银行管理人员", "demo_bank_manager"),
    ("Bank administrator (bank A) / 银行管理员", "demo_bank_admin"),
    ("Bank officer (bank B) / 银行客户经理", "demo_bank_b_officer"),
    ("Guarantor officer / 担保机构", "demo_guarantor"),
    ("Service commissioner / 服务专员", "demo_commissioner"),
    ("Registration supervisor / 登记业务主管", "demo_supervisor"),
    ("Promotion centre / 促进中心", "demo_promotion"),
    ("Reviewer / 审核人员", "demo_reviewer"),
    ("Second reviewer / 复核人员", "demo_reviewer2"),
    ("Finance officer / 财政局", "demo_finance"),
    ("Joint-meeting office / 联席会办公室", "demo_joint_office"),
    ("Park administrator / 园区管理", "demo_park"),
    ("Portal staff (admin) / 平台管理员", "demo_admin"),
]


def _uscc(prefix: str, district: str, serial: str) -> str:
    body = f"{prefix}{district}{serial}"
    return body + check_character(body)


def _org(name: str, kind: str, *, uscc: str | None = None, parent=None, district: str = "") -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    if existing:
        return existing
    return organisation_create(name=name, kind=kind, uscc=uscc, parent=parent, district=district)


def _user(username: str, full_name: str, organisation: Organisation, role: str, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=settings.PORTAL_DEMO_PASSWORD,
            full_name=full_name,
            email=f"{username}@demo.ipfin.example",
            **extra,
        )
    membership_grant(user=user, organisation=organisation, role=role)
    return user


ENTERPRISES = [
    # name, district, park name, industry, flags, contact, serial
    (
        "北京智芯微电子科技有限公司",
        District.HAIDIAN,
        "中关村海淀园",
        Industry.INTEGRATED_CIRCUITS,
        {"is_high_tech": True, "is_specialised": True, "is_little_giant": True},
        "王建国",
        "MA0100101",
    ),
    (
        "北京康瑞生物医药有限公司",
        District.CHANGPING,
        "中关村昌平园",
        Industry.HEALTH,
        {"is_high_tech": True, "is_tech_sme": True},
        "刘晓燕",
        "MA0100102",
    ),
    (
        "北京星图智能科技有限公司",
        District.CHAOYANG,
        "中关村朝阳园",
        Industry.AI,
        {"is_tech_sme": True, "is_ip_advantage": True},
        "陈思远",
        "MA0100103",
    ),
    (
        "北京亦庄精密装备制造有限公司",
        District.DAXING,
        "北京经济技术开发区",
        Industry.SMART_MANUFACTURING,
        {"is_specialised": True},
        "赵立新",
        "MA0100104",
    ),
    (
        "北京绿源新能源科技有限公司",
        District.SHUNYI,
        "中关村顺义园",
        Industry.GREEN_ENERGY,
        {"is_high_tech": True},
        "孙海涛",
        "MA0100105",
    ),
    (
        "北京文创数字传媒有限公司",
        District.DONGCHENG,
        "中关村东城园",
        Industry.CULTURE,
        {},
        "李梦瑶",
        "MA0100106",
    ),
    (
        "北京怀柔新材料研究院有限公司",
        District.HUAIROU,
        "怀柔科学城",
        Industry.NEW_MATERIALS,
        {"is_high_tech": True, "is_tech_sme": True},
        "周志强",
        "MA0100107",
    ),
    (
        "北京未来智联汽车科技有限公司",
        District.CHANGPING,
        "未来科学城",
        Industry.CONNECTED_VEHICLES,
        {"is_specialised": True, "is_ip_advantage": True},
        "吴天宇",
        "MA0100108",
    ),
]


@transaction.atomic
def seed_demo() -> dict[str, int]:
    bank_a = _org(
        "北京银行", OrgKind.BANK, uscc=_uscc("91", "110102", "MA0100109"), district=District.XICHENG
    )
    bank_a_zgc = _org(
        "北京银行中关村分行",
        OrgKind.BANK,
        uscc=_uscc("91", "110108", "MA0100110"),
        parent=bank_a,
        district=District.HAIDIAN,
    )
    _org(
        "北京银行亦庄支行",
        OrgKind.BANK,
        uscc=_uscc("91", "110115", "MA0100111"),
        parent=bank_a,
        district=District.DAXING,
    )
    bank_b = _org(
        "中国工商银行北京市分行",
        OrgKind.BANK,
        uscc=_uscc("91", "110102", "MA0100112"),
        district=District.XICHENG,
    )
    _org(
        "中国工商银行北京海淀支行",
        OrgKind.BANK,
        uscc=_uscc("91", "110108", "MA0100113"),
        parent=bank_b,
        district=District.HAIDIAN,
    )
    _org(
        "交通银行北京市分行",
        OrgKind.BANK,
        uscc=_uscc("91", "110105", "MA0100114"),
        district=District.CHAOYANG,
    )
    guarantor = _org(
        "北京中关村科技融资担保有限公司",
        OrgKind.GUARANTOR,
        uscc=_uscc("91", "110108", "MA0100115"),
        district=District.HAIDIAN,
    )
    _org("中国人民财产保险股份有限公司北京市分公司", OrgKind.INSURER, uscc=_uscc("91", "110102", "MA0100116"))
    _org("北京集佳知识产权代理有限公司", OrgKind.IP_AGENCY, uscc=_uscc("91", "110105", "MA0100117"))
    _org("北京中和资产评估有限公司", OrgKind.EVALUATOR, uscc=_uscc("91", "110108", "MA0100118"))
    window = _org(
        "国家知识产权局专利局北京代办处（质押登记窗口）",
        OrgKind.REGISTRATION_OFFICE,
        district=District.HAIDIAN,
    )
    bureau = _org("北京市知识产权局", OrgKind.IP_BUREAU, district=District.TONGZHOU)
    finance = _org("北京市财政局", OrgKind.FINANCE_BUREAU, district=District.TONGZHOU)
    joint = _org("北京市知识产权质押融资服务高质量发展工作联席会办公室", OrgKind.JOINT_OFFICE)
    park_admin = _org("中关村科学城管理委员会（海淀园）", OrgKind.PARK_ADMIN, district=District.HAIDIAN)

    enterprises = []
    for name, district, park_name, industry, flags, contact, serial in ENTERPRISES:
        organisation = Organisation.objects.filter(name=name).first() or enterprise_create(
            name=name,
            uscc=_uscc("91", district, serial),
            district=district,
            park=Park.objects.filter(name=park_name).first(),
            industry=industry,
            flags=flags,
            contact_name=contact,
            contact_phone="010-8888" + serial[-4:],
            contact_email=f"finance@{serial.lower()}.demo.example",
        )
        enterprises.append(organisation)

    _user("demo_enterprise", "王建国", enterprises[0], Role.ENTERPRISE_USER)
    _user("demo_enterprise_admin", "王建国（管理员）", enterprises[0], Role.ORG_ADMIN)
    _user("demo_bank_officer", "李信贷", bank_a_zgc, Role.BANK_OFFICER)
    _user("demo_bank_manager", "赵行长", bank_a, Role.BANK_MANAGER)
    _user("demo_bank_b_officer", "周信贷", bank_b, Role.BANK_OFFICER)
    _user("demo_guarantor", "钱担保", guarantor, Role.INSTITUTION_OFFICER)
    _user("demo_commissioner", "陈专员", window, Role.COMMISSIONER)
    _user("demo_commissioner2", "林专员", window, Role.COMMISSIONER)
    _user("demo_supervisor", "马主管", window, Role.REGISTRATION_SUPERVISOR)
    promotion = _user("demo_promotion", "郭促进", bureau, Role.PROMOTION_OFFICER)
    # The promotion centre's officer may show a masked phone number in full (with a reason, audited).
    promotion.user_permissions.add(
        Permission.objects.get(content_type__app_label="privacy", codename="view_full_pii")
    )
    _user("demo_reviewer", "孙审核", bureau, Role.REVIEWER)
    _user("demo_reviewer2", "吴复核", bureau, Role.REVIEWER)
    _user("demo_finance", "冯财政", finance, Role.FINANCE_OFFICER)
    _user("demo_joint_office", "郑联席", joint, Role.JOINT_OFFICE_VIEWER)
    _user("demo_park", "何园区", park_admin, Role.PARK_ADMIN)
    _user("demo_admin", "平台管理员", bureau, Role.ORG_ADMIN, is_staff=True, is_superuser=True)
    if not ApiClient.objects.filter(client_id=DEMO_API_CLIENT_ID).exists():
        api_client_create(
            organisation=bank_a_zgc,
            role=Role.BANK_OFFICER,
            name="北京银行中关村分行信贷系统",
            actor=None,
            client_id=DEMO_API_CLIENT_ID,
            secret=DEMO_API_CLIENT_SECRET,
        )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=User.objects.filter(username__startswith="demo_"),
            kind="portal.welcome",
            template="notice",
            context={
                "subject": _("Welcome to the portal"),
                "body": _(
                    "Your home page shows your organisation, your notifications, the due-date calculator on the "
                    "working-day calendar and the identifier checker."
                ),
            },
            link="/",
            dedupe_key="portal.welcome",
            email=False,
        )
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.filter(username__startswith="demo_").count(),
    }
