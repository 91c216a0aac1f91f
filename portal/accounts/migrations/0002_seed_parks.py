"""Seed the Zhongguancun sub-parks (一区十六园) and other parks; staff edit the list in the admin."""

from django.db import migrations

PARKS = [
    # (name, English name, district code, Zhongguancun sub-park)
    ("中关村海淀园", "Zhongguancun Haidian Park", "110108", True),
    ("中关村昌平园", "Zhongguancun Changping Park", "110114", True),
    ("中关村顺义园", "Zhongguancun Shunyi Park", "110113", True),
    ("中关村大兴-亦庄园", "Zhongguancun Daxing-Yizhuang Park", "110115", True),
    ("中关村房山园", "Zhongguancun Fangshan Park", "110111", True),
    ("中关村通州园", "Zhongguancun Tongzhou Park", "110112", True),
    ("中关村东城园", "Zhongguancun Dongcheng Park", "110101", True),
    ("中关村西城园", "Zhongguancun Xicheng Park", "110102", True),
    ("中关村朝阳园", "Zhongguancun Chaoyang Park", "110105", True),
    ("中关村丰台园", "Zhongguancun Fengtai Park", "110106", True),
    ("中关村石景山园", "Zhongguancun Shijingshan Park", "110107", True),
    ("中关村门头沟园", "Zhongguancun Mentougou Park", "110109", True),
    ("中关村平谷园", "Zhongguancun Pinggu Park", "110117", True),
    ("中关村怀柔园", "Zhongguancun Huairou Park", "110116", True),
    ("中关村密云园", "Zhongguancun Miyun Park", "110118", True),
    ("中关村延庆园", "Zhongguancun Yanqing Park", "110119", True),
    ("北京经济技术开发区", "Beijing Economic-Technological Development Area", "110115", False),
    ("怀柔科学城", "Huairou Science City", "110116", False),
    ("未来科学城", "Future Science City", "110114", False),
]


def seed(apps, schema_editor):
    Park = apps.get_model("accounts", "Park")
    for order, (name, name_en, district, zgc) in enumerate(PARKS, start=1):
        Park.objects.update_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "district": district,
                "is_zhongguancun": zgc,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "Park").objects.filter(name__in=[p[0] for p in PARKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
