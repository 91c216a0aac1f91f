"""The policy explained section by section, with this year's numbers and the portal pages that carry it out.

The text restates the Beijing opinions on IP pledge financing (seed policy, sections 1-10) in plain words;
the figures come from the parameter set in force, never from the text, so the page stays true when staff
change a number. Each section names the pages where the policy becomes work, which is how an event
visitor or a new enterprise finds the right door.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.policy import formatting
from portal.policy.errors import PolicyYearMissing
from portal.policy.models import Channel, DayBasis, IpKind, PolicyParameterSet, TargetKind
from portal.policy.selectors import parameter_set_for_year


@dataclass(frozen=True)
class Section:
    number: int
    title: Promise
    summary: Promise
    for_whom: Promise
    links: tuple[tuple[Promise, str], ...] = ()
    figures: tuple[str, ...] = field(default=())


SECTIONS: tuple[Section, ...] = (
    Section(
        1,
        gettext_lazy("Departments work together"),
        gettext_lazy(
            "The IP, finance, copyright, banking-supervision and industry authorities share data and act as "
            "one: registration is quick, the rules for confirming, registering and pledging IP are clear, and "
            "changes in a pledged right's legal status are passed on at once."
        ),
        gettext_lazy(
            "For everyone: one portal holds the same facts for the enterprise, the bank and the government."
        ),
        ((gettext_lazy("Statistics and their definitions"), "stats:definitions"),),
    ),
    Section(
        2,
        gettext_lazy("New loan products and services"),
        gettext_lazy(
            "Valuers, guarantors, insurers, registration offices and banks are encouraged to grow this "
            "business; banks are asked to offer more IP-pledge products and to adopt due-diligence exemption "
            "rules suited to them, together with the parks."
        ),
        gettext_lazy("For enterprises: compare the banks' published products side by side before applying."),
        ((gettext_lazy("Loan product showcase"), "loans:product_catalogue"),),
    ),
    Section(
        3,
        gettext_lazy("Precise service from shared data"),
        gettext_lazy(
            "Enterprise IP information is easy to look up; the government and the banks push lists of "
            "enterprises to each other (the whitelist), financed enterprises are followed up, and their "
            "satisfaction is fed back so banks improve their products."
        ),
        gettext_lazy(
            "For banks: answer each whitelisted enterprise in time. For enterprises: rate every service you "
            "receive; a bad rating is called back and put right."
        ),
        (
            (gettext_lazy("Eligibility check"), "loans:eligibility_check"),
            (gettext_lazy("Rate the services you received"), "ratings:to-give"),
        ),
        ("whitelist", "rating"),
    ),
    Section(
        4,
        gettext_lazy("Risk compensation"),
        gettext_lazy(
            "When an IP-pledge loan turns non-performing, the fund compensates the bank, guarantor, insurer "
            "and IP institution for a share of the risk each carried; any part already passed on by "
            "re-guarantee or reinsurance is taken out of the base first."
        ),
        gettext_lazy("For lenders and their partners: claim through the portal and confirm your share."),
        ((gettext_lazy("Risk compensation calculator"), "riskcomp:calculator"),),
        ("riskcomp",),
    ),
    Section(
        5,
        gettext_lazy("Lower financing costs"),
        gettext_lazy(
            "Eligible enterprises that obtained an IP-pledge loan get part of the interest back, and part of "
            "the valuation and guarantee fees they paid."
        ),
        gettext_lazy("For enterprises: apply for the subsidies once the loan is settled."),
        ((gettext_lazy("Subsidy calculator"), "subsidies:calculator"),),
        ("subsidy",),
    ),
    Section(
        6,
        gettext_lazy("The whole process in one place"),
        gettext_lazy(
            "Coaching before the loan, a choice at the loan, monitoring during the loan and a subsidy after "
            "it, all in one stop. A service commissioner guides each pledge registration from start to "
            "finish, and the registration time is shortened."
        ),
        gettext_lazy(
            "For enterprises: ask for coaching, apply to several banks at once, and file the pledge "
            "registration online."
        ),
        (
            (gettext_lazy("Ask for coaching"), "loans:coaching_new"),
            (gettext_lazy("Working-day calculator"), "workdays:calculator"),
        ),
        ("registration",),
    ),
    Section(
        7,
        gettext_lazy("Outreach in the parks"),
        gettext_lazy(
            "Banks go into the districts and parks for policy briefings, training, salons and roadshows; "
            "products are shown online and offline; the parks collect enterprises' financing needs "
            "continuously into a demand pool that banks work from."
        ),
        gettext_lazy(
            "For enterprises: post your financing need and come to an event. For banks: claim needs and "
            "follow them up."
        ),
        (
            (gettext_lazy("Events in the parks"), "matchmaking:event-calendar"),
            (gettext_lazy("Post a financing need"), "matchmaking:demand-new"),
        ),
        ("demand",),
    ),
    Section(
        8,
        gettext_lazy("Disposal of pledged IP"),
        gettext_lazy(
            "A disposal platform at the Beijing IP exchange lets pledged IP be sold on the market when a loan "
            "fails: auctions, listed sales, licensing and pledge-to-equity. A clause handing the IP to the "
            "lender on default is void; the lender is repaid from the proceeds first."
        ),
        gettext_lazy("For lenders: dispose of the pledged IP here; the proceeds count as recoveries."),
        ((gettext_lazy("Pledged IP on offer"), "disposal:listing-list"),),
        ("auction",),
    ),
    Section(
        9,
        gettext_lazy("Training the people who do this work"),
        gettext_lazy(
            "Bank credit staff and IP professionals are trained together, with forums, salons and courses "
            "run with universities; outstanding people and teams are commended publicly."
        ),
        gettext_lazy("For bank staff and IP professionals: enrol in a programme and earn a certificate."),
        (
            (gettext_lazy("Training programmes"), "training:programme-list"),
            (gettext_lazy("Commended people and teams"), "training:commended"),
            (gettext_lazy("Verify a certificate"), "training:certificate-verify"),
        ),
    ),
    Section(
        10,
        gettext_lazy("Who is responsible"),
        gettext_lazy(
            "A joint meeting of the city's IP, finance, copyright, banking-supervision, fiscal and industry "
            "authorities and the central bank's Beijing office meets every year; its office sits in the "
            "Beijing IP office, and the Zhongguancun IP promotion centre runs the work day to day."
        ),
        gettext_lazy("For the joint-meeting office: the dashboards show how the policy is doing."),
        ((gettext_lazy("Statistics dashboard"), "stats:overview"),),
    ),
)


def _service_time(parameter_set: PolicyParameterSet, channel: str) -> str | None:
    row = parameter_set.service_times.filter(
        ip_kind=IpKind.PATENT, channel=channel, target=TargetKind.SERVICE_TARGET
    ).first()
    if row is None:
        return None
    if row.day_basis == DayBasis.CALENDAR:
        return ngettext("%(count)d calendar day", "%(count)d calendar days", row.days) % {"count": row.days}
    return _working_days(row.days)


def _working_days(count: int) -> str:
    return ngettext("%(count)d working day", "%(count)d working days", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _figures(parameter_set: PolicyParameterSet) -> dict[str, list[str]]:
    p = parameter_set
    pct, money = formatting.fraction_pct, formatting.money
    figures = {
        "whitelist": [
            _("Banks answer each whitelisted enterprise within %(days)s.")
            % {"days": _working_days(p.whitelist_feedback_working_days)}
        ],
        "rating": [
            _("A rating of 1 or 2 points is called back within %(callback)s and put right within %(days)s.")
            % {
                "callback": _working_days(p.rating_callback_working_days),
                "days": _days(p.rating_rectification_days),
            }
        ],
        "riskcomp": [
            _("The fund pays %(rate)s of each participant's loss base, at most %(cap)s yuan per loan.")
            % {"rate": pct(p.riskcomp_rate), "cap": money(p.riskcomp_per_loan_cap)}
        ],
        "subsidy": [
            _("Interest subsidy: %(ratio)s of the eligible interest, at most %(cap)s yuan per enterprise.")
            % {"ratio": pct(p.interest_ratio), "cap": money(p.interest_cap_per_enterprise)},
            _("Fee subsidy: %(ratio)s of valuation and guarantee fees, at most %(cap)s yuan per enterprise.")
            % {"ratio": pct(p.fee_ratio), "cap": money(p.fee_cap_per_enterprise)},
        ],
        "demand": [
            _(
                "A financing need stays in the pool for %(days)s; a bank that claims it has %(claim)s to make contact."
            )
            % {"days": _days(p.demand_expiry_days), "claim": _working_days(p.demand_claim_working_days)}
        ],
        "auction": [
            _(
                "An auction round without a sale lowers the reserve price by %(step)s, at most %(times)s times."
            )
            % {"step": pct(p.auction_reserve_step), "times": p.auction_max_reductions}
        ],
    }
    window, online = _service_time(p, Channel.WINDOW), _service_time(p, Channel.ONLINE)
    if window and online:
        figures["registration"] = [
            _(
                "A complete patent or trademark pledge registration is done in %(window)s at the window, %(online)s online."
            )
            % {"window": window, "online": online}
        ]
    return figures


def explainer_sections() -> dict:
    """The sections with this year's figures and resolved links; ``year`` is None when no set is in force."""
    year = timezone.localdate().year
    try:
        parameter_set = parameter_set_for_year(year)
    except PolicyYearMissing:
        parameter_set, figures = None, {}
    else:
        figures = _figures(parameter_set)
    sections = []
    for section in SECTIONS:
        links = [(label, reverse(name)) for label, name in section.links]
        sections.append(
            {
                "number": section.number,
                "title": section.title,
                "summary": section.summary,
                "for_whom": section.for_whom,
                "figures": [text for key in section.figures for text in figures.get(key, [])],
                "links": links,
            }
        )
    return {"year": year if parameter_set else None, "sections": sections}
