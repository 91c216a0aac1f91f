"""Pure rules of talent training: the completion rule, certificate numbers and the masked name of the public
verification page. No ORM here."""

from decimal import Decimal

CERTIFICATE_PREFIX = "PX"  # 培训 (training)


def completes(*, attended: Decimal, total: Decimal, share: Decimal) -> bool:
    """Attended at least ``share`` of the programme's hours, compared exactly in Decimal: 8.00 of 10.00
    hours at 0.8000 completes, 7.99 does not. A programme without hours completes nobody."""
    if total <= 0:
        return False
    return attended >= total * share


def certificate_number(year: int, serial: int) -> str:
    return f"{CERTIFICATE_PREFIX}-{year}-{serial:06d}"


def mask_name(name: str) -> str:
    """What the public verification page shows of a holder's name: the first character, the last for names
    of three or more characters, and one * for each character between (张三 → 张*, 张小三 → 张*三)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
