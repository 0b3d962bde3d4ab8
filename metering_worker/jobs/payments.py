"""Payment jobs (queue payments): charging a scanned payment code, and the recovery cron.

The worker reads the gateways' keys from the file named by WATTKEEPER_PAYMENTS, as the back
office does; without it there is nothing to charge or recover.
"""

from __future__ import annotations

import logging
from functools import cache

from sqlalchemy import select

from metering_worker import config, transport
from shared_models.models import Command, Meter, Site
from shared_models.payments import orders, recovery
from shared_models.payments.gateways import config as gateway_config
from shared_models.payments.gateways.base import Gateway

log = logging.getLogger(__name__)


@cache
def configured_gateways():
    """The gateways of WATTKEEPER_PAYMENTS, read once per process; None: payments are off."""
    path = config.settings().payments_file
    return gateway_config.load(path) if path else None


def gateway(site_code: str, channel: str) -> Gateway | None:
    loaded = configured_gateways()
    return loaded.gateway(site_code, channel) if loaded else None


def charge_code(order_id: int, auth_code: str) -> dict[str, object]:
    """Job: charge the payment code for the order (pay, ask while the payer types, cancel)."""
    sessions = config.session_factory()
    with sessions() as db:
        order = orders.get(db, order_id)
        site_code = db.get(Site, order.site_id).code
        channel = order.channel.value
    found = gateway(site_code, channel)
    if found is None:
        raise RuntimeError(f"{channel} is not configured for site {site_code}")
    outcome = recovery.charge_code(sessions, found, order_id, auth_code)
    if outcome is None:
        return {"order": order_id, "state": "unknown"}
    _announce(sessions, outcome.command_ids)
    return {"order": order_id, "state": outcome.order.state.value, "credited": outcome.credited}


def recover_orders() -> dict[str, int]:
    """Cron job: ask about orders whose notify is late, close the expired ones."""
    if configured_gateways() is None:
        return {}
    counts = recovery.recover(config.session_factory(), gateway)
    if any(counts.values()):
        log.info("payment recovery: %s", counts)
    return counts


def _announce(sessions, command_ids: list[int]) -> None:
    """Wake the buses of the commands a credit queued (a local meter's push, a relay close)."""
    if not command_ids:
        return
    with sessions() as db:
        bus_ids = sorted(set(db.scalars(select(Meter.bus_id).join(Command, Command.meter_id == Meter.id)
                                        .where(Command.id.in_(command_ids)))))
    transport.announce(config.redis(), command_ids, bus_ids)
