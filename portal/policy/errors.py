"""Domain errors of the policy app; the public quote APIs turn them into HTTP 400 responses."""

from datetime import date

from django.utils.translation import gettext as _

from portal.policy.models import Channel, IpKind, TargetKind


class PolicyError(Exception):
    """Base of every policy lookup failure; ``message`` is in the language active when raised."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PolicyYearMissing(PolicyError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(_("No policy parameters are in force for the year %(year)s.") % {"year": year})


class LprMissing(PolicyError):
    def __init__(self, day: date):
        self.day = day
        super().__init__(
            _("No loan prime rate (LPR) is recorded on or before %(day)s.") % {"day": day.isoformat()}
        )


class ServiceTimeMissing(PolicyError):
    def __init__(self, *, year: int, ip_kind: str, channel: str, target: str):
        self.year = year
        self.ip_kind = ip_kind
        self.channel = channel
        self.target = target
        labels = {
            "target": _label(TargetKind, target),
            "ip_kind": _label(IpKind, ip_kind),
            "channel": _label(Channel, channel),
            "year": year,
        }
        super().__init__(
            _("No time is set for %(ip_kind)s, channel %(channel)s, kind %(target)s, in the year %(year)s.")
            % labels
        )


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value
