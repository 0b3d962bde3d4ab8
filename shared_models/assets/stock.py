"""Stock report: how many meters are in each state, by model and site."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from shared_models.enums import AssetState
from shared_models.models import Meter, MeterAsset


def stock(db: Session, site_ids: Iterable[int] | None = None) -> list[dict]:
    """Counts by (state, model, site); registry meters with no asset record count as installed.
    With `site_ids`, those sites and the central store (no site)."""
    assets = select(MeterAsset.state, MeterAsset.model, MeterAsset.site_id, func.count())
    legacy = (select(Meter.model, Meter.site_id, func.count())
              .where(~exists().where(MeterAsset.meter_id == Meter.id)))
    if site_ids is not None:
        site_ids = list(site_ids)
        assets = assets.where(or_(MeterAsset.site_id.in_(site_ids), MeterAsset.site_id.is_(None)))
        legacy = legacy.where(Meter.site_id.in_(site_ids))
    counts: Counter = Counter()
    for state, model, site_id, count in db.execute(
            assets.group_by(MeterAsset.state, MeterAsset.model, MeterAsset.site_id)):
        counts[(state, model, site_id)] += count
    for model, site_id, count in db.execute(legacy.group_by(Meter.model, Meter.site_id)):
        counts[(AssetState.INSTALLED, model, site_id)] += count
    order = list(AssetState)
    return [{"state": state, "model": model, "site_id": site_id, "count": count}
            for (state, model, site_id), count in sorted(
                counts.items(), key=lambda item: (order.index(item[0][0]), item[0][1],
                                                  item[0][2] or 0))]
