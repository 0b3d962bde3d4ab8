"""Random lifecycles of a few online payment orders against the real database: notifies and
query answers duplicated, reordered, delayed and lost, signed reports that disagree with the
order, and our expiry racing a late payment. After every step the books must say that each
payment the gateway took and reported is credited exactly once, and nothing else is.

The gateway is a model here: its answers are the verified facts `confirm.apply` is handed by
the adapters, so no network is needed. A query's answer is captured when it is asked and applied
later, which is how a query races a payment (it saw NOTPAY, the payer paid, the answer lands).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from shared_models.ledger.books import wallet_of
from shared_models.ledger.verify import verify
from shared_models.models import LedgerTransaction, Sale
from shared_models.models.ledger import Channel
from shared_models.models.payments import OrderState, PaymentEventKind
from shared_models.payments import confirm, orders
from shared_models.payments.gateways.base import ChargeState
from shared_models.payments.rules import MONEY_TAKEN, WAITING
from shared_models.registry import save_gateway, save_meter, save_site
from shared_models.sales import accounts

APP, MERCHANT = "app-ours", "mch-ours"
ORDERS = 4
amounts = st.integers(100, 50_000).map(lambda fen: Decimal(fen).scaleb(-2))
channels = st.sampled_from([Channel.ALIPAY, Channel.WECHAT, Channel.UNIONPAY])
picks = st.integers(0, 10_000)  # an index into whatever list is current, taken modulo its length


@dataclass
class AtGateway:
    """What the gateway knows of one order: the facts our reports are made from."""

    state: ChargeState = ChargeState.PENDING
    trade_no: str | None = None


@dataclass(frozen=True)
class InFlight:
    """A report on its way to us: a notify being (re)delivered or a query's answer not yet applied."""

    index: int
    report: confirm.Report
    via: PaymentEventKind


