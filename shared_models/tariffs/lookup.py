"""The tariff a meter is billed with: its own plan, its account's, its site's, or the default price."""

from __future__ import annotations

import functools
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from shared_models.errors import NotFound
from shared_models.models import AccountMeter, Meter, Site
from shared_models.models.tariffs import TariffAssignment, TariffPlanVersion, VersionStatus
from shared_models.tariffs import Tariff, TariffLike, TariffSchedule, TariffVersion

# Before a plan's first published version the site's default price applies, so the schedule
# prices any instant a reading can carry.
FLOOR_DATE = date(1900, 1, 1)
SESSION_CACHE = "wk_tariff_cache"


@dataclass(frozen=True)
class EffectiveTariff:
    """The tariff a meter is billed with and where it comes from."""

    source: str  # "meter", "account", "site" or "default_price"
    plan_id: int | None
    tariff: TariffLike
    timezone: str


def tariff_for_meter(db: Session, meter_id: int,
                     cache: MutableMapping[Any, Any] | None = None) -> TariffLike:
    """The engine tariff of a meter: the published versions (a TariffSchedule) of the meter's
    own plan, else of its current account's plan, else of its site's default plan; a plan with
    nothing published is skipped. With no published plan at all, a flat Tariff at
    `Site.default_price`, which also prices any time before a plan's first version.

    Fast path: one indexed query per call; the parsed schedules are cached per plan in `cache`
    if given (a dict the caller keeps for one poll), else in the session (`db.info`), which
    lives as long as the session (one request or job). Publishing or assigning through this
    module clears the session cache; a long-lived session should pass its own dict instead.
    """
    return effective_tariff(db, meter_id, cache).tariff


def tariffs_for_meters(db: Session, meter_ids: list[int],
                       cache: MutableMapping[Any, Any] | None = None) -> dict[int, TariffLike]:
    """`tariff_for_meter` for many meters in one query (plus one per plan not yet cached)."""
    cache = db.info.setdefault(SESSION_CACHE, {}) if cache is None else cache
    found: dict[int, TariffLike] = {}
    for meter_id, *row in db.execute(_choices_query(), {"meter_ids": list(meter_ids)}):
        found.setdefault(meter_id, _choose(db, cache, row).tariff)
    return found


def effective_tariff(db: Session, meter_id: int,
                     cache: MutableMapping[Any, Any] | None = None) -> EffectiveTariff:
    """`tariff_for_meter` with the level it was found at, for screens and dry runs."""
    cache = db.info.setdefault(SESSION_CACHE, {}) if cache is None else cache
    row = db.execute(_choice_query(), {"meter_id": meter_id}).first()
    if row is None:
        raise NotFound("No such {what}.", what="meter")
    return _choose(db, cache, row)


def _choose(db: Session, cache: MutableMapping[Any, Any], row) -> EffectiveTariff:
    site_id, default_price, timezone, *plans = row
    default = _cached(cache, ("default", site_id, default_price),
                      lambda: Tariff.flat(default_price, name="site default price"))
    for source, plan_id in zip(("meter", "account", "site"), plans, strict=True):
        if plan_id is not None:
            schedule = _cached(cache, ("plan", plan_id),
                               lambda plan_id=plan_id: plan_schedule(db, plan_id, default))
            if schedule is not None:
                return EffectiveTariff(source, plan_id, schedule, timezone)
    return EffectiveTariff("default_price", None, default, timezone)


@functools.cache
def _choice_query() -> Select:
    """Built once: composing the aliased joins costs more than running the query."""
    return _choices().where(Meter.id == bindparam("meter_id"))


@functools.cache
def _choices_query() -> Select:
    return _choices(Meter.id).where(Meter.id.in_(bindparam("meter_ids", expanding=True)))


def _choices(*first) -> Select:
    own, by_account, by_site = (aliased(TariffAssignment) for _ in range(3))
    return (
        select(*first, Meter.site_id, Site.default_price, Site.timezone, own.plan_id,
               by_account.plan_id, by_site.plan_id)
        .join(Site, Site.id == Meter.site_id)
        .outerjoin(own, own.meter_id == Meter.id)
        .outerjoin(AccountMeter, and_(AccountMeter.meter_id == Meter.id,
                                      AccountMeter.detached_at.is_(None)))
        .outerjoin(by_account, by_account.account_id == AccountMeter.account_id)
        .outerjoin(by_site, and_(by_site.site_id == Meter.site_id, by_site.meter_id.is_(None),
                                 by_site.account_id.is_(None)))
    )


def plan_schedule(db: Session, plan_id: int, before_first: Tariff | None = None,
                  *, extra: TariffPlanVersion | None = None) -> TariffSchedule | None:
    """The plan's published versions as a schedule (None if none), `before_first` in force
    before the first one; `extra` adds a draft as if published (for dry runs)."""
    versions = list(db.scalars(select(TariffPlanVersion).where(
        TariffPlanVersion.plan_id == plan_id, TariffPlanVersion.status == VersionStatus.PUBLISHED)))
    if extra is not None:
        versions = [v for v in versions if v.effective_from != extra.effective_from] + [extra]
    if not versions:
        return None
    versions.sort(key=lambda v: v.effective_from)
    engine_versions = [TariffVersion(v.effective_from, parsed(v.tariff)) for v in versions]
    if before_first is not None and versions[0].effective_from > FLOOR_DATE:
        engine_versions.insert(0, TariffVersion(FLOOR_DATE, before_first))
    return TariffSchedule(tuple(engine_versions))


_PARSED: dict[str, Tariff] = {}
_PARSED_MAX = 512


def parsed(data: Any) -> Tariff:
    """A version's tariff as the engine's object, parsed once per process. Keyed by the stored
    JSON itself: a published version never changes (the database refuses it), and a key of
    content rather than id stays right when one process talks to several databases (tests,
    scripts). Parsing a time-of-use tariff (its season and band indexes) costs about as much as
    the rest of a tenant's home screen."""
    key = json.dumps(data, separators=(",", ":"), default=str)
    found = _PARSED.get(key)
    if found is None:
        found = Tariff.from_dict(data)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def _cached(cache: MutableMapping[Any, Any], key: tuple, build):
    if key not in cache:
        cache[key] = build()
    return cache[key]


def forget(db: Session) -> None:
    """Drop the session's cached schedules (after a publish or an assignment)."""
    db.info.pop(SESSION_CACHE, None)
