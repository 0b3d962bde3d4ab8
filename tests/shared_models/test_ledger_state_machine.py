"""Random lifecycles of accounts against the real database; the books must hold after each step."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from shared_models.enums import Role
from shared_models.errors import RuleViolation
from shared_models.ledger.books import site_account, wallet_of
from shared_models.ledger.posting import post
from shared_models.ledger.rules import transfer
from shared_models.ledger.verify import verify
from shared_models.models import Sale, TenantAccount
from shared_models.models.ledger import AccountKind, Channel, TransactionKind
from shared_models.models.sales import SaleStatus
from shared_models.registry import save_gateway, save_meter, save_site
from shared_models.sales import accounts, sales, shifts

CAP, THRESHOLD = Decimal("1000.00"), Decimal("300.00")
amounts = st.integers(1, 40_000).map(lambda fen: Decimal(fen).scaleb(-2))
channels = st.sampled_from([Channel.CASH, Channel.BANK_CARD, Channel.TRANSFER])


def run_machine(db, make_operator) -> None:
    seller, approver = make_operator(Role.OPERATOR), make_operator(Role.FINANCE)

    class Books(RuleBasedStateMachine):
        """A model of every wallet, compared with the ledger after every step."""

        accounts = Bundle("accounts")
        recharges = Bundle("recharges")
        pending = Bundle("pending")

        def __init__(self) -> None:
            super().__init__()
            n = db.info["wk_machine"] = db.info.get("wk_machine", 0) + 1
            self.site = save_site(db, {"code": f"SM{n}", "name": "machine", "credit_cap": CAP,
                                       "refund_approval_threshold": THRESHOLD})
            self.buses = save_gateway(db, {"site_id": self.site.id, "name": "G", "host": "h",
                                           "bus_count": 4}).buses
            self.meters = 0
            for operator in (seller, approver):
                shifts.open_shift(db, operator.id, self.site.id)
            self.balances: dict[int, Decimal] = {}
            self.closed: set[int] = set()
            self.sold: dict[int, tuple[int, Decimal]] = {}  # reversible recharge: account, amount

        def _meter(self) -> int:
            self.meters += 1
            return save_meter(db, {"bus_id": self.buses[(self.meters - 1) // 32].id,
                                   "address": (self.meters - 1) % 32 + 1,
                                   "serial_number": f"SM{self.site.id}-{self.meters}"}).id

        def _attempt(self, action, expect_ok: bool):
            """Run one operation like a request: all of it, or (when refused) none of it."""
            try:
                with db.begin_nested():
                    result = action()
            except RuleViolation:
                assert not expect_ok, "refused an operation the model allows"
                return None
            assert expect_ok, "allowed an operation the model refuses"
            return result

        @rule(target=accounts, opening=st.one_of(st.just(Decimal(0)), amounts), channel=channels)
        def open_account(self, opening, channel):
            values = {"site_id": self.site.id, "tenant_name": "T", "meter_ids": [self._meter()],
                      "opening_balance": opening, "opening_channel": channel if opening else None}
            account = self._attempt(lambda: accounts.open_account(
                db, values, operator_id=seller.id), opening <= CAP)
            if account is None:
                return None
            self.balances[account.id] = opening
            return account.id

        @rule(target=recharges, account_id=accounts, amount=amounts, channel=channels)
        def recharge(self, account_id, amount, channel):
            ok = account_id not in self.closed and self.balances[account_id] + amount <= CAP
            sale = self._attempt(lambda: sales.recharge(
                db, account_id=account_id, amount=amount, channel=channel,
                operator_id=seller.id), ok)
            if sale is not None:
                self.balances[account_id] += amount
                self.sold[sale.id] = (account_id, amount)
                return sale.id
            return None

        @rule(target=pending, account_id=accounts, amount=amounts)
        def refund(self, account_id, amount):
            sale = self._attempt(lambda: sales.refund(
                db, account_id=account_id, amount=amount, channel=Channel.CASH,
                operator_id=seller.id), amount <= self.balances[account_id])
            if sale is None:
                return None
            self.balances[account_id] -= amount
            assert (sale.status == SaleStatus.PENDING) == (amount > THRESHOLD)
            return sale.id if sale.status == SaleStatus.PENDING else None

        @rule(sale_id=pending, approve=st.booleans())
        def decide(self, sale_id, approve):
            if sale_id is None:
                return
            sale = db.get(Sale, sale_id)
            ok = sale.status == SaleStatus.PENDING
            if approve:
                self._attempt(lambda: sales.approve_refund(db, sale_id, approver.id), ok)
            elif self._attempt(lambda: sales.reject_refund(db, sale_id, approver.id), ok):
                self.balances[sale.account_id] += sale.amount

        @rule(sale_id=recharges)
        def reverse(self, sale_id):
            if sale_id is None:
                return
            account_id, amount = self.sold.get(sale_id, (None, None))
            ok = account_id is not None and self.balances[account_id] >= amount
            if self._attempt(lambda: sales.reverse(db, sale_id, seller.id), ok):
                self.balances[account_id] -= amount
                del self.sold[sale_id]

        @rule(account_id=accounts, amount=amounts)
        def consume(self, account_id, amount):
            if account_id is None or account_id in self.closed:
                return
            wallet = wallet_of(db, account_id)
            revenue = site_account(db, self.site.id, AccountKind.ENERGY_REVENUE)
            post(db, site_id=self.site.id, kind=TransactionKind.CONSUMPTION,
                 legs=transfer(wallet.id, revenue.id, amount), may_overdraw={wallet.id})
            self.balances[account_id] -= amount
            # Credit once consumed cannot be reversed any more.
            self.sold = {k: v for k, v in self.sold.items() if v[0] != account_id}

        @rule(account_id=accounts)
        def swap(self, account_id):
            if account_id is None:
                return
            account = db.get(TenantAccount, account_id)
            values = {"old_meter_id": account.meters[0].id if account.meters else 0,
                      "new_meter_id": self._meter(), "old_final_reading": Decimal("12.34"),
                      "new_start_reading": Decimal("0")}
            self._attempt(lambda: accounts.swap_meter(db, account, values, operator_id=seller.id),
                          account_id not in self.closed)

        @rule(account_id=accounts)
        def close(self, account_id):
            if account_id is None:
                return
            account = db.get(TenantAccount, account_id)
            ok = account_id not in self.closed and self.balances[account_id] >= 0
            if self._attempt(lambda: accounts.close_account(
                    db, account, {"refund_channel": Channel.CASH}, operator_id=seller.id), ok):
                self.balances[account_id] = Decimal(0)
                self.closed.add(account_id)

        @invariant()
        def books_balance(self):
            report = verify(db, self.site.id)
            assert report.ok, report.problems
            for account_id, balance in self.balances.items():
                assert wallet_of(db, account_id).balance == balance

    run_state_machine_as_test(Books, settings=settings(
        max_examples=20, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))


def test_random_lifecycles_keep_the_books(db, make_operator):
    run_machine(db, make_operator)
