"""Postpaid accounts on a site, read every half hour the way the poller reads them, and billed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from shared_models.billing.modes import set_billing_mode
from shared_models.billing.runs import calculate_drafts, make_drafts, open_run
from shared_models.ledger.postpaid import owed, receivable_of, unbilled_of
from shared_models.models.accounts import BillingMode
from shared_models.models.billing import Bill
from tests.settlement_kit import Kit, local, tomorrow

D = Decimal


def cutoff_after(day: date) -> date:
    """The 1st of the month after `day` (the default cut-off)."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


class BillingKit(Kit):
    """A settlement kit that also makes postpaid accounts and runs their bills."""

    day = staticmethod(tomorrow)

    def postpaid(self, *meters, balance: str = "0", **values):
        account = self.account(*meters, balance=balance, **values)
        set_billing_mode(self.db, account.id, BillingMode.POSTPAID, now=self.now or local(self.day()))
        return account

    def half_hours(self, meter, start: datetime, totals: list[str], **values) -> None:
        """Readings 30 minutes apart from `start`, each settled as it comes."""
        for n, total in enumerate(totals):
            self.read(meter, start + timedelta(minutes=30 * n), total, **values)
            self.settle(meter)

    def run(self, cutoff: date | None = None) -> list[Bill]:
        run = open_run(self.db, self.site.id, cutoff or cutoff_after(self.day()))
        make_drafts(self.db, run)
        calculate_drafts(self.db, run, limit=1000, now=self.now)
        self.db.flush()
        return sorted(self.db.query(Bill).filter(Bill.run_id == run.id), key=lambda b: b.id)

    def unbilled(self, account) -> Decimal:
        return owed(self.db, unbilled_of(self.db, account))

    def receivable(self, account) -> Decimal:
        return owed(self.db, receivable_of(self.db, account))
