"""A tenant's home screen, in one answer: money, supply, thresholds, days left, tariff now."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.resources.tenant.views import account_brief
from shared_models.enums import ControlMode
from shared_models.metering.balances import account_money
from shared_models.metering.band_usage import account_band_total
from shared_models.metering.freshness import is_stale
from shared_models.metering.outlook import (
    HISTORY_DAYS,
    daily_cost,
    days_left,
    tariff_in_force,
    tariff_now,
)
from shared_models.models import AccountMeter, Meter, MeterState, Site, TenantAccount
from shared_models.models.accounts import ArrearsRule
from shared_models.payments.orders import limits_of
from shared_models.settlement.enforcement_rules import balance_level
from shared_models.tariffs.localtime import local_midnight
from shared_models.tariffs.lookup import tariff_for_meter
from shared_models.types import utcnow

ZERO = Decimal("0.00")


def supply_of(meter: Meter, state: MeterState | None, account: TenantAccount, site: Site,
              level: str | None, now) -> str:
    """One word for a meter's supply, in the console's vocabulary: on, off (tripped), arrears
    (tripped at arrears), offline (失联), unknown (never read)."""
    if state is None or state.relay_open is None:
        return "unknown"
    if not state.online or is_stale(state.last_read_at, site.poll_interval_s, now):
        return "offline"
    if state.relay_open:
        return "arrears" if level == "arrears" else "off"
    return "on"


def meters_of(db: Session, account: TenantAccount) -> list[tuple[Meter, MeterState | None]]:
    """The meters attached now, with their states, in one statement (the account's links, each
    meter and the states would be three, the first two by lazy loads)."""
    return [(meter, state) for meter, state in db.execute(
        select(Meter, MeterState).join(AccountMeter, AccountMeter.meter_id == Meter.id)
        .outerjoin(MeterState, MeterState.meter_id == Meter.id)
        .where(AccountMeter.account_id == account.id, AccountMeter.detached_at.is_(None))
        .order_by(AccountMeter.id))]


def _week_use(db: Session, account: TenantAccount, today: date, zone: ZoneInfo):
    """kWh per band over the last full days, None if no reading stands behind them."""
    return account_band_total(db, account, local_midnight(today - timedelta(days=HISTORY_DAYS), zone),
                              local_midnight(today, zone))


def home(db: Session, account: TenantAccount) -> dict:
    now = utcnow()
    site = db.get(Site, account.site_id)
    zone = ZoneInfo(site.timezone)
    meters = meters_of(db, account)
    # The local-mode meters' states are among those just read: the money needs no query of its own.
    money = account_money(db, account, local_states=[
        s for m, s in meters if m.control_mode == ControlMode.LOCAL and s is not None])
    level = balance_level(money.total, account.alarm1_threshold, account.alarm2_threshold)
    level_word = level.value if level else "normal"
    tariff = tariff_for_meter(db, meters[0][0].id) if meters else None
    in_force = tariff_now(tariff, now, zone) if tariff else None
    history = _week_use(db, account, now.astimezone(zone).date(), zone)
    per_day = (daily_cost(history, HISTORY_DAYS, tariff_in_force(tariff, now, zone))
               if tariff and history is not None else None)
    limits = limits_of(site, account)
    return {
        "account": account_brief(account, site), "site_name": site.name,
        "balance": money.total, "wallet": money.wallet, "on_meters": money.on_meters + money.in_transit,
        "meters_read_at": money.meters_read_at,
        "local_mode": any(m.control_mode == ControlMode.LOCAL for m, _ in meters),
        "level": level_word, "protected": account.arrears_rule == ArrearsRule.PROTECT,
        "alarm1_threshold": account.alarm1_threshold, "alarm2_threshold": account.alarm2_threshold,
        "days_left": days_left(money.total, per_day),
        "daily_cost": per_day.quantize(Decimal("0.01")) if per_day is not None else None,
        "tariff": None if in_force is None else {
            "name": in_force.name, "band_now": in_force.band.value, "price_now": in_force.price,
            "prices": {band.value: price for band, price in in_force.prices.items()}},
        "meters": [{"id": m.id, "serial_number": m.serial_number, "control_mode": m.control_mode.value,
                    "supply": supply_of(m, s, account, site, level_word, now),
                    "read_at": s.last_read_at if s else None,
                    "meter_balance": s.balance if s and m.control_mode == ControlMode.LOCAL else None}
                   for m, s in meters],
        "recharge": {"minimum": limits.minimum, "maximum": limits.maximum,
                     "credit_cap": limits.credit_cap,
                     "most_now": max(min(limits.credit_cap - money.wallet, limits.maximum), ZERO)},
        "supply_control": site.tenant_supply_control,
    }
