"""Tariff versions with effective dates, and the choice of which tariff applies to a meter."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from shared_models.errors import RuleViolation
from shared_models.tariffs._fields import at, expect, invalid
from shared_models.tariffs.localtime import DEFAULT_TIMEZONE, as_utc, local_midnight
from shared_models.tariffs.tariff import Tariff


@dataclass(frozen=True)
class TariffVersion:
    """A tariff in force from `effective_from`: a local date (its local midnight) or an instant."""

    effective_from: date | datetime
    tariff: Tariff

    def __post_init__(self) -> None:
        if isinstance(self.effective_from, datetime):
            as_utc(self.effective_from, "effective_from")
        elif not isinstance(self.effective_from, date):
            raise invalid("effective_from", "must be a date or an aware datetime")

    def starts_at(self, tz: tzinfo | str = DEFAULT_TIMEZONE) -> datetime:
        if isinstance(self.effective_from, datetime):
            return as_utc(self.effective_from, "effective_from")
        return local_midnight(self.effective_from, tz)

    def to_dict(self) -> dict[str, object]:
        return {"effective_from": self.effective_from.isoformat(), "tariff": self.tariff.to_dict()}

    @classmethod
    def from_dict(cls, data: object) -> TariffVersion:
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        raw = data.get("effective_from")
        expect(raw, str, "effective_from", "an ISO date or datetime string")
        try:
            when: date | datetime = (
                date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
            )
        except ValueError:
            raise invalid("effective_from", f"not an ISO date or datetime: {raw!r}") from None
        with at("tariff"):
            tariff = Tariff.from_dict(data.get("tariff"))
        return cls(when, tariff)


@dataclass(frozen=True)
class TariffSchedule:
    """Successive versions of one tariff; each applies until the next one starts."""

    versions: tuple[TariffVersion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", tuple(self.versions))
        if not self.versions:
            raise invalid("versions", "a schedule needs at least one version")
        # Per time zone: every priced interval asks for the timeline, and a schedule is
        # immutable, so its local midnights are worked out once.
        object.__setattr__(self, "_timelines", {})

    def timeline(self, tz: tzinfo | str = DEFAULT_TIMEZONE) -> list[tuple[datetime, Tariff]]:
        """(start instant, tariff) sorted by start; two versions may not start together."""
        key = str(tz)
        if key not in self._timelines:
            self._timelines[key] = tuple(self._build_timeline(tz))
        return list(self._timelines[key])

    def _build_timeline(self, tz: tzinfo | str) -> list[tuple[datetime, Tariff]]:
        starts = sorted(
            ((v.starts_at(tz), i, v.tariff) for i, v in enumerate(self.versions)),
            key=lambda item: item[0],
        )
        for (a, _, _), (b, i, _) in zip(starts, starts[1:], strict=False):
            if a == b:
                raise invalid(f"versions[{i}].effective_from", "two versions start at once")
        return [(start, tariff) for start, _, tariff in starts]

    def version_at(self, moment: datetime, tz: tzinfo | str = DEFAULT_TIMEZONE) -> Tariff:
        tariff, _ = locate(self.timeline(tz), as_utc(moment, "moment"))
        return tariff

    def to_dict(self) -> dict[str, object]:
        return {"versions": [v.to_dict() for v in self.versions]}

    @classmethod
    def from_dict(cls, data: object) -> TariffSchedule:
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        raw = data.get("versions")
        expect(raw, list, "versions", "a list")
        versions = []
        for i, item in enumerate(raw):  # type: ignore[arg-type]
            with at(f"versions[{i}]"):
                versions.append(TariffVersion.from_dict(item))
        return cls(tuple(versions))


def locate(
    timeline: list[tuple[datetime, Tariff]], moment: datetime
) -> tuple[Tariff, datetime | None]:
    """The tariff in force at `moment` and when the next version starts (None: never)."""
    index = bisect.bisect_right([start for start, _ in timeline], moment) - 1
    if index < 0:
        raise RuleViolation(f"no tariff version is in effect at {moment.isoformat()}")
    following = timeline[index + 1][0] if index + 1 < len(timeline) else None
    return timeline[index][1], following


def choose_tariff(
    *,
    meter: Tariff | TariffSchedule | None = None,
    account: Tariff | TariffSchedule | None = None,
    site: Tariff | TariffSchedule | None = None,
) -> Tariff | TariffSchedule:
    """The effective tariff: the meter's own beats the account's, which beats the site's."""
    for candidate in (meter, account, site):
        if candidate is not None:
            return candidate
    raise RuleViolation("no tariff is assigned to the meter, its account or its site")
