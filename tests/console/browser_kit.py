"""The console's browser tests: the back office on a real port over a demo-seeded database
with a day and a half of readings, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backoffice import create_app, database
from backoffice.auth.accounts import save_operator
from backoffice.cli import ensure_admin
from backoffice.seed import seed_demo
from shared_models import registry
from shared_models.db import make_engine, make_session_factory
from shared_models.enums import ControlMode, Role
from shared_models.ledger.books import wallet_of
from shared_models.metering import alarms
from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Gateway, Meter, Operator, Reading, Site
from shared_models.models.ledger import Channel
from shared_models.models.metering import AlarmKind, ReadingQuality
from shared_models.sales import sales, shifts
from shared_models.types import utcnow
from tests.infra import scratch_databases
from tests.payments.sandbox_kit import serve

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "console"
PASSWORD = "console test password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CHROMIUM = "/usr/bin/chromium"
# UI.md: on these machines Chromium must not wait on refused background connections.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}


@contextmanager
def serve_office(directory, redis_url: str, seed: Callable[..., dict[str, int]]) -> Iterator:
    """A back office on a real port over a scratch database filled by `seed(app)`; the answer
    has the app, its URL and `ids`, the seed's names for the rows tests look up."""
    databases = scratch_databases(directory)
    engine = make_engine(databases.create())
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "SESSION_FACTORY": make_session_factory(engine), "REDIS_URL": redis_url,
                      "SECRET_KEY": "console-test-secret"})
    served = serve(app)
    try:
        served.ids = seed(app)
        yield served
    finally:
        served.stop()
        engine.dispose()
        databases.drop_all()


def seed_console_demo(app) -> dict[str, int]:
    """The demo site, an admin and a viewer, some tenants run low or dry, a refund waiting,
    hourly readings since yesterday's midnight, a few silent meters and a silent gateway."""
    with app.app_context():
        db = database.session()
        ensure_admin("admin", PASSWORD)
        admin_id = db.scalar(select(Operator.id).where(Operator.username == "admin"))
        seed_demo(db, admin_id)
        viewer = save_operator(db, {"username": "viewer", "password": PASSWORD,
                                    "role": Role.VIEWER, "all_sites": True,
                                    "display_name": "Viewer"})
        save_operator(db, {"username": "finance", "password": PASSWORD, "role": Role.FINANCE,
                           "all_sites": True, "display_name": "Finance"})
        guarded = save_operator(db, {"username": "guarded", "password": PASSWORD,
                                     "role": Role.OPERATOR, "all_sites": True})
        guarded.totp_secret, guarded.totp_enabled = TOTP_SECRET, True
        elsewhere = registry.save_site(db, {"code": "ELSEWHERE", "name": "别处 Elsewhere"})
        registry.save_building(db, {"site_id": elsewhere.id, "name": "C栋 Tower C"})
        save_operator(db, {"username": "elsewhere", "password": PASSWORD, "role": Role.OPERATOR,
                           "all_sites": False, "site_ids": [elsewhere.id]})
        site = db.scalar(select(Site).where(Site.code == "DEMO"))
        site.refund_approval_threshold = Decimal("130.00")
        _spend_some(db, site, admin_id)
        _read_since_yesterday(db, site)
        gateway = db.scalar(select(Gateway).where(Gateway.name == "GW-B1"))
        alarms.raise_alarm(db, AlarmKind.GATEWAY_LOST, site_id=site.id, gateway_id=gateway.id,
                           detail="no answer on port")
        db.commit()
        return {"admin": admin_id, "viewer": viewer.id, "site": site.id}


def _remote_accounts(db, site) -> list[tuple[int, int]]:
    """(account id, meter id) of remote-mode tenants: their wallet is their balance."""
    return list(db.execute(
        select(AccountMeter.account_id, Meter.id).join(Meter, Meter.id == AccountMeter.meter_id)
        .where(Meter.site_id == site.id, Meter.control_mode == ControlMode.REMOTE,
               AccountMeter.detached_at.is_(None)).order_by(Meter.id)).all())


