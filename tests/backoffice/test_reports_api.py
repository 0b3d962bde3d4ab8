"""Reports through the API: journal, totals and statements as JSON and .xlsx, scoped and checked."""

import io
import json
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from itertools import zip_longest
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from backoffice.resources.reports.sheets import journal_book
from shared_models.models import LedgerTransaction, Sale, Shift
from shared_models.models.ledger import Channel, TransactionKind
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.reports import journal
from shared_models.reports.periods import parse_period
from tests import reports

D = Decimal


def today(site) -> str:
    return datetime.now(ZoneInfo(site.timezone)).date().isoformat()


def sheet(response, name: str) -> list[dict]:
    """The rows of one sheet of a downloaded workbook, as dicts by header."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    lines = book[name].iter_rows(values_only=True)
    header = next(lines)
    # Read-only sheets drop trailing empty cells.
    rows = [dict(zip_longest(header, line)) for line in lines]
    book.close()
    return rows


def cents(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


@pytest.fixture
def counter_day(desk, desk_for):
    """Through the API: a cash sale, a card sale, a cash refund and the card sale's reversal."""
    account = desk.open_account()
    desk.recharge(account["id"], "100.00", status=201)
    card = desk.recharge(account["id"], "40.00", channel="bank_card", status=201).json
    desk.refund(account["id"], "30.00", status=201)
    desk.post(f"/sales/{card['id']}/reversal", {"reason": "wrong card"}, status=201)
    return account, card, desk_for(desk.site, role="finance", shift=False)


def test_sale_refund_and_reversal_show_in_journal_daily_totals_and_excel(desk, counter_day):
    _account, card, finance = counter_day
    day = f"date={today(desk.site)}&site_id={desk.site.id}"
    rows = finance.get(f"/reports/journal?{day}", status=200).json
    assert [(r["receipt_number"], r["kind"], r["status"], r["channel"], r["signed_amount"])
            for r in rows] == [(1, "recharge", "completed", "cash", "100.00"),
                               (2, "recharge", "reversed", "bank_card", "40.00"),
                               (3, "refund", "completed", "cash", "-30.00"),
                               (4, "reversal", "completed", "bank_card", "-40.00")]
    assert rows[3]["reverses_receipt_number"] == card["receipt_number"]
    assert {r["local_date"] for r in rows} == {today(desk.site)}
    [total] = finance.get(f"/reports/totals?{day}", status=200).json
    assert (total["recharge_count"], total["recharge_total"], total["refund_total"],
            total["reversal_total"], total["count"], total["net_total"]) == (
        2, "140.00", "30.00", "40.00", 4, "70.00")
    by_channel = finance.get(f"/reports/totals?{day}&by=channel", status=200).json
    assert {r["channel"]: r["net_total"] for r in by_channel} == {"cash": "70.00",
                                                                  "bank_card": "0.00"}
    journal = sheet(finance.get(f"/reports/journal/export?{day}"), "Journal")
    assert [(r["receipt_number"], r["kind"], r["status"], cents(r["signed_amount"]))
            for r in journal] == [(r["receipt_number"], r["kind"], r["status"],
                                   D(r["signed_amount"])) for r in rows]
    [exported] = sheet(finance.get(f"/reports/totals/export?{day}"), "Totals")
    assert {name: cents(exported[name]) for name in ("recharge_total", "refund_total",
                                                     "reversal_total", "net_total")} == {
        "recharge_total": D("140.00"), "refund_total": D("30.00"),
        "reversal_total": D("40.00"), "net_total": D("70.00")}
    assert (exported["count"], exported["period"]) == (4, today(desk.site))


def test_journal_pages(desk, counter_day):
    day = f"date={today(desk.site)}"
    page = desk.get(f"/reports/journal?{day}&page=2&page_size=3", status=200)
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert [r["receipt_number"] for r in page.json] == [4]


def test_local_midnight_through_the_api(make_site, desk_for):
    site = make_site(timezone="Europe/Berlin", credit_cap=D("1000.00"))
    berlin = desk_for(site)
    account = berlin.open_account()
    with reports.booked_at(datetime(2025, 7, 1, 21, 59, tzinfo=UTC)):  # 23:59 CEST
        berlin.recharge(account["id"], "11.00", status=201)
    with reports.booked_at(datetime(2025, 7, 1, 22, 0, tzinfo=UTC)):  # midnight, July 2nd
        berlin.recharge(account["id"], "22.00", status=201)
    first = berlin.get("/reports/journal?date=2025-07-01", status=200).json
    assert [(r["amount"], r["local_date"]) for r in first] == [("11.00", "2025-07-01")]
    days = berlin.get("/reports/totals?from=2025-06-30&to=2025-07-03", status=200).json
    assert [(r["period"], r["net_total"]) for r in days] == [("2025-07-01", "11.00"),
                                                             ("2025-07-02", "22.00")]
    [july] = berlin.get("/reports/totals?period=month&date=2025-07", status=200).json
    assert july["net_total"] == "33.00"