def run_machine(db) -> None:
    class Lifecycles(RuleBasedStateMachine):
        """Orders, the gateway's view of them, and the reports between the two."""

        @initialize(order_amounts=st.lists(amounts, min_size=ORDERS, max_size=ORDERS),
                    order_channels=st.lists(channels, min_size=ORDERS, max_size=ORDERS))
        def open_orders(self, order_amounts, order_channels):
            n = db.info["wk_lifecycles"] = db.info.get("wk_lifecycles", 0) + 1
            self.site = save_site(db, {"code": f"LC{n}", "name": "lifecycles",
                                       "credit_cap": Decimal("100000.00"),
                                       "online_max_amount": Decimal("1000.00")})
            bus = save_gateway(db, {"site_id": self.site.id, "name": "G", "host": "h",
                                    "bus_count": 1}).buses[0]
            # Two accounts, so two orders share a wallet and its balance is their sum.
            self.account_ids = [
                accounts.open_account(db, {"site_id": self.site.id, "tenant_name": "T", "meter_ids": [
                    save_meter(db, {"bus_id": bus.id, "address": a + 1,
                                    "serial_number": f"LC{self.site.id}-{a}"}).id]},
                    operator_id=None).id
                for a in range(2)]
            self.order_ids, self.gateway = [], []
            for i, (amount, channel) in enumerate(zip(order_amounts, order_channels, strict=True)):
                order = orders.create(db, account_id=self.account_ids[i % 2], amount=amount,
                                      channel=channel, flow="qr", source="test", requested_by="machine")
                self.order_ids.append(order.id)
                self.gateway.append(AtGateway())
            db.commit()
            self.in_flight: list[InFlight] = []
            self.credited = [False] * ORDERS  # the model: a correct PAID report has been applied
            self.given_up_first = [False] * ORDERS  # we closed or expired it before the money came
            self.bent_trade_nos: set[str] = set()

        # -- the facts ----------------------------------------------------------------------

        def _order(self, i: int):
            return orders.get(db, self.order_ids[i])

        def _report(self, i: int, state: ChargeState, *, amount: Decimal | None = None,
                    merchant: str = MERCHANT, app: str = APP, trade_no: str | None = None,
                    out_trade_no: str | None = None) -> confirm.Report:
            order = self._order(i)
            paid = state == ChargeState.PAID
            return confirm.Report(
                out_trade_no=out_trade_no or order.out_trade_no, state=state,
                trade_no=trade_no or (self.gateway[i].trade_no if paid else None),
                amount=order.amount if amount is None else amount, app_id=app, merchant_id=merchant,
                detail={"model": state.value})

        def _apply(self, i: int, report: confirm.Report, via: PaymentEventKind) -> confirm.Outcome:
            outcome = confirm.apply(db, self.order_ids[i], report, via=via, app_id=APP, merchant_id=MERCHANT)
            db.commit()  # each report is its own request or job
            return outcome

        def _paid_once(self, i: int, report: confirm.Report, via: PaymentEventKind) -> None:
            """Apply a correct report: a PAID one credits if and only if nothing did before."""
            before = self._order(i).state
            outcome = self._apply(i, report, via)
            assert outcome.accepted, outcome.reason
            if report.state != ChargeState.PAID:
                assert not outcome.credited
                return
            assert outcome.credited == (not self.credited[i]), (outcome.reason, before)
            if outcome.credited:  # money for an order we had given up on is flagged for staff
                self.given_up_first[i] = before in (OrderState.CLOSED, OrderState.EXPIRED)
            self.credited[i] = True

        @precondition(lambda self: any(g.state == ChargeState.PENDING for g in self.gateway))
        @rule(pick=picks)
        def payer_pays(self, pick):
            """The payer approves: the gateway takes the money and queues its notify."""
            waiting = [i for i, g in enumerate(self.gateway) if g.state == ChargeState.PENDING]
            i = waiting[pick % len(waiting)]
            self.gateway[i] = AtGateway(ChargeState.PAID, f"T{self.site.id}x{i}")
            self.in_flight.append(InFlight(i, self._report(i, ChargeState.PAID), PaymentEventKind.NOTIFY))

        @precondition(lambda self: any(g.state == ChargeState.PENDING for g in self.gateway))
        @rule(pick=picks, notified=st.booleans())
        def gateway_closes(self, pick, notified):
            """The gateway closes an unpaid order of its own accord (its expiry); some notify it."""
            waiting = [i for i, g in enumerate(self.gateway) if g.state == ChargeState.PENDING]
            i = waiting[pick % len(waiting)]
            self.gateway[i] = AtGateway(ChargeState.CLOSED)
            if notified:
                self.in_flight.append(InFlight(i, self._report(i, ChargeState.CLOSED),
                                               PaymentEventKind.NOTIFY))

        @rule(i=st.integers(0, ORDERS - 1))
        def we_ask(self, i):
            """A query is answered now; its answer is applied whenever `deliver` picks it."""
            facts = self.gateway[i]
            # A query answer carries no app or merchant id (it was our own signed call).
            self.in_flight.append(InFlight(i, self._report(i, facts.state, app="", merchant=""),
                                           PaymentEventKind.QUERY))

        # -- the reports reaching us --------------------------------------------------------

        @precondition(lambda self: self.in_flight)
        @rule(pick=picks, again=st.booleans())
        def deliver(self, pick, again):
            """Any report in flight arrives (reordering); with `again` it stays to arrive again
            (the gateway did not see our reply, or sent a copy)."""
            k = pick % len(self.in_flight)
            flight = self.in_flight[k] if again else self.in_flight.pop(k)
            i, report = flight.index, flight.report
            self._paid_once(i, report, flight.via)

        @precondition(lambda self: self.in_flight)
        @rule(pick=picks)
        def lose(self, pick):
            """A notify or a query's answer is lost on the way."""
            self.in_flight.pop(pick % len(self.in_flight))

        @rule(i=st.integers(0, ORDERS - 1), bend=st.sampled_from(
            ["amount_up", "amount_down", "merchant", "app"]), via=st.sampled_from(
            [PaymentEventKind.NOTIFY, PaymentEventKind.QUERY]))
        def signed_but_wrong(self, i, bend, via):
            """A validly signed PAID report that disagrees with the order: refused, whatever the
            order's state, and nothing is credited under its trade number."""
            order = self._order(i)
            trade_no = self.gateway[i].trade_no or f"B{self.site.id}x{i}"
            if not self.gateway[i].trade_no:
                self.bent_trade_nos.add(f"{order.channel.value}:{trade_no}")
            wrong = {"amount_up": {"amount": order.amount + Decimal("0.01")},
                     "amount_down": {"amount": order.amount - Decimal("0.01")},
                     "merchant": {"merchant": "mch-stranger"}, "app": {"app": "app-stranger"}}[bend]
            outcome = self._apply(i, self._report(i, ChargeState.PAID, trade_no=trade_no, **wrong), via)
            assert not outcome.accepted and not outcome.credited and outcome.reason.startswith("refused")

        @rule(i=st.integers(0, ORDERS - 1), at_gateway=st.booleans(),
              state=st.sampled_from([OrderState.EXPIRED, OrderState.CLOSED]))
        def we_give_up(self, i, at_gateway, state):
            """Our expiry or a staff close. With `at_gateway` the gateway closed it too (if it was
            still unpaid there); without, the QR stays payable, as Alipay's does before a scan."""
            if at_gateway and self.gateway[i].state == ChargeState.PENDING:
                self.gateway[i] = AtGateway(ChargeState.CLOSED)
            before = self._order(i).state
            order = orders.close(db, self.order_ids[i], state=state, reason="machine gives up",
                                 kind=PaymentEventKind.CLOSE)
            db.commit()
            assert order.state == (state if before in WAITING else before)

        @rule()
        def recover(self):
            """The cron's recovery: every order asked, each answer applied at once."""
            for i, facts in enumerate(self.gateway):
                self._paid_once(i, self._report(i, facts.state, app="", merchant=""), PaymentEventKind.QUERY)

        # -- what must hold after every step --------------------------------------------------

        def _keys(self, key: str) -> int:
            return db.scalar(select(func.count(LedgerTransaction.id)).where(
                LedgerTransaction.site_id == self.site.id, LedgerTransaction.external_key == key))

        @invariant()
        def each_payment_credited_once_and_nothing_else(self):
            if not hasattr(self, "site"):
                return
            expected_balance = dict.fromkeys(self.account_ids, Decimal("0.00"))
            for i, facts in enumerate(self.gateway):
                order = self._order(i)
                if self.credited[i]:
                    assert facts.state == ChargeState.PAID, "credited an order the gateway never paid"
                    assert order.state == OrderState.CREDITED and order.sale_id is not None
                    assert order.trade_no == facts.trade_no
                    assert self._keys(f"{order.channel.value}:{facts.trade_no}") == 1
                    assert order.needs_review == self.given_up_first[i], order.review_reason
                    expected_balance[order.account_id] += order.amount
                else:
                    assert order.state not in MONEY_TAKEN and order.sale_id is None, order.state
                    assert order.trade_no is None and not order.needs_review
                    if facts.trade_no:
                        assert self._keys(f"{order.channel.value}:{facts.trade_no}") == 0
            for key in self.bent_trade_nos:
                assert self._keys(key) == 0, f"credited under a refused report's key {key}"
            for account_id, balance in expected_balance.items():
                assert wallet_of(db, account_id).balance == balance
                sales = db.scalar(select(func.count(Sale.id)).where(Sale.account_id == account_id))
                assert sales == sum(1 for i in range(ORDERS)
                                    if self.credited[i] and i % 2 == self.account_ids.index(account_id))
            report = verify(db)
            assert report.ok, report.problems

        def teardown(self):
            """However the run ended, recovery then leaves every paid order credited once."""
            if hasattr(self, "site"):
                self.recover()
                self.each_payment_credited_once_and_nothing_else()
                assert all(self.credited[i] == (g.state == ChargeState.PAID)
                           for i, g in enumerate(self.gateway))

    run_state_machine_as_test(Lifecycles, settings=settings(
        max_examples=20, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


def test_order_lifecycles_credit_each_payment_exactly_once(db):
    run_machine(db)


def test_a_late_notify_after_a_cancel_that_refunded_credits_nothing(db):
    """A payment code charged at Alipay: the payer types the password just after our last query
    (USERPAYING), our 30 s are up and we cancel, which at Alipay refunds the paid trade
    (action=refund). The trade's TRADE_SUCCESS notify, queued when it was paid, then arrives."""
    site = save_site(db, {"code": "LCX", "name": "cancel"})
    bus = save_gateway(db, {"site_id": site.id, "name": "G", "host": "h", "bus_count": 1}).buses[0]
    meter = save_meter(db, {"bus_id": bus.id, "address": 1, "serial_number": "LCX-1"})
    account = accounts.open_account(db, {"site_id": site.id, "tenant_name": "T", "meter_ids": [meter.id]},
                                    operator_id=None)
    order = orders.create(db, account_id=account.id, amount="20.00", channel="alipay",
                          flow="payment_code", source="kiosk", requested_by="machine")
    db.commit()
    # What charge_code's _give_up does once trade.cancel answered (with action=refund here).
    orders.close(db, order.id, state=OrderState.CLOSED, kind=PaymentEventKind.CANCEL,
                 reason="no result within 30 s: cancelled at the gateway")
    db.commit()
    late = confirm.Report(out_trade_no=order.out_trade_no, state=ChargeState.PAID,
                          trade_no="2026112922001400001", amount=Decimal("20.00"),
                          app_id=APP, merchant_id=MERCHANT)
    outcome = confirm.apply(db, order.id, late, via=PaymentEventKind.NOTIFY, app_id=APP,
                            merchant_id=MERCHANT)
    db.commit()
    assert not outcome.credited, outcome.reason
    assert wallet_of(db, account.id).balance == Decimal("0.00")
