"""The posting service and `ledger verify` against the database, and its refusal to edit."""

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from shared_models.append_only import protect, unprotect
from shared_models.errors import RuleViolation
from shared_models.ledger.books import derived_balance, ensure_site_accounts, site_account
from shared_models.ledger.posting import post
from shared_models.ledger.rules import DuplicateExternalKey, InsufficientBalance, Leg, transfer
from shared_models.ledger.verify import verify
from shared_models.models import LedgerAccount
from shared_models.models.ledger import AccountKind, Channel, TransactionKind

D = Decimal


@pytest.fixture
def books(db, make_site):
    site = make_site()
    ensure_site_accounts(db, site.id)
    wallet = LedgerAccount(site_id=site.id, kind=AccountKind.WALLET, code="wallet:T1",
                           balance=D("0.00"))
    db.add(wallet)
    db.flush()
    cash = site_account(db, site.id, AccountKind.CLEARING, Channel.CASH)
    revenue = site_account(db, site.id, AccountKind.ENERGY_REVENUE)
    return site, wallet, cash, revenue


def _sale(db, site, wallet, cash, amount, key=None):
    return post(db, site_id=site.id, kind=TransactionKind.SALE,
                legs=transfer(cash.id, wallet.id, D(amount)), external_key=key)


def test_sale_moves_the_wallet_and_derives_the_clearing_balance(db, books):
    site, wallet, cash, _revenue = books
    txn = _sale(db, site, wallet, cash, "100.00")
    assert sum(p.amount for p in txn.postings) == 0
    assert wallet.balance == D("100.00") == derived_balance(db, wallet.id)
    assert derived_balance(db, cash.id) == D("-100.00")
    assert verify(db, site.id).ok


def test_wallet_cannot_be_overdrawn_except_by_consumption(db, books):
    site, wallet, cash, revenue = books
    _sale(db, site, wallet, cash, "10.00")
    with pytest.raises(InsufficientBalance):
        post(db, site_id=site.id, kind=TransactionKind.REFUND,
             legs=transfer(wallet.id, cash.id, D("10.01")))
    post(db, site_id=site.id, kind=TransactionKind.CONSUMPTION,
         legs=transfer(wallet.id, revenue.id, D("12.00")), may_overdraw={wallet.id})
    assert wallet.balance == D("-2.00") == derived_balance(db, wallet.id)


def test_external_key_is_posted_once(db, books):
    site, wallet, cash, _revenue = books
    _sale(db, site, wallet, cash, "5.00", key="gw:alipay:123")
    with pytest.raises(DuplicateExternalKey):
        _sale(db, site, wallet, cash, "5.00", key="gw:alipay:123")
    assert wallet.balance == D("5.00")


def test_postings_cannot_cross_sites(db, books, make_site):
    site, wallet, _cash, _revenue = books
    other = make_site()
    foreign = site_account(db, other.id, AccountKind.CLEARING, Channel.CASH)
    with pytest.raises(RuleViolation):
        post(db, site_id=site.id, kind=TransactionKind.SALE, legs=transfer(foreign.id, wallet.id, D(1)))


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_postings SET amount = amount + 1",
    "DELETE FROM ledger_postings",
    "UPDATE ledger_transactions SET reason = 'forged'",
    "DELETE FROM ledger_transactions",
])
def test_database_refuses_to_change_the_ledger(db, connection, books, statement):
    site, wallet, cash, _revenue = books
    _sale(db, site, wallet, cash, "1.00")
    with pytest.raises(DatabaseError), connection.begin_nested():
        connection.execute(text(statement))


def test_verify_names_a_tampered_posting_and_a_drifted_wallet(db, connection, books):
    site, wallet, cash, _revenue = books
    txn = _sale(db, site, wallet, cash, "20.00")
    posting = next(p for p in txn.postings if p.account_id == cash.id)
    unprotect(connection, "ledger_postings")
    connection.execute(text("UPDATE ledger_postings SET amount = :a WHERE id = :id"),
                       {"a": -1500 if connection.dialect.name == "sqlite" else D("-15.00"),
                        "id": posting.id})
    protect(connection, "ledger_postings")
    connection.execute(text("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :id"),
                       {"id": wallet.id})
    report = verify(db, site.id)
    assert {(p.check, p.subject_id) for p in report.problems} == {
        ("balanced", txn.id), ("wallet_balance", wallet.id)}


def test_legs_are_checked_before_anything_is_written(db, books):
    site, wallet, cash, _revenue = books
    with pytest.raises(RuleViolation):
        post(db, site_id=site.id, kind=TransactionKind.SALE,
             legs=[Leg(cash.id, D("-1.00")), Leg(wallet.id, D("2.00"))])
    assert wallet.balance == 0 and verify(db, site.id).transactions == 0