def _spend_some(db, site, admin_id: int) -> None:
    shift = shifts.open_shift(db, admin_id, site.id)
    tenants = _remote_accounts(db, site)

    # Refunds leave 0 (arrears), 3 (alarm 2) and 12 (alarm 1); one above the site's threshold
    # waits for approval, the money held, leaving 5 (alarm 1).
    for (account_id, _meter), left in zip(tenants[:7], ["0", "0", "3", "3", "12", "12", "12"],
                                          strict=True):
        balance = wallet_of(db, account_id).balance
        sales.refund(db, account_id=account_id, amount=balance - Decimal(left),
                     channel=Channel.CASH, operator_id=admin_id, reason="moving out")
    account_id = next(account for account, _meter in tenants[7:]
                      if wallet_of(db, account).balance == Decimal("140.00"))
    sales.refund(db, account_id=account_id, amount=wallet_of(db, account_id).balance - Decimal(5),
                 channel=Channel.CASH, operator_id=admin_id, reason="moving out")
    shifts.close_shift(db, shift, admin_id, may_close_others=False)


def _read_since_yesterday(db, site) -> None:
    zone = ZoneInfo(site.timezone)
    now = utcnow()
    start = (now.astimezone(zone) - timedelta(days=1)).replace(hour=0, minute=5, second=0,
                                                                 microsecond=0)
    meters = db.scalars(select(Meter).where(Meter.site_id == site.id).order_by(Meter.id)).all()
    for index, meter in enumerate(meters):
        total, at = Decimal(1000 + index * 7), start
        reading = None
        while at <= now:
            hour = at.astimezone(zone).hour
            # an office day: little at night, most between 8:00 and 19:00
            total += Decimal("0.40") if 8 <= hour < 19 else Decimal("0.10")
            reading = Reading(meter_id=meter.id, read_at=at, total_energy=total,
                              energy_sharp=Decimal(0), energy_peak=Decimal(0),
                              energy_flat=total, energy_valley=Decimal(0), balance=Decimal(0),
                              purchase_count=0, status_bits=0, quality=ReadingQuality.GOOD,
                              power_w=400 if 8 <= hour < 19 else 100)
            db.add(reading)
            at += timedelta(hours=1)
        db.flush()
        state = state_of(db, meter.id)
        state.last_reading_id, state.last_read_at = reading.id, reading.read_at
        state.relay_open, state.status_bits = False, 0
        state.balance, state.purchase_count = Decimal(0), 0  # local meters: all still in transit
        state.online = index % 17 != 5  # a few silent meters
    db.flush()


@dataclass
class Watch:
    """What went wrong on a page: console errors, page errors, failed or refused requests."""

    problems: list[str] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.method} {r.url} {r.failure}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # Chromium also logs every 4xx answer; the expected ones are allowed by path.
        if message.text.startswith("Failed to load resource") and self._path(where) in self.allowed:
            return
        self.problems.append(f"console: {message.text} ({where})")

    @staticmethod
    def _path(url: str) -> str:
        return "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]

    def _response(self, response) -> None:
        path = self._path(response.url)
        if response.status >= 400 and path not in self.allowed:
            self.problems.append(f"{response.status}: {response.request.method} {path}")


def log_in(page, username: str = "admin") -> None:
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".shell")


def missing_words(page) -> list[str]:
    return page.evaluate("[...window.__wattkeeperMissing]")


def shoot(page, name: str, language: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{language}.png"))


def settle(page) -> None:
    """Wait until no API call is in flight, twice: a screen's effects may start another."""
    # No wait_for_function: its predicate is eval'd, which the console's CSP rightly refuses.
    for _ in range(2):
        page.wait_for_selector("html:not([data-busy])", state="attached")
        page.wait_for_timeout(200)
    page.locator(".loading").first.wait_for(state="hidden")
