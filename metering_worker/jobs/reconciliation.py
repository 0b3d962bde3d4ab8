"""The daily reconciliation cron job (queue payments): yesterday's bills of every configured
site and channel, and the local meters' purchase counts, once each site's day is past 10:00.

The gateways publish a day's bill from about 10:00 the next morning (Beijing time), so the job
runs every hour and reconciles, for each site whose local clock is past 10:00, what is not done
yet for yesterday: a bill not published yet fails its run and is fetched again an hour later.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select

from metering_worker import config
from metering_worker.jobs.payments import configured_gateways, gateway
from shared_models.audit import Actor
from shared_models.models import Site
from shared_models.models.reconciliation import ReconciliationRun, RunState
from shared_models.payments import reconciliation
from shared_models.types import utcnow

log = logging.getLogger(__name__)

RECONCILIATION = Actor(id=None, name="reconciliation")
BILLS_PUBLISHED_HOUR = 10  # local time; the runs of yesterday start after it


def reconcile_yesterday(now: str | None = None) -> dict[str, int]:
    """Cron job: reconcile yesterday for every site past 10:00 local, each scope not done yet."""
    moment = datetime.fromisoformat(now) if now else utcnow()
    sessions = partial(config.session_factory(), info={"actor": RECONCILIATION})
    configured = configured_gateways()
    with sessions() as db:
        sites = db.execute(select(Site.id, Site.code, Site.timezone).order_by(Site.id)).all()
        done = set(db.execute(select(ReconciliationRun.site_id, ReconciliationRun.scope,
                                     ReconciliationRun.day)
                              .where(ReconciliationRun.state == RunState.DONE)).all())
    counts = {"done": 0, "failed": 0, "skipped": 0}
    for site_id, code, timezone in sites:
        local = moment.astimezone(ZoneInfo(timezone))
        if local.hour < BILLS_PUBLISHED_HOUR:
            continue
        day = reconciliation.yesterday(timezone, moment)
        channels = configured.channels(code) if configured else []
        for scope in [*channels, reconciliation.METERS]:
            if (site_id, scope, day) in done:
                counts["skipped"] += 1
                continue
            if scope == reconciliation.METERS:
                run_id = reconciliation.run_meters(sessions, site_id, day, started_by="cron")
            else:
                run_id = reconciliation.run_day(sessions, site_id, scope, day,
                                                gateway=gateway(code, scope), started_by="cron")
            with sessions() as db:
                state = db.get(ReconciliationRun, run_id).state
            counts["done" if state == RunState.DONE else "failed"] += 1
    if counts["done"] or counts["failed"]:
        log.info("reconciliation: %s", counts)
    return counts