def test_an_operator_sees_only_their_sites(desk, counter_day, make_site, desk_for):
    other = desk_for(make_site(credit_cap=D("1000.00")))
    theirs = other.open_account()
    other.recharge(theirs["id"], "9.00", status=201)
    day = today(desk.site)
    mine = desk.get(f"/reports/journal?date={day}", status=200).json
    assert {r["site_id"] for r in mine} == {desk.site.id}
    assert {r["site_id"] for r in desk.get(f"/reports/totals?date={day}", status=200).json} == {
        desk.site.id}
    for path in (f"/reports/journal?date={day}&site_id={other.site.id}",
                 f"/reports/totals?date={day}&site_id={other.site.id}",
                 f"/reports/journal?date={day}&account_id={theirs['id']}",
                 f"/reports/statements/{theirs['id']}?date={day}",
                 f"/reports/statements/{theirs['id']}/lines?date={day}",
                 f"/reports/statements/{theirs['id']}/export?date={day}",
                 f"/reports/journal/export?date={day}&site_id={other.site.id}"):
        assert desk.get(path).status_code == 404, path
    exported = sheet(desk.get(f"/reports/journal/export?date={day}"), "Journal")
    assert {r["site_code"] for r in exported} == {desk.site.code}


def test_kiosks_may_not_read_reports(client, auth_headers):
    response = client.get("/api/v1/reports/totals?date=2025-03-01", headers=auth_headers("kiosk"))
    assert response.status_code == 403


def test_statement_reconciles_with_the_wallet(desk, counter_day):
    account, _card, finance = counter_day
    base = f"/reports/statements/{account['id']}"
    span = f"from=2025-01-01&to={today(desk.site)}"
    head = finance.get(f"{base}?{span}", status=200).json
    balance = finance.get(f"/accounts/{account['id']}", status=200).json["balance"]
    assert (head["opening_balance"], head["money_in"], head["money_out"]) == (
        "0.00", "140.00", "-70.00")
    assert head["closing_balance"] == head["wallet_balance"] == balance == "70.00"
    lines = finance.get(f"{base}/lines?{span}", status=200).json
    assert [(line["kind"], line["amount"], line["balance"]) for line in lines] == [
        ("sale", "100.00", "100.00"), ("sale", "40.00", "140.00"),
        ("refund", "-30.00", "110.00"), ("reversal", "-40.00", "70.00")]
    exported = sheet(finance.get(f"{base}/export?{span}"), "Statement")
    assert [(r["kind"], cents(r["balance"])) for r in exported] == [
        ("opening balance", D("0.00")), ("sale", D("100.00")), ("sale", D("140.00")),
        ("refund", D("110.00")), ("reversal", D("70.00")), ("closing balance", D("70.00"))]


@pytest.mark.parametrize("query", [
    "", "date=2025-3-1", "date=2025-02-30", "period=month&date=2025-03-01", "period=week&date=2025",
    "from=2025-03-01", "to=2025-03-01", "date=2025-03-01&from=2025-03-01&to=2025-03-02",
    "from=2025-03-02&to=2025-03-01", "date=1969-12-31", "date=2025-03-01&by=shift",
    "date=2025-03-01&site_id=0", "date=2025-03-01&channel=gold",
])
def test_bad_periods_and_filters_are_422(admin, client, query):
    for path in ("/api/v1/reports/totals", "/api/v1/reports/totals/export"):
        response = client.get(f"{path}?{query}", headers={**admin, "Accept-Language": "en"})
        assert response.status_code == 422, (path, query, response.get_data(as_text=True))


def test_bad_statement_period_is_422_and_translated(desk, counter_day):
    account, _card, _finance = counter_day
    response = desk.client.get(f"/api/v1/reports/statements/{account['id']}?date=2025-13-01",
                               headers={**desk.headers, "Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.json["message"] and "日期" in response.json["message"]


def _many_sales(db, desk, account_id: int, count: int, first_receipt: int) -> None:
    """`count` cash recharges written straight into the tables, an hour before now (making
    thousands through the services would take minutes and prove nothing more here)."""
    shift = db.scalar(select(Shift).where(Shift.site_id == desk.site.id))
    when = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    ids = db.scalars(insert(LedgerTransaction).returning(LedgerTransaction.id), [
        {"site_id": desk.site.id, "kind": TransactionKind.SALE, "reason": "bulk",
         "created_at": when} for _ in range(count)]).all()
    db.execute(insert(Sale), [
        {"site_id": desk.site.id, "account_id": account_id, "kind": SaleKind.RECHARGE,
         "channel": Channel.CASH, "amount": D("1.00"), "status": SaleStatus.COMPLETED,
         "receipt_number": first_receipt + n, "operator_id": shift.operator_id,
         "shift_id": shift.id, "transaction_id": txn, "balance_after": D("0.00"),
         "created_at": when, "completed_at": when} for n, txn in enumerate(ids)])
    db.commit()


def _export_peak(db, site, period) -> int:
    """Peak bytes Python allocated while building the journal workbook."""
    stmt = journal.journal(db, period, site_ids={site.id})
    tracemalloc.start()
    try:
        with journal_book(db, stmt, period):
            return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_of_thousands_of_rows_streams_in_constant_memory(db, desk):
    account = desk.open_account()
    period = parse_period("day", start="2025-01-01", stop=today(desk.site))
    # Past the first batches memory levels off: rows go through a server-side cursor a batch
    # at a time into a write-only workbook, so twice the rows must not take more memory.
    _many_sales(db, desk, account["id"], 2500, first_receipt=1)
    smaller = _export_peak(db, desk.site, period)
    _many_sales(db, desk, account["id"], 2500, first_receipt=2501)
    larger = _export_peak(db, desk.site, period)
    assert larger < 1.25 * smaller, (smaller, larger)
    rows = sheet(desk.get(f"/reports/journal/export?from=2025-01-01&to={today(desk.site)}"),
                 "Journal")
    assert len(rows) == 5000 and [r["receipt_number"] for r in rows[:2]] == [1, 2]
    assert rows[-1]["receipt_number"] == 5000 and rows[-1]["tenant_name"] == "张三"
