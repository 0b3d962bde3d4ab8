"""The tenant pages' browser tests: a phone (an iPhone-class device profile at 360x640), a
tenant of the demo signed in with the code read from the SMS outbox, screenshots."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backoffice.seed import DEMO_TARIFF
from shared_models import registry
from shared_models.enums import ControlMode
from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Meter, Reading, Site, SmsMessage, TenantAccount
from shared_models.models.ledger import Channel
from shared_models.models.metering import ReadingQuality
from shared_models.models.notifications import SmsKind
from shared_models.sales import accounts, sales, shifts
from shared_models.tariffs import Band, Tariff
from shared_models.types import utcnow
from tests.console.browser_kit import Watch

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "mobile"
SIZE = {"width": 360, "height": 640}
DEVICES: dict[str, dict] = {}  # Playwright's device profiles, filled by the browser fixture
# WeChat's in-app browser on an iPhone says so in its user agent.
WECHAT_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI "
                "Language/zh_CN")
# Tenants of the demo the tests sign in as: each test its own, so they never meet.
HISTORY_TENANTS = 3
USAGE_KWH = {Band.SHARP: Decimal("0.90"), Band.PEAK: Decimal("0.60"), Band.FLAT: Decimal("0.40"),
             Band.VALLEY: Decimal("0.20")}


def remote_tenants(sessions, site_id: int) -> list[tuple[int, str, str]]:
    """(account id, number, phone) of remote-mode tenants with money, by id: first those with a
    month of history (`add_history`), then the demo's own (past the console tests' low ones)."""
    with sessions() as db:
        rows = db.execute(
            select(TenantAccount.id, TenantAccount.number, TenantAccount.phone)
            .join(AccountMeter, AccountMeter.account_id == TenantAccount.id)
            .join(Meter, Meter.id == AccountMeter.meter_id)
            .where(TenantAccount.site_id == site_id, Meter.control_mode == ControlMode.REMOTE,
                   AccountMeter.detached_at.is_(None))
            .order_by(TenantAccount.id)).all()
    rows = [tuple(row) for row in rows]
    return rows[-HISTORY_TENANTS:] + rows[10:-HISTORY_TENANTS]


def add_history(sessions, site_id: int, operator_id: int) -> None:
    """A few more tenants on a gateway of their own, with 32 days of hourly readings whose
    registers follow the demo tariff's bands, so usage charts and "days left" have data."""
    tariff = Tariff.from_dict(DEMO_TARIFF)
    with sessions() as db:
        zone = ZoneInfo(db.get(Site, site_id).timezone)
        bus = registry.save_gateway(db, {"site_id": site_id, "name": "GW-M", "host": "127.0.0.1",
                                         "port": 15999, "bus_count": 1}).buses[0]
        now = utcnow()
        for n in range(HISTORY_TENANTS):
            meter = registry.save_meter(db, {"bus_id": bus.id, "address": n + 1,
                                             "serial_number": f"MOBILE{n + 1:04d}"})
            account = accounts.open_account(db, {
                "site_id": site_id, "meter_ids": [meter.id], "tenant_name": f"王女士 Tenant M{n + 1}",
                "phone": f"1390000{n + 1:04d}", "opening_balance": Decimal("260.00"),
                "carried_over_from": "an old card meter"}, operator_id=None)
            for link in account.links:
                link.attached_at = now - timedelta(days=40)
            at = (now - timedelta(days=32)).replace(minute=5, second=0, microsecond=0)
            registers = dict.fromkeys(USAGE_KWH, Decimal("100.00"))
            reading = None
            while at <= now:
                local = at.astimezone(zone)
                band = tariff.time_of_use.plan_for(local.date()).lookup(
                    timedelta(hours=local.hour, minutes=local.minute))[0]
                registers[band] += USAGE_KWH[band] * (1 + local.day % 3) / 2
                reading = Reading(meter_id=meter.id, read_at=at, total_energy=sum(registers.values()),
                                  energy_sharp=registers[Band.SHARP], energy_peak=registers[Band.PEAK],
                                  energy_flat=registers[Band.FLAT], energy_valley=registers[Band.VALLEY],
                                  balance=Decimal(0), purchase_count=0, status_bits=0,
                                  quality=ReadingQuality.GOOD, power_w=int(USAGE_KWH[band] * 1000))
                db.add(reading)
                at += timedelta(hours=1)
            reading = Reading(meter_id=meter.id, read_at=now, total_energy=reading.total_energy,
                              energy_sharp=reading.energy_sharp, energy_peak=reading.energy_peak,
                              energy_flat=reading.energy_flat, energy_valley=reading.energy_valley,
                              balance=Decimal(0), purchase_count=0, status_bits=0,
                              quality=ReadingQuality.GOOD, power_w=reading.power_w)
            db.add(reading)
            db.flush()
            state = state_of(db, meter.id)
            state.last_reading_id, state.last_read_at, state.online = reading.id, reading.read_at, True
            state.relay_open, state.status_bits = False, 0
            # A recharge at the counter, so history and receipts have a row.
            shift = shifts.open_shift(db, operator_id, site_id)
            sales.recharge(db, account_id=account.id, amount=Decimal("40.00"), channel=Channel.CASH,
                           operator_id=operator_id)
            shifts.close_shift(db, shift, operator_id, may_close_others=False)
        db.commit()


