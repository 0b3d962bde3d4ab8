"""Payment orders and the one place a gateway's news is applied: limits before any QR, credit
exactly once, refusals that write nothing but their record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared_models.errors import InvalidValue, RuleViolation
from shared_models.models import AuditEntry, LedgerTransaction, Sale
from shared_models.models.payments import OrderState, PaymentEvent, PaymentEventKind, PaymentFlow
from shared_models.payments import confirm, orders
from shared_models.payments.gateways.base import ChargeState
from shared_models.payments.rules import Expected, Limits, Reported, check_amount, mismatches
from shared_models.types import utcnow

APP, MERCHANT = "2021000000000001", "2088000000000001"


@pytest.mark.parametrize("amount, balance, message", [
    ("0.99", "0", "The smallest online payment is 1.00."),
    ("2000.01", "0", "The largest online payment is 2000.00."),
    ("600.00", "500.00", "This would bring the balance to 1100.00, above the stored-credit cap of "
                         "1000.00; at most 500.00 can be added now."),
])
def test_an_amount_outside_the_limits_is_refused_with_the_reason(amount, balance, message):
    limits = Limits(Decimal("1.00"), Decimal("2000.00"), Decimal("1000.00"))
    with pytest.raises(RuleViolation) as refused:
        check_amount(Decimal(amount), Decimal(balance), limits)
    assert str(refused.value) == message and refused.value.field == "amount"


def test_amounts_at_the_limits_are_allowed():
    limits = Limits(Decimal("1.00"), Decimal("2000.00"), Decimal("1000.00"))
    check_amount(Decimal("1.00"), Decimal("0"), limits)
    check_amount(Decimal("500.00"), Decimal("500.00"), limits)


def test_a_report_for_another_merchant_app_amount_or_order_names_each_mismatch():
    expected = Expected("WK1", Decimal("10.00"), APP, MERCHANT)
    assert mismatches(expected, Reported("WK1", Decimal("10.00"), APP, MERCHANT)) == []
    assert mismatches(expected, Reported("WK1", None, "", "")) == []  # a query answers for ours
    assert mismatches(expected, Reported("WK2", Decimal("1.00"), "other-app", "other-mch")) == [
        "order 'WK2' is not 'WK1'", "amount 1.00 is not the order's 10.00",
        "app id 'other-app' is not ours", "merchant id 'other-mch' is not ours"]


@pytest.fixture
def account(desk):
    return desk.open_account()


def _order(db, account, amount="50.00", **kwargs):
    values = {"channel": "alipay", "flow": "qr", "source": "console", "requested_by": "op"}
    return orders.create(db, account_id=account["id"], amount=amount, **{**values, **kwargs})


def _paid(order, trade_no="2026112922001", amount=None, **kwargs):
    return confirm.Report(out_trade_no=order.out_trade_no, state=ChargeState.PAID, trade_no=trade_no,
                          amount=Decimal(amount) if amount else order.amount, app_id=APP,
                          merchant_id=MERCHANT, **kwargs)


def _apply(db, order, report, via=PaymentEventKind.NOTIFY):
    return confirm.apply(db, order.id, report, via=via, app_id=APP, merchant_id=MERCHANT)


def test_an_order_is_checked_and_persisted_before_any_gateway_call(db, account, desk):
    order = _order(db, account)
    assert order.state == OrderState.CREATED and order.out_trade_no.startswith("WK")
    assert len(order.out_trade_no) == 24 and order.amount == Decimal("50.00")
    assert order.expires_at - order.created_at == timedelta(hours=2)  # the site's default
    with pytest.raises(RuleViolation, match="stored-credit cap of 1000.00"):
        _order(db, account, amount="1000.01")
    with pytest.raises(InvalidValue, match="unionpay does not offer the wap flow"):
        _order(db, account, channel="unionpay", flow="wap")
    with pytest.raises(InvalidValue, match="Pay online with one of"):
        _order(db, account, channel="cash")


def test_a_paid_report_credits_once_through_the_crediting_path(db, account, desk):
    order = _order(db, account)
    outcome = _apply(db, order, _paid(order))
    assert outcome.credited and order.state == OrderState.CREDITED
    sale = db.get(Sale, order.sale_id)
    assert (sale.amount, sale.channel.value, sale.operator_id, sale.shift_id) == (
        Decimal("50.00"), "alipay", None, None)
    assert sale.receipt_number is not None
    again = _apply(db, order, _paid(order), via=PaymentEventKind.QUERY)  # the query after the notify
    assert not again.credited and again.reason == "already credited: nothing to do"
    assert desk.balance(account["id"]) == Decimal("50.00")
    keys = db.scalars(select(LedgerTransaction.external_key)
                      .where(LedgerTransaction.external_key.like("alipay:%"))).all()
    assert keys == ["alipay:2026112922001"]


def test_a_report_with_the_wrong_amount_credits_nothing_and_is_logged(db, account, desk):
    order = _order(db, account)
    before = db.scalar(select(func.count(LedgerTransaction.id)))
    outcome = _apply(db, order, _paid(order, amount="0.01"))
    assert not outcome.accepted and order.state == OrderState.CREATED
    assert outcome.reason == "refused: amount 0.01 is not the order's 50.00"
    assert db.scalar(select(func.count(LedgerTransaction.id))) == before
    event = db.scalars(select(PaymentEvent).where(PaymentEvent.order_id == order.id)).one()
    assert (event.accepted, event.kind) == (False, PaymentEventKind.NOTIFY)
    logged = db.scalars(select(AuditEntry).where(AuditEntry.action == "payment.report_refused")).all()
    assert [entry.entity_id for entry in logged] == [str(order.id)]
    assert desk.balance(account["id"]) == Decimal("0.00")


def test_money_taken_after_the_order_expired_is_credited_and_flagged(db, account, desk):
    order = _order(db, account)
    orders.close(db, order.id, state=OrderState.EXPIRED, reason="expired", kind=PaymentEventKind.CLOSE)
    outcome = _apply(db, order, _paid(order))
    assert outcome.credited and order.state == OrderState.CREDITED
    assert order.needs_review and order.review_reason == "paid after the order was expired"
    assert desk.balance(account["id"]) == Decimal("50.00")


def test_money_for_a_closed_account_stays_paid_for_review_not_lost(db, account, desk):
    order = _order(db, account)
    desk.post(f"/accounts/{account['id']}/close", {}, status=200)
    outcome = _apply(db, order, _paid(order))
    assert not outcome.credited and order.state == OrderState.PAID
    assert order.needs_review and "paid but not credited: The account is closed." in order.review_reason
    assert order.trade_no == "2026112922001" and order.sale_id is None


def test_closed_news_closes_only_an_order_still_waiting(db, account):
    order = _order(db, account)
    report = confirm.Report(out_trade_no=order.out_trade_no, state=ChargeState.CLOSED)
    assert _apply(db, order, report, via=PaymentEventKind.QUERY).reason == "closed at the gateway (closed)"
    assert order.state == OrderState.CLOSED and order.closed_at is not None
    credited = _order(db, account)
    _apply(db, credited, _paid(credited, trade_no="T2"))
    _apply(db, credited, confirm.Report(out_trade_no=credited.out_trade_no, state=ChargeState.CLOSED))
    assert credited.state == OrderState.CREDITED


def test_an_order_flow_is_one_its_gateway_offers():
    assert PaymentFlow.WAP in orders.FLOWS[orders.Channel.ALIPAY]
    assert PaymentFlow.WAP not in orders.FLOWS[orders.Channel.WECHAT]


def test_expiry_is_the_sites_setting(db, account, money_site):
    money_site.order_expiry_s = 900
    order = _order(db, account, now=utcnow())
    assert order.expires_at - order.created_at == timedelta(minutes=15)
