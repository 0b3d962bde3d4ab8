"""End to end through the sandbox gateway: one business day of payments on the three gateways,
breaks injected at the sandbox (a payment left out of the bill, a notify dropped and never asked
about, a refund left out of the bill), reconciled through the staff API with the bills the
sandbox publishes; then a bill uploaded by hand that bills one payment twice and another for a
different amount. Each run finds exactly the injected breaks, and resolving them posts exactly
the expected compensating transactions, with the ledger's invariants intact."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from shared_models.db import make_engine, make_session_factory
from shared_models.ledger.verify import verify
from shared_models.models import AuditEntry, LedgerTransaction, Posting
from shared_models.models.ledger import TransactionKind
from tests.infra import scratch_databases
from tests.payments.sandbox_kit import serve, start_sandbox, wait_for

pytestmark = pytest.mark.slow
SHANGHAI = ZoneInfo("Asia/Shanghai")
_serials = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("recon-sandbox"))  # its bills hold only this module's
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    databases = scratch_databases(tmp_path_factory.mktemp("recondb"), "recon")
    engine = make_engine(databases.create())
    yield make_session_factory(engine)
    engine.dispose()
    databases.drop_all()


@pytest.fixture(scope="module")
def office(sessions, sandbox, redis_url):
    from backoffice import create_app

    app = create_app({"DATABASE_URL": str(sessions.kw["bind"].url.render_as_string(False)),
                      "SESSION_FACTORY": sessions, "REDIS_URL": redis_url, "SECRET_KEY": "t",
                      "PAYMENTS_FILE": str(sandbox.payments_toml),
                      # The test may run at any hour: nothing paid today is held for tomorrow.
                      "RECONCILIATION_HOLD_MINUTES": 0})
    served = serve(app)
    yield served
    served.stop()


class Staff:
    def __init__(self, url, sessions, bus_id, site_id, tokens):
        self.url, self.sessions, self.tokens = url, sessions, tokens
        self.bus_id, self.site_id = bus_id, site_id

    def call(self, method, path, json=None, status=None, role="finance", **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[role]}", "Accept-Language": "en"}
        response = requests.request(method, f"{self.url}/api/v1{path}", json=json, headers=headers,
                                    timeout=60, **kwargs)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def new_account(self) -> int:
        from shared_models import registry
        from shared_models.sales import accounts

        with self.sessions() as db:
            n = next(_serials)
            meter = registry.save_meter(db, {"bus_id": self.bus_id, "address": n,
                                             "serial_number": f"REC{n:06d}"})
            account = accounts.open_account(db, {"site_id": self.site_id, "tenant_name": "T",
                                                 "meter_ids": [meter.id]}, operator_id=None)
            db.commit()
            return account.id

    def order(self, order_id) -> dict:
        return self.call("GET", f"/payments/orders/{order_id}", status=200).json()

    def pay(self, sandbox, channel, amount, *, credited=True) -> dict:
        account_id = self.new_account()
        order = self.call("POST", "/payments/orders", {"account_id": account_id, "amount": amount,
                                                       "channel": channel, "flow": "qr"}, status=201).json()
        sandbox.pay(channel, order["out_trade_no"])
        if credited:
            wait_for(lambda: self.order(order["id"])["state"] == "credited", what=f"{channel} credit")
        return {**self.order(order["id"]), "account_id": account_id}

    def refund(self, order, amount) -> dict:
        refund = self.call("POST", f"/payments/orders/{order['id']}/refunds",
                           {"amount": amount, "reason": "moving out"}, status=201).json()
        return wait_for(lambda: next((r for r in self.call("GET", "/payments/refunds", status=200).json()
                                      if r["id"] == refund["id"] and r["state"] == "succeeded"), None),
                        what="the refund to succeed")

    def balance(self, account_id) -> Decimal:
        return Decimal(self.call("GET", f"/accounts/{account_id}", status=200).json()["balance"])


@pytest.fixture(scope="module")
def staff(sessions, office):
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models import registry

    with sessions() as db:
        site = registry.save_site(db, {"code": "REC", "name": "Reconciled"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        tokens = {}
        for role in ("finance", "viewer"):
            operator = save_operator(db, {"username": f"recon-{role}", "password": "correct horse battery",
                                          "role": role, "all_sites": True})
            tokens[role] = issue_token(db, operator.id, "test", 1)[1]
        db.commit()
        return Staff(office.url, sessions, gateway.buses[0].id, site.id, tokens)


@pytest.fixture(scope="module")
def day(staff, sandbox):
    """Today's payments, with the breaks injected at the sandbox."""
    paid = {channel: [staff.pay(sandbox, channel, amount) for amount in ("25.00", "31.50")]
            for channel in ("alipay", "wechat", "unionpay")}
    refunded = staff.refund(paid["alipay"][0], "10.00")  # billed and booked alike: no break
    # Injected: a payment credited on our side that the gateway's bill leaves out...
    omitted = staff.pay(sandbox, "wechat", "12.00")
    sandbox.admin("POST", "/bill-omissions", {"gateway": "wechat", "out_trade_no": omitted["out_trade_no"]})
    # ...a payment whose notify the gateway dropped and that nobody asked about...
    sandbox.admin("POST", "/notify-scripts", {"action": "drop", "gateway": "alipay"})
    lost = staff.pay(sandbox, "alipay", "18.00", credited=False)
    wait_for(lambda: [o for o in sandbox.admin("GET", "/payments?gateway=alipay")
                      if o["out_trade_no"] == lost["out_trade_no"]], what="the sandbox to take the payment")
    # ...and a refund our books have that the bill leaves out.
    refunded_order = staff.pay(sandbox, "unionpay", "40.00")
    unbilled_refund = staff.refund(refunded_order, "5.00")
    sandbox.admin("POST", "/bill-omissions", {"gateway": "unionpay",
                                              "out_trade_no": refunded_order["out_trade_no"],
                                              "out_refund_no": unbilled_refund["out_refund_no"]})
    today = datetime.now(SHANGHAI).date()
    runs = {channel: staff.call("POST", "/reconciliation/runs", {"site_id": staff.site_id, "scope": channel,
                                                                 "day": today.isoformat()}, status=201).json()
            for channel in ("alipay", "wechat", "unionpay")}
    return {"paid": paid, "refunded": refunded, "omitted": omitted, "lost": lost, "today": today,
            "refunded_order": refunded_order, "unbilled_refund": unbilled_refund, "runs": runs}