def phone(browser, office, language: str = "zh-CN", *, user_agent: str | None = None,
          desktop: bool = False):
    """A new browser context like a phone (or a desktop), on the sign-in page; (context, page, watch)."""
    if desktop:
        options = {"viewport": {"width": 1280, "height": 800}}
    else:
        options = {**DEVICES["iPhone 13"], "viewport": SIZE, "screen": SIZE}
    if user_agent:
        options["user_agent"] = user_agent
    context = browser.new_context(**options, locale=language, timezone_id="Asia/Shanghai")
    page = context.new_page()
    # Asked before signing in (401), and a wrong code in the throttle test.
    watch = Watch(allowed={"/api/v1/tenant/auth/session"})
    watch.attach(page)
    page.goto(f"{office.url}/m/")
    page.wait_for_selector(".sign-in")
    if language == "en":
        page.click(".lang-toggle button:has-text('EN')")
        page.wait_for_selector("html[lang=en]")
    return context, page, watch


def read_code(sessions, account_id: int) -> str:
    """The newest sign-in code texted to the account, as the tenant reads it on their phone."""
    with sessions() as db:
        body = db.scalar(select(SmsMessage.body).where(SmsMessage.account_id == account_id,
                                                       SmsMessage.kind == SmsKind.SIGN_IN_CODE)
                         .order_by(SmsMessage.id.desc()).limit(1))
    return re.search(r"验证码为(\d{6})", body).group(1)


def sign_in(page, office, tenant, *, shots: str | None = None, language: str = "zh-CN") -> None:
    """Sign in as `tenant` (account id, number, phone) with the code from the outbox."""
    account_id, number, phone_number = tenant
    page.fill("input[name=account]", number)
    page.fill("input[name=phone]", phone_number)
    page.click("button:has-text('SMS'), button:has-text('短信')")
    page.wait_for_selector(".form-note")
    page.fill("input[name=code]", read_code(office.sessions, account_id))
    if shots:
        shoot(page, shots, language)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=balance]")


def settle(page) -> None:
    """No API call in flight, twice (a screen's effects may start another), nothing loading."""
    for _ in range(2):
        page.wait_for_selector("html:not([data-busy])", state="attached")
        page.wait_for_timeout(150)
    page.locator(".loading").first.wait_for(state="hidden")


def shoot(page, name: str, language: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{language}.png"))


def missing_words(page) -> list[str]:
    return page.evaluate("[...window.__wattkeeperMissing]")


def small_targets(page) -> list[str]:
    """Buttons, links and fields on screen smaller than 44x44 CSS px (a finger's width)."""
    return page.evaluate("""() => [...document.querySelectorAll('button, a, input, select')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
        .map(([e, r]) => `${e.tagName} ${e.textContent.trim().slice(0, 20)} `
                         + `${Math.round(r.width)}x${Math.round(r.height)}`)""")
