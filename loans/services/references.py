"""Numbers people quote on the phone: financing cases "RZ-2026-0000123", loan requests "SQ-2026-000123",
loans "DK-2026-0001234"."""

from django.db import IntegrityError, transaction

from loans.models import SequenceCounter

REQUEST_SERIES = "SQ"  # 申请
LOAN_SERIES = "DK"  # 贷款
CASE_SERIES = "RZ"  # 融资 (a case per loan reported by a bank, hence as wide as loans)
_DIGITS = {REQUEST_SERIES: 6, LOAN_SERIES: 7, CASE_SERIES: 7}


def next_references(*, series: str, year: int, count: int = 1) -> list[str]:
    """``count`` consecutive numbers of ``series`` in ``year``, drawn under a row lock so concurrent
    writers never share one; a batch import draws its whole block in one statement. Inside the caller's
    transaction a rollback gives the numbers back; outside one, numbers may be skipped, never reused."""
    if count < 1:
        return []
    with transaction.atomic():
        counter = SequenceCounter.objects.select_for_update().filter(series=series, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():  # losing the race to create the row must not break the caller
                    SequenceCounter.objects.create(series=series, year=year, last=0)
            except IntegrityError:
                pass
            counter = SequenceCounter.objects.select_for_update().get(series=series, year=year)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    width = _DIGITS.get(series, 6)
    return [f"{series}-{year:04d}-{number:0{width}d}" for number in range(first, first + count)]


def next_reference(*, series: str, year: int) -> str:
    return next_references(series=series, year=year, count=1)[0]