def _breaks(staff, **query):
    return staff.call("GET", "/reconciliation/breaks", params=query, status=200).json()


def _found(breaks):
    return sorted((b["channel"], b["kind"], b["out_trade_no"], b["gateway_amount"], b["our_amount"])
                  for b in breaks)


def test_each_run_finds_exactly_the_injected_breaks(staff, day):
    assert {c: r["state"] for c, r in day["runs"].items()} == dict.fromkeys(day["runs"], "done")
    assert _found(_breaks(staff, site_id=staff.site_id)) == sorted([
        ("alipay", "paid_not_credited", day["lost"]["out_trade_no"], "18.00", "0.00"),
        ("unionpay", "refund_mismatch", day["refunded_order"]["out_trade_no"], "0.00", "-5.00"),
        ("wechat", "credited_not_billed", day["omitted"]["out_trade_no"], "0.00", "12.00"),
    ])


def test_a_run_keeps_the_bill_and_both_sides_totals(staff, day):
    alipay = staff.call("GET", f"/reconciliation/runs/{day['runs']['alipay']['id']}", status=200).json()
    # Bill: the two credited payments, the one never credited, and the refund.
    assert (alipay["bill_payments"], alipay["bill_paid"], alipay["bill_refunds"], alipay["bill_refunded"]) \
        == (3, "74.50", 1, "-10.00")
    assert (alipay["our_payments"], alipay["our_paid"], alipay["our_refunds"], alipay["our_refunded"]) \
        == (2, "56.50", 1, "-10.00")
    assert alipay["matched"] == 3 and alipay["breaks"] == 1
    bill = staff.call("GET", f"/reconciliation/runs/{alipay['id']}/bill", status=200)
    assert hashlib.sha256(bill.content).hexdigest() == alipay["bill_sha256"] and bill.content[:2] == b"PK"


def _ledger(sessions, after_id):
    with sessions() as db:
        txns = db.scalars(select(LedgerTransaction).where(LedgerTransaction.id > after_id)
                          .order_by(LedgerTransaction.id)).all()
        return [(t.kind, t.external_key, t.corrects_id,
                 sorted((p.account.code, p.amount) for p in db.scalars(
                     select(Posting).where(Posting.transaction_id == t.id)))) for t in txns]


def _last_txn(sessions) -> int:
    with sessions() as db:
        return db.scalar(select(LedgerTransaction.id).order_by(LedgerTransaction.id.desc()).limit(1))


def _sale_txn(sessions, key):
    with sessions() as db:
        return db.scalar(select(LedgerTransaction.id).where(LedgerTransaction.external_key == key))


