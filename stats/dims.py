"""The dashboards' cuts: periods, and the five filter dimensions with the combinations the rollup holds."""

import calendar
import enum
from dataclasses import dataclass, replace
from datetime import date

from django.utils.translation import gettext_lazy as _


class Dim(enum.IntFlag):
    DISTRICT = 1
    PARK = 2
    BANK = 4
    IP_KIND = 8
    INDUSTRY = 16


# Cell column per dimension, and its "all" (or "none recorded") value.
COLUMNS = {
    Dim.DISTRICT: ("district", ""),
    Dim.PARK: ("park_id", 0),
    Dim.BANK: ("bank_id", 0),
    Dim.IP_KIND: ("ip_kind", ""),
    Dim.INDUSTRY: ("industry", ""),
}
FILTER_NAMES = {
    Dim.DISTRICT: "district",
    Dim.PARK: "park",
    Dim.BANK: "bank",
    Dim.IP_KIND: "ip_kind",
    Dim.INDUSTRY: "industry",
}

# The rollup holds every figure uncut, cut by any one dimension, and cut by these pairs. That keeps it a few
# percent of the base rows (each pair of large dimensions multiplies the rows; performance.md: adding the
# bank to a month x district cube made it 38 times larger) while the questions asked most have their cut:
# a bank's district, IP kind or industry, a district's IP kind, an industry's IP kind. A park lies inside a
# district and is cut alone.
PAIRS = (
    (Dim.DISTRICT, Dim.BANK),
    (Dim.DISTRICT, Dim.IP_KIND),
    (Dim.BANK, Dim.IP_KIND),
    (Dim.BANK, Dim.INDUSTRY),
    (Dim.IP_KIND, Dim.INDUSTRY),
)
GRAINS: tuple[int, ...] = (0, *(int(d) for d in Dim), *(int(a | b) for a, b in PAIRS))


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """A calendar year (part 0), quarter (part 1-4) or month (part 1-12), in Beijing dates."""

    kind: str  # "Y", "Q" or "M"
    year: int
    part: int = 0

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2026', '2026-Q3' or '2026-07'."""
        text = (text or "").strip().upper()
        try:
            if len(text) == 4:
                return cls("Y", int(text), 0)
            year, _sep, rest = text.partition("-")
            if rest.startswith("Q") and 1 <= int(rest[1:]) <= 4:
                return cls("Q", int(year), int(rest[1:]))
            if 1 <= int(rest) <= 12:
                return cls("M", int(year), int(rest))
        except ValueError:
            pass
        raise PeriodError(_("Give a year (2026), a quarter (2026-Q3) or a month (2026-07)."))

    @classmethod
    def containing(cls, kind: str, day: date) -> "Period":
        if kind == "Y":
            return cls("Y", day.year, 0)
        if kind == "Q":
            return cls("Q", day.year, (day.month + 2) // 3)
        return cls("M", day.year, day.month)

    def __str__(self) -> str:
        if self.kind == "Y":
            return f"{self.year}"
        if self.kind == "Q":
            return f"{self.year}-Q{self.part}"
        return f"{self.year}-{self.part:02d}"

    @property
    def first_month(self) -> int:
        return {"Y": 1, "Q": 3 * self.part - 2, "M": self.part}[self.kind]

    @property
    def last_month(self) -> int:
        return {"Y": 12, "Q": 3 * self.part, "M": self.part}[self.kind]

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    def year_before(self) -> "Period":
        return replace(self, year=self.year - 1)

    def months(self) -> list[tuple[int, int]]:
        return [(self.year, m) for m in range(self.first_month, self.last_month + 1)]

    def trend_months(self, count: int = 12) -> list[tuple[int, int]]:
        """The ``count`` months ending with the period's last month: the trend charts' x axis."""
        index = self.year * 12 + self.last_month - 1
        return [((i // 12), i % 12 + 1) for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class Filters:
    district: str = ""
    park: int = 0
    bank: int = 0
    ip_kind: str = ""
    industry: str = ""

    def value(self, dim: Dim):
        return getattr(self, FILTER_NAMES[dim])

    @property
    def grain(self) -> int:
        return sum(int(dim) for dim in Dim if self.value(dim))

    def items(self) -> list[tuple[Dim, object]]:
        return [(dim, self.value(dim)) for dim in Dim if self.value(dim)]

    def with_(self, dim: Dim, value) -> "Filters":
        return replace(self, **{FILTER_NAMES[dim]: value})

    @classmethod
    def from_query(cls, query: dict) -> "Filters":
        """The inverse of ``query()`` (as stored with an export)."""
        return cls(
            district=query.get("district", ""),
            park=int(query.get("park") or 0),
            bank=int(query.get("bank") or 0),
            ip_kind=query.get("ip_kind", ""),
            industry=query.get("industry", ""),
        )

    def query(self) -> dict[str, str]:
        """The filters as GET parameters (links from a figure keep the cut)."""
        return {FILTER_NAMES[dim]: str(value) for dim, value in self.items()}


def grain_allowed(grain: int) -> bool:
    return grain in GRAINS
