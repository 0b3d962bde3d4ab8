"""Account statements: opening and closing balances, running balances, and the wallet."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared_models.ledger.books import derived_balance, site_account, wallet_of
from shared_models.ledger.posting import post
from shared_models.ledger.rules import transfer
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.reports import statements
from shared_models.reports.periods import parse_period
from shared_models.reports.window import stream
from tests import reports

D = Decimal


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def history(db, make_site, counter_for):
    """A Los Angeles tenant's wallet through February and March 2025 (times in PST/PDT)."""
    site = make_site(timezone="America/Los_Angeles")
    desk = counter_for(site)
    account = desk.open_account()
    desk.recharge(account, "100.00", at=at(2025, 2, 28, 20, 0))  # Feb 28, 12:00
    desk.recharge(account, "50.00", at=at(2025, 3, 1, 7, 59))  # Feb 28, 23:59
    sale = desk.recharge(account, "25.00", at=at(2025, 3, 1, 8, 0))  # Mar 1, 00:00
    desk.reverse(sale, at=at(2025, 3, 1, 9, 0))
    desk.refund(account, "10.00", at=at(2025, 3, 15, 18, 0))
    wallet = wallet_of(db, account.id)
    revenue = site_account(db, site.id, AccountKind.ENERGY_REVENUE)
    with reports.booked_at(at(2025, 3, 20, 6, 0)):
        post(db, site_id=site.id, kind=TransactionKind.CONSUMPTION, reason="consumption",
             legs=transfer(wallet.id, revenue.id, D("12.34")), may_overdraw={wallet.id})
    desk.recharge(account, "5.00", at=at(2025, 4, 1, 7, 30))  # Apr 1, 00:30 PDT
    return account, wallet


def test_march_opens_with_february_and_closes_with_its_postings(db, history):
    account, _wallet = history
    head = statements.statement(db, account.id, parse_period("month", "2025-03"))
    assert head.opening_balance == D("150.00")
    assert (head.money_in, head.money_out, head.postings) == (D("25.00"), D("-47.34"), 4)
    assert head.closing_balance == D("127.66")
    rows = list(stream(db, statements.lines(db, head)))
    assert [(row["kind"].value, row["amount"], row["balance"]) for row in rows] == [
        ("sale", D("25.00"), D("175.00")), ("reversal", D("-25.00"), D("150.00")),
        ("refund", D("-10.00"), D("140.00")), ("consumption", D("-12.34"), D("127.66"))]
    assert rows[0]["local_date"] == "2025-03-01" and rows[0]["receipt_number"] is not None


def test_statement_up_to_today_reconciles_with_the_wallet(db, history):
    account, wallet = history
    today = datetime.now(UTC).date().isoformat()
    head = statements.statement(db, account.id, parse_period("day", start="2025-01-01",
                                                              stop=today))
    assert head.opening_balance == D("0.00")
    assert head.closing_balance == head.wallet_balance == wallet.balance == D("132.66")
    assert derived_balance(db, wallet.id) == head.closing_balance
    rows = list(stream(db, statements.lines(db, head)))
    assert len(rows) == head.postings == 7 and rows[-1]["balance"] == wallet.balance


def test_running_balance_holds_on_every_page(db, history):
    account, _wallet = history
    head = statements.statement(db, account.id, parse_period("year", "2025"))
    stmt = statements.lines(db, head)
    whole = [row["balance"] for row in stream(db, stmt)]
    pages = [row["balance"] for start in range(0, len(whole), 3)
             for row in db.execute(stmt.offset(start).limit(3)).mappings()]
    assert pages == whole


def test_a_day_of_the_statement_is_a_local_day(db, history):
    account, _wallet = history
    head = statements.statement(db, account.id, parse_period("day", "2025-02-28"))
    assert (head.opening_balance, head.money_in, head.closing_balance) == (
        D("0.00"), D("150.00"), D("150.00"))
    sheet = list(statements.sheet_rows(db, head, statements.lines(db, head)))
    assert sheet[0][2] == "opening balance" and sheet[-1][2] == "closing balance"
    assert [line[1].hour for line in sheet[1:-1]] == [12, 23]  # local wall-clock times


def test_an_unknown_account_has_no_statement(db):
    from shared_models.errors import NotFound

    with pytest.raises(NotFound):
        statements.statement(db, 2**31 - 1, parse_period("day", "2025-03-01"))