def _resolve(staff, brk, action, note="", status=200, role="finance"):
    return staff.call("POST", f"/reconciliation/breaks/{brk['id']}/resolve",
                      {"action": action, "note": note}, status=status, role=role).json()


def test_resolving_posts_exactly_the_compensating_transactions(staff, day):
    by_kind = {b["kind"]: b for b in _breaks(staff, site_id=staff.site_id, state="open")}
    assert by_kind["paid_not_credited"]["actions"] == ["credit", "accept"]
    assert by_kind["credited_not_billed"]["actions"] == ["suspense", "accept"]
    _resolve(staff, by_kind["paid_not_credited"], "suspense", "twice counted", status=422)
    _resolve(staff, by_kind["paid_not_credited"], "accept", "a viewer", status=403, role="viewer")
    before = _last_txn(staff.sessions)
    credited = _resolve(staff, by_kind["paid_not_credited"], "credit")
    reversed_ = _resolve(staff, by_kind["credited_not_billed"], "suspense", "not in the WeChat bill")
    refund = _resolve(staff, by_kind["refund_mismatch"], "suspense", "UnionPay did not bill the return")
    lost, omitted = staff.order(day["lost"]["id"]), day["omitted"]
    omitted_sale = _sale_txn(staff.sessions, f"wechat:{omitted['trade_no']}")
    refund_txn = _sale_txn(staff.sessions, f"unionpay:refund:{day['unbilled_refund']['out_refund_no']}")
    assert _ledger(staff.sessions, before) == [
        (TransactionKind.SALE, f"alipay:{lost['trade_no']}", None,
         sorted([("clearing:alipay", Decimal("-18.00")),
                 (f"wallet:{_number(staff, lost)}", Decimal("18.00"))])),
        (TransactionKind.ADJUSTMENT, f"reconciliation:break:{reversed_['id']}", omitted_sale,
         [("clearing:wechat", Decimal("12.00")), ("suspense", Decimal("-12.00"))]),
        (TransactionKind.ADJUSTMENT, f"reconciliation:break:{refund['id']}", refund_txn,
         [("clearing:unionpay", Decimal("-5.00")), ("suspense", Decimal("5.00"))]),
    ]
    assert lost["state"] == "credited" and staff.balance(day["lost"]["account_id"]) == Decimal("18.00")
    assert credited["state"] == "resolved" and credited["transaction_id"] == lost_sale(staff, lost)
    assert [b["state"] for b in (reversed_, refund)] == ["resolved", "resolved"]
    with staff.sessions() as db:
        assert verify(db).ok
        logged = db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("reconciliation.%"))).all()
    assert {"reconciliation.run", "reconciliation.credit", "reconciliation.suspense"} <= set(logged)
    again = _resolve(staff, credited, "accept", "twice", status=422)
    assert "not one of its actions" in again["message"]


def _number(staff, order):
    from shared_models.models import TenantAccount

    with staff.sessions() as db:
        return db.get(TenantAccount, order["account_id"]).number


def lost_sale(staff, order):
    return _sale_txn(staff.sessions, f"alipay:{order['trade_no']}")


def test_running_the_day_again_adds_nothing_and_keeps_resolutions(staff, day):
    before = _found(_breaks(staff, site_id=staff.site_id))
    states = sorted(b["state"] for b in _breaks(staff, site_id=staff.site_id))
    for channel in ("alipay", "wechat", "unionpay"):
        staff.call("POST", "/reconciliation/runs", {"site_id": staff.site_id, "scope": channel,
                                                    "day": day["today"].isoformat()}, status=201)
    assert _found(_breaks(staff, site_id=staff.site_id)) == before
    assert sorted(b["state"] for b in _breaks(staff, site_id=staff.site_id)) == states


