"""Seed the official 2025 and 2026 calendars from the chinesecalendar package.

The seeding logic and the holiday names are frozen here on purpose: this migration must produce the same
rows in years to come, whatever ``portal.workdays`` looks like then. The notices were read in the corpus
(domain.md §4.1, [V-43]). The 2026 document number was not found in the corpus: check it against
gov.cn before go-live, like the mirror URLs below.
"""

import datetime

import chinese_calendar
from django.db import migrations

NOTICES = {
    2025: {
        "notice_reference": "国办发明电〔2024〕12号",
        "notice_date": datetime.date(2024, 11, 12),
        "source_url": "https://m.gmw.cn/2024-11/12/content_1303894933.htm",
    },
    2026: {
        "notice_reference": "国办发明电〔2025〕7号",
        "notice_date": datetime.date(2025, 11, 4),
        "source_url": "https://politics.gmw.cn/2025-11/04/content_38391083.htm",
    },
}

NAMES = {
    "New Year's Day": ("元旦", "New Year's Day"),
    "Spring Festival": ("春节", "Spring Festival"),
    "Tomb-sweeping Day": ("清明节", "Qingming"),
    "Labour Day": ("劳动节", "Labour Day"),
    "Dragon Boat Festival": ("端午节", "Dragon Boat Festival"),
    "Mid-autumn Festival": ("中秋节", "Mid-Autumn Festival"),
    "National Day": ("国庆节", "National Day"),
}

SOURCE = f"chinesecalendar {chinese_calendar.__version__}"


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    SpecialDay = apps.get_model("workdays", "SpecialDay")
    for year, notice in NOTICES.items():
        calendar, _created = CalendarYear.objects.update_or_create(
            year=year, defaults={"status": "official", **notice}
        )
        days = {}
        # Makeup days second: chinesecalendar lets a makeup day win over a holiday on the same date.
        for kind, table in (
            ("holiday", chinese_calendar.holidays),
            ("makeup_workday", chinese_calendar.workdays),
        ):
            for day, package_name in table.items():
                if day.year == year:
                    days[day] = (kind, *NAMES[package_name])
        if not days:
            raise RuntimeError(f"chinesecalendar {chinese_calendar.__version__} has no data for {year}")
        SpecialDay.objects.filter(date__year=year).delete()
        SpecialDay.objects.bulk_create(
            SpecialDay(calendar=calendar, date=day, kind=kind, name_zh=zh, name_en=en, source=SOURCE)
            for day, (kind, zh, en) in sorted(days.items())
        )


def unseed(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarYear.objects.filter(year__in=list(NOTICES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
