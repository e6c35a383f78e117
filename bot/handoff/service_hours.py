"""When human agents are on duty (BOT_SERVICE_HOURS, e.g. "09:00-21:00" in the business timezone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ServiceHours:
    """A daily window [start, end) in `zone`; a window may run past midnight (22:00-06:00)."""

    start: time
    end: time
    zone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        """Whether agents are on duty at `moment` (an aware datetime, any timezone).

        The start minute is inside the window and the end minute is not, so at
        21:00 sharp for "09:00-21:00" the customer is offered a message instead.
        """
        if moment.tzinfo is None:
            raise ValueError("service hours need an aware datetime")
        local = moment.astimezone(self.zone).time().replace(tzinfo=None)
        if self.start == self.end:  # "00:00-00:00": round the clock
            return True
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def label(self) -> str:
        """The window as customers read it: "09:00-21:00"."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_service_hours(spec: str, zone: str) -> ServiceHours:
    """Parse "HH:MM-HH:MM" (24-hour clock); raises ValueError on anything else."""
    match = _RANGE.match(spec)
    if match is None:
        raise ValueError(f"service hours must look like 09:00-21:00, got {spec!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 == 24 and m1 == 0:
        h1 = 0
    if h2 == 24 and m2 == 0:
        h2 = 0
    try:
        return ServiceHours(time(h1, m1), time(h2, m2), ZoneInfo(zone))
    except ValueError as exc:
        raise ValueError(f"service hours out of range: {spec!r}") from exc