def _doctored_wechat_bill(content: bytes, twice: str, more: str) -> bytes:
    """The sandbox's WeChat bill with one payment row billed twice and another for one yuan
    more, its summary made to add up again: what a gateway's wrong file looks like."""
    lines = list(csv.reader(io.StringIO(gzip.decompress(content).decode("utf-8-sig"))))
    header, split = lines[0], next(i for i, row in enumerate(lines) if row[0] == "总交易单数")
    rows = lines[1:split]
    col = {name: header.index(name) for name in header}
    value = lambda row, name: Decimal(row[col[name]].lstrip("`"))  # noqa: E731
    for row in rows:
        if row[col["商户订单号"]] == f"`{more}":
            for name in ("应结订单金额", "订单金额"):
                row[col[name]] = f"`{value(row, name) + 1:.2f}"
    rows += [row for row in rows if row[col["商户订单号"]] == f"`{twice}"]
    totals = {"总交易单数": str(len(rows))}
    for total, name in (("应结订单总金额", "应结订单金额"), ("退款总金额", "退款金额"),
                        ("充值券退款总金额", "充值券退款金额"), ("手续费总金额", "手续费"),
                        ("订单总金额", "订单金额"), ("申请退款总金额", "申请退款金额")):
        totals[total] = f"{sum((value(row, name) for row in rows), Decimal('0.00')):.2f}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([header, *rows, lines[split], [f"`{totals[name]}" for name in lines[split]]])
    return gzip.compress(out.getvalue().encode("utf-8"))


def test_an_uploaded_bill_with_a_duplicate_and_a_wrong_amount(staff, day, sandbox):
    from shared_models.payments.gateways import config as gateway_config

    wechat = gateway_config.load(sandbox.payments_toml).gateway("REC", "wechat")
    first, second = day["paid"]["wechat"]
    upload = _doctored_wechat_bill(wechat.bill(day["today"]), first["out_trade_no"], second["out_trade_no"])
    run = staff.call("POST", "/reconciliation/runs/upload", status=201,
                     params={"site_id": staff.site_id, "channel": "wechat", "day": day["today"].isoformat()},
                     files={"file": ("wechat-bill.csv.gz", upload)}).json()
    # The two payments the sandbox billed, the first one twice (the omitted one stays out).
    assert (run["state"], run["source"], run["bill_payments"]) == ("done", "uploaded", 3)
    found = _breaks(staff, run_id=run["id"])
    assert _found(found) == sorted([
        ("wechat", "amount_mismatch", second["out_trade_no"], "32.50", "31.50"),
        ("wechat", "credited_not_billed", day["omitted"]["out_trade_no"], "0.00", "12.00"),  # found before
        ("wechat", "duplicate", first["out_trade_no"], "25.00", "0.00"),
    ])
    by_kind = {b["kind"]: b for b in found}
    before = _last_txn(staff.sessions)
    _resolve(staff, by_kind["duplicate"], "accept", status=422)  # a note is required
    accepted = _resolve(staff, by_kind["duplicate"], "accept",
                        "the gateway billed it twice; asked for a correction")
    adjusted = _resolve(staff, by_kind["amount_mismatch"], "suspense", "billed one yuan more")
    assert accepted["state"] == "accepted" and accepted["transaction_id"] is None
    sale = _sale_txn(staff.sessions, f"wechat:{second['trade_no']}")
    assert _ledger(staff.sessions, before) == [
        (TransactionKind.ADJUSTMENT, f"reconciliation:break:{adjusted['id']}", sale,
         [("clearing:wechat", Decimal("-1.00")), ("suspense", Decimal("1.00"))])]
    with staff.sessions() as db:
        assert verify(db).ok


def test_runs_and_breaks_export_and_a_viewer_may_read_but_not_run(staff, day):
    for path in ("/reconciliation/runs/export", "/reconciliation/breaks/export"):
        response = staff.call("GET", path, params={"site_id": staff.site_id}, status=200, role="viewer")
        assert response.content[:2] == b"PK"
    staff.call("POST", "/reconciliation/runs", {"site_id": staff.site_id, "scope": "alipay",
                                                "day": day["today"].isoformat()}, status=403, role="viewer")


@pytest.fixture(scope="module")
def second_site(staff):
    """Another site on the same merchant accounts: the sandbox bills both in one file."""
    from shared_models import registry

    with staff.sessions() as db:
        site = registry.save_site(db, {"code": "HLD", "name": "Held"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        db.commit()
        return Staff(staff.url, staff.sessions, gateway.buses[0].id, site.id, staff.tokens)


def _wechat(sandbox):
    from shared_models.payments.gateways import config as gateway_config

    return gateway_config.load(sandbox.payments_toml).gateway("HLD", "wechat")


def test_a_payment_missing_near_midnight_is_held_then_a_break_the_next_day(second_site, sandbox, day):
    from datetime import timedelta

    from shared_models.models.reconciliation import HoldState, ReconciliationHold, ReconciliationRun
    from shared_models.payments import reconciliation

    late = second_site.pay(sandbox, "wechat", "9.00")
    sandbox.admin("POST", "/bill-omissions", {"gateway": "wechat", "out_trade_no": late["out_trade_no"]})
    # A day-long holding window: whatever time the test runs, the payment counts as paid at midnight.
    hold, today = timedelta(hours=24), day["today"]
    run_id = reconciliation.run_day(second_site.sessions, second_site.site_id, "wechat", today,
                                    gateway=_wechat(sandbox), hold=hold)
    with second_site.sessions() as db:
        run = db.get(ReconciliationRun, run_id)
        # The other site's rows in the shared bill are not this site's breaks.
        assert (run.state.value, run.held, run.breaks, run.bill_payments) == ("done", 1, 0, 0)
    # Tomorrow's bill does not have it either. The sandbox will not publish a future day's bill,
    # so today's file stands in for it, uploaded: it bills only the other site's payments.
    next_id = reconciliation.run_day(second_site.sessions, second_site.site_id, "wechat",
                                     today + timedelta(days=1), upload=_wechat(sandbox).bill(today),
                                     hold=hold)
    found = _breaks(second_site, run_id=next_id)
    assert _found(found) == [("wechat", "credited_not_billed", late["out_trade_no"], "0.00", "9.00")]
    assert "held from the day before" in found[0]["detail"]
    with second_site.sessions() as db:
        held = db.scalars(select(ReconciliationHold).where(ReconciliationHold.run_id == run_id)).one()
        assert (held.state, held.settled_run_id) == (HoldState.BROKEN, next_id)


def test_the_cron_reconciles_yesterday_once_each_site_is_past_ten(staff, second_site, sandbox, day,
                                                                  monkeypatch):
    from datetime import time, timedelta

    from metering_worker import config
    from metering_worker.jobs import payments as payment_jobs
    from metering_worker.jobs.reconciliation import reconcile_yesterday
    from shared_models.models.reconciliation import ReconciliationRun, RunState

    monkeypatch.setenv("DATABASE_URL", staff.sessions.kw["bind"].url.render_as_string(False))
    monkeypatch.setenv("WATTKEEPER_PAYMENTS", str(sandbox.payments_toml))
    config.reset()
    payment_jobs.configured_gateways.cache_clear()
    try:
        tomorrow = day["today"] + timedelta(days=1)
        early = datetime.combine(tomorrow, time(9, 30), SHANGHAI).isoformat()
        assert reconcile_yesterday(early) == {"done": 0, "failed": 0, "skipped": 0}
        later = datetime.combine(tomorrow, time(10, 7), SHANGHAI).isoformat()
        with staff.sessions() as db:  # REC's channels were reconciled above (and HLD's WeChat, if run)
            before = db.scalar(select(func.count(ReconciliationRun.id)).where(
                ReconciliationRun.day == day["today"], ReconciliationRun.state == RunState.DONE))
        assert reconcile_yesterday(later) == {"done": 8 - before, "failed": 0, "skipped": before}
        assert reconcile_yesterday(later) == {"done": 0, "failed": 0, "skipped": 8}
        with staff.sessions() as db:
            runs = db.scalars(select(ReconciliationRun).where(ReconciliationRun.day == day["today"])).all()
        assert sorted((r.site_id, r.scope) for r in runs) == sorted(
            (site, scope) for site in (staff.site_id, second_site.site_id)
            for scope in ("alipay", "wechat", "unionpay", "meters"))
    finally:
        config.reset()
        payment_jobs.configured_gateways.cache_clear()


def test_a_bill_that_does_not_add_up_fails_its_run_and_is_kept(staff, day, sandbox):
    from datetime import timedelta

    from shared_models.payments.gateways import config as gateway_config

    wechat = gateway_config.load(sandbox.payments_toml).gateway("REC", "wechat")
    text = gzip.decompress(wechat.bill(day["today"])).decode("utf-8-sig")
    lines = text.rstrip("\r\n").split("\r\n")
    count, rest = lines[-1].split(",", 1)
    lines[-1] = f"`{int(count.lstrip('`')) + 1},{rest}"  # the summary counts one row more
    broken = "\r\n".join(lines).encode()
    earlier = (day["today"] - timedelta(days=3)).isoformat()
    run = staff.call("POST", "/reconciliation/runs/upload", status=201,
                     params={"site_id": staff.site_id, "channel": "wechat", "day": earlier},
                     files={"file": ("bill.csv", broken)}).json()
    assert run["state"] == "failed" and run["failure"].startswith("unusable bill: WeChat")
    assert run["bill_sha256"] == hashlib.sha256(broken).hexdigest() and run["bill_size"] == len(broken)
    assert _breaks(staff, run_id=run["id"]) == []
