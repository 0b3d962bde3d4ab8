"""Posting a batch: one write for many transactions, keys already posted skipped."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared_models.ledger.books import derived_balance, ensure_site_accounts, site_account
from shared_models.ledger.posting import Entry, post, post_many
from shared_models.ledger.rules import InsufficientBalance, Leg, transfer
from shared_models.ledger.verify import verify
from shared_models.models import LedgerAccount, LedgerTransaction, Posting
from shared_models.models.ledger import AccountKind, Channel, TransactionKind

D = Decimal


@pytest.fixture
def books(db, make_site):
    site = make_site()
    ensure_site_accounts(db, site.id)
    wallets = []
    for code in ("wallet:T1", "wallet:T2"):
        wallets.append(LedgerAccount(site_id=site.id, kind=AccountKind.WALLET, code=code, balance=D("0.00")))
        db.add(wallets[-1])
    db.flush()
    cash = site_account(db, site.id, AccountKind.CLEARING, Channel.CASH)
    revenue = site_account(db, site.id, AccountKind.ENERGY_REVENUE)
    for wallet in wallets:
        post(db, site_id=site.id, kind=TransactionKind.SALE, legs=transfer(cash.id, wallet.id, D("10.00")))
    return site, wallets, revenue


def _consume(site, wallet, revenue, amount: str, key: str) -> Entry:
    return Entry(site.id, TransactionKind.CONSUMPTION, transfer(wallet.id, revenue.id, D(amount)),
                 external_key=key, may_overdraw={wallet.id})


def _keyed(db, key: str) -> int:
    return db.scalar(select(func.count()).select_from(LedgerTransaction)
                     .where(LedgerTransaction.external_key == key))


def test_a_batch_moves_each_wallet_by_its_entries_and_skips_keys_already_posted(db, books):
    site, (first, second), revenue = books
    post_many(db, [_consume(site, first, revenue, "1.00", "consume:1:1")])
    written = post_many(db, [_consume(site, first, revenue, "1.00", "consume:1:1"),  # a replay
                             _consume(site, first, revenue, "2.50", "consume:1:2"),
                             _consume(site, second, revenue, "12.00", "consume:2:1")])
    assert len(written) == 2
    assert _keyed(db, "consume:1:1") == 1
    assert first.balance == D("6.50") == derived_balance(db, first.id)
    assert second.balance == D("-2.00") == derived_balance(db, second.id)  # consumption may overdraw
    assert verify(db, site.id).ok


def test_an_overdrawn_wallet_refuses_the_batch(db, books):
    site, (first, _second), revenue = books
    refund = Entry(site.id, TransactionKind.REFUND, transfer(first.id, revenue.id, D("10.01")))
    with pytest.raises(InsufficientBalance):
        post_many(db, [refund])


def test_a_key_already_posted_is_skipped_even_where_posting_it_again_would_overdraw(db, books):
    site, (first, second), revenue = books
    cash = site_account(db, site.id, AccountKind.CLEARING, Channel.CASH)

    def refund(amount: str, key: str | None) -> Entry:
        return Entry(site.id, TransactionKind.REFUND, transfer(first.id, cash.id, D(amount)),
                     external_key=key)

    post_many(db, [refund("10.00", "refund:1")])
    assert first.balance == D("0.00")
    # The replay alone would take the wallet below zero: it is a replay, so nothing is refused.
    written = post_many(db, [refund("10.00", "refund:1"),
                             Entry(site.id, TransactionKind.SALE, transfer(cash.id, first.id, D("4.00"))),
                             _consume(site, second, revenue, "1.25", "consume:2:9")])
    assert len(written) == 2 and _keyed(db, "refund:1") == 1
    assert first.balance == D("4.00") == derived_balance(db, first.id)
    assert second.balance == D("8.75") == derived_balance(db, second.id)
    assert verify(db, site.id).ok


def test_postings_keep_the_order_of_their_legs(db, books):
    site, (first, second), revenue = books
    (txn_id,) = post_many(db, [Entry(site.id, TransactionKind.TRANSFER,
                                     [Leg(first.id, D("-3.00")), Leg(second.id, D("1.00")),
                                      Leg(second.id, D("2.00"))])])
    rows = db.execute(select(Posting.account_id, Posting.amount).where(Posting.transaction_id == txn_id)
                      .order_by(Posting.id)).all()
    assert rows == [(first.id, D("-3.00")), (second.id, D("1.00")), (second.id, D("2.00"))]
    assert (first.balance, second.balance) == (D("7.00"), D("13.00"))
