"""The console bench's site: 10,000 meters and 5,000 accounts in bulk, on PostgreSQL.

The registry, accounts, wallets, meter states and readings go in by bulk inserts (readings by
COPY): the domain services check one row at a time, which would take longer than the bench.
Wallets open with balances carried over from old meters, posted as `open_account` posts them
(so the books balance), and a few real counter sales (`sales.recharge`) give the dashboard its
takings. Money
ranges over every alarm level; some meters are silent, some protected (by rule or by the
meter's status word), a fifth never opened; hourly readings since yesterday's local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text

from shared_models.enums import ControlMode, Framing, MeterStatus
from shared_models.metering.status_list import PROTECT_BIT
from shared_models.models import (
    AccountMeter,
    Alarm,
    Building,
    Bus,
    Floor,
    Gateway,
    LedgerAccount,
    Meter,
    MeterState,
    Site,
    TenantAccount,
    Unit,
)
from shared_models.models.accounts import ArrearsRule
from shared_models.models.ledger import AccountKind, LedgerTransaction, Posting, TransactionKind
from shared_models.models.metering import AlarmKind
from shared_models.types import utcnow

PASSWORD = "bench console password"
METERS_PER_BUS = 32
BUSES_PER_GATEWAY = 8
FLOORS_PER_BUILDING = 20
UNITS_PER_FLOOR = 50
ALARM1, ALARM2 = Decimal("20.00"), Decimal("5.00")


@dataclass(frozen=True)
class Seeded:
    site_id: int
    meters: int
    accounts: int
    readings: int
    sales: int


def _ids(conn, table, rows: list[dict]) -> list[int]:
    """Insert `rows` in bulk; their ids in the order given."""
    return list(conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                             rows).scalars())


def _registry(conn, meters: int) -> tuple[int, list[int], list[int]]:
    """The site, its places and gateways, and the meters (one unit each); returns the site id,
    the meter ids and the unit ids."""
    site_id = conn.execute(insert(Site.__table__).returning(Site.__table__.c.id), {
        "code": "CONSOLE", "name": "控制台基准 Console bench", "alarm1_threshold": ALARM1,
        "alarm2_threshold": ALARM2}).scalar_one()
    units_per_building = FLOORS_PER_BUILDING * UNITS_PER_FLOOR
    buildings = _ids(conn, Building.__table__, [
        {"site_id": site_id, "name": f"{b + 1}号楼 Block {b + 1}"}
        for b in range(-(-meters // units_per_building))])
    floors = _ids(conn, Floor.__table__, [
        {"building_id": building, "name": f"{f + 1}F"}
        for building in buildings for f in range(FLOORS_PER_BUILDING)])
    units = _ids(conn, Unit.__table__, [
        {"floor_id": floor, "name": f"{f % FLOORS_PER_BUILDING + 1}{u + 1:02d}"}
        for f, floor in enumerate(floors) for u in range(UNITS_PER_FLOOR)])[:meters]
    buses_needed = -(-meters // METERS_PER_BUS)
    gateways = _ids(conn, Gateway.__table__, [
        {"site_id": site_id, "name": f"GW-{g + 1:03d}", "host": "127.0.0.1", "port": 502,
         "framing": Framing.MODBUS_TCP} for g in range(-(-buses_needed // BUSES_PER_GATEWAY))])
    buses = _ids(conn, Bus.__table__, [
        {"gateway_id": gateway, "number": n + 1, "port": 502}
        for gateway in gateways for n in range(BUSES_PER_GATEWAY)])[:buses_needed]
    meter_ids = _ids(conn, Meter.__table__, [
        {"site_id": site_id, "serial_number": f"CB{m + 1:08d}", "bus_id": buses[m // METERS_PER_BUS],
         "address": m % METERS_PER_BUS + 1, "unit_id": units[m],
         # one local-mode meter (本地费控) in five; the rest follow the wallet
         "control_mode": ControlMode.LOCAL if m % 5 == 4 else ControlMode.REMOTE,
         "status": MeterStatus.NOT_OPENED} for m in range(meters)])
    return site_id, meter_ids, units


def _accounts(conn, site_id: int, meter_ids: list[int], units: list[int],
              accounts: int) -> list[int]:
    """Accounts on the first meters: three in five hold two meters, the rest one; the last
    fifth of the meters stays not opened (as far as the meters allow)."""
    opened = min(len(meter_ids), accounts * 8 // 5)
    pairs = max(0, opened - accounts)
    holdings, meter = [], 0
    for a in range(accounts):
        take = 2 if a < pairs else 1
        holdings.append(meter_ids[meter:meter + take])
        meter += take
    account_ids = _ids(conn, TenantAccount.__table__, [
        {"site_id": site_id, "number": f"CONSOLE-{a + 1:06d}", "tenant_name": f"租户 Tenant {a + 1}",
         "phone": f"139{a:08d}", "unit_id": units[meter_ids.index(held[0])] if held else None,
         "alarm1_threshold": ALARM1, "alarm2_threshold": ALARM2,
         "arrears_rule": ArrearsRule.PROTECT if a % 50 == 7 else ArrearsRule.TRIP}
        for a, held in enumerate(holdings)])
    conn.execute(insert(LedgerAccount.__table__), [
        {"site_id": site_id, "kind": AccountKind.WALLET, "tenant_account_id": account,
         "code": f"wallet:CONSOLE-{a + 1:06d}", "balance": Decimal("0.00")}
        for a, account in enumerate(account_ids)])
    attached = utcnow() - timedelta(days=30)
    conn.execute(insert(AccountMeter.__table__), [
        {"account_id": account, "meter_id": m, "attached_at": attached}
        for account, held in zip(account_ids, holdings, strict=True) for m in held])
    conn.execute(Meter.__table__.update().where(Meter.__table__.c.id.in_(
        [m for held in holdings for m in held])).values(status=MeterStatus.OPENED))
    return account_ids


def _readings(conn, meter_ids: list[int], timezone: str) -> int:
    """Hourly readings since yesterday's local midnight (COPY), then each meter's state."""
    zone = ZoneInfo(timezone)
    now = utcnow()
    start = (now.astimezone(zone) - timedelta(days=1)).replace(hour=0, minute=5, second=0,
                                                                 microsecond=0)
    hours = []
    at = start
    while at <= now:
        hours.append((at.astimezone(ZoneInfo("UTC")), 8 <= at.hour < 19))
        at += timedelta(hours=1)
    raw = conn.connection.driver_connection
    count = 0
    with raw.cursor() as cursor:
        with cursor.copy("COPY readings (meter_id, read_at, total_energy, energy_sharp, energy_peak,"
                         " energy_flat, energy_valley, balance, purchase_count, status_bits,"
                         " quality, power_w) FROM STDIN") as copy:
            for index, meter in enumerate(meter_ids):
                total = Decimal(1000 + index % 700)
                for read_at, daytime in hours:
                    total += Decimal("0.40") if daytime else Decimal("0.10")
                    copy.write_row((meter, read_at, total, 0, 0, total, 0, 0, 0, 0, "good",
                                    400 if daytime else 100))
                    count += 1
    last = hours[-1][0]
    conn.execute(insert(MeterState.__table__), [
        {"meter_id": meter, "last_read_at": last, "online": index % 97 != 13, "relay_open": False,
         "status_bits": PROTECT_BIT if index % 211 == 3 else 0, "balance": Decimal("0.00"),
         "purchase_count": 0, "consecutive_failures": 0, "command_sequence": 0,
         "cost_carry": Decimal(0), "updated_at": last}
        for index, meter in enumerate(meter_ids)])
    conn.execute(text("UPDATE meter_states s SET last_reading_id = r.id FROM "
                      "(SELECT meter_id, max(id) AS id FROM readings GROUP BY meter_id) r "
                      "WHERE r.meter_id = s.meter_id"))
    return count


OPENINGS = tuple(Decimal(x) for x in ("100", "50", "12", "3", "200", "30", "80", "15", "0"))
SALES = 150  # real counter sales, for the dashboard's takings


def _openings(conn, site_id: int, account_ids: list[int], held_id: int) -> None:
    """Balances carried over from old meters (as `open_account` posts them, in bulk): amounts
    over every alarm level, one account in nine at zero (arrears)."""
    wallets = dict(conn.execute(text(
        "SELECT tenant_account_id, id FROM ledger_accounts WHERE site_id = :site "
        "AND tenant_account_id IS NOT NULL"), {"site": site_id}).all())
    amounts = [OPENINGS[a % len(OPENINGS)] for a in range(len(account_ids))]
    funded = [(account, amount) for account, amount in zip(account_ids, amounts, strict=True)
              if amount > 0]
    transactions = _ids(conn, LedgerTransaction.__table__, [
        {"site_id": site_id, "kind": TransactionKind.OPENING,
         "reason": "balance carried over from the old meter"} for _ in funded])
    conn.execute(insert(Posting.__table__), [
        leg for tx, (account, amount) in zip(transactions, funded, strict=True)
        for leg in ({"transaction_id": tx, "account_id": held_id, "amount": -amount},
                    {"transaction_id": tx, "account_id": wallets[account], "amount": amount})])
    conn.execute(text("UPDATE ledger_accounts SET balance = :amount WHERE id = :id"),
                 [{"id": wallets[account], "amount": amount} for account, amount in funded])


def _sell(database_url: str, site_id: int, account_ids: list[int]) -> int:
    """The bench's admin (it logs in as them), the site's own ledger accounts, and a few real
    counter sales through the one crediting path."""
    from backoffice.auth.accounts import save_operator
    from shared_models.audit import SYSTEM, set_actor
    from shared_models.db import make_engine, make_session_factory
    from shared_models.enums import Role
    from shared_models.ledger.books import ensure_site_accounts, site_account
    from shared_models.models.ledger import Channel
    from shared_models.sales import sales, shifts

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            set_actor(db, SYSTEM)
            admin = save_operator(db, {"username": "admin", "password": PASSWORD,
                                       "role": Role.ADMIN, "all_sites": True,
                                       "display_name": "Administrator"})
            ensure_site_accounts(db, site_id)
            held_id = site_account(db, site_id, AccountKind.METER_HELD).id
            db.commit()
            with engine.begin() as conn:
                _openings(conn, site_id, account_ids, held_id)
            shifts.open_shift(db, admin.id, site_id)
            step = max(1, len(account_ids) // SALES)
            for n, account_id in enumerate(account_ids[::step][:SALES]):
                sales.recharge(db, account_id=account_id, amount=Decimal(50 + n % 4 * 25),
                               channel=Channel.BANK_CARD if n % 3 == 2 else Channel.CASH,
                               operator_id=admin.id)
            db.commit()
            return min(SALES, len(account_ids[::step]))
    finally:
        engine.dispose()


def _alarms(conn, site_id: int) -> None:
    """The balance alarms of accounts never sold to (a sale raises its account's own)."""
    rows = conn.execute(text(
        "SELECT t.id, l.balance FROM tenant_accounts t JOIN ledger_accounts l "
        "ON l.tenant_account_id = t.id WHERE t.site_id = :site AND NOT EXISTS "
        "(SELECT 1 FROM alarms a WHERE a.account_id = t.id AND a.cleared_at IS NULL)"),
        {"site": site_id}).all()
    alarms = []
    for account_id, balance in rows:
        kind = (AlarmKind.ARREARS if balance <= 0 else AlarmKind.ALARM2 if balance < ALARM2
                else AlarmKind.ALARM1 if balance < ALARM1 else None)
        if kind is not None:
            alarms.append({"site_id": site_id, "kind": kind, "subject": f"account:{account_id}",
                           "account_id": account_id, "detail": f"balance {balance}"})
    if alarms:
        conn.execute(insert(Alarm.__table__), alarms)


def seed(database_url: str, *, meters: int, accounts: int) -> Seeded:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            site_id, meter_ids, units = _registry(conn, meters)
            account_ids = _accounts(conn, site_id, meter_ids, units, accounts)
            timezone = conn.execute(text("SELECT timezone FROM sites WHERE id = :id"),
                                    {"id": site_id}).scalar_one()
            readings = _readings(conn, meter_ids, timezone)
        sold = _sell(database_url, site_id, account_ids)
        with engine.begin() as conn:
            _alarms(conn, site_id)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return Seeded(site_id, meters, accounts, readings, sold)

