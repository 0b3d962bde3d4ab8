"""Counter sales through the API: recharge, refund with approval, reversal, receipts, shifts."""

from decimal import Decimal

import pytest

D = Decimal


@pytest.fixture
def account(desk):
    return desk.open_account()


def test_recharge_credits_the_wallet_and_numbers_receipts(desk, account):
    first = desk.recharge(account["id"], "100.00", status=201).json
    second = desk.recharge(account["id"], "20.50", channel="bank_card", status=201).json
    assert (first["receipt_number"], second["receipt_number"]) == (1, 2)
    assert second["balance_after"] == "120.50" and desk.balance(account["id"]) == D("120.50")
    cash = next(a for a in desk.get("/ledger/accounts", status=200).json
                if a["code"] == "clearing:cash")
    assert cash["balance"] == "-100.00"


@pytest.mark.parametrize("body", [
    {"amount": "0"}, {"amount": "-5.00"}, {"amount": "1.001"}, {"amount": 1.5},
    {"channel": "alipay"},
])
def test_bad_amounts_and_channels_are_refused(desk, account, body):
    response = desk.post("/sales/recharges", {"account_id": account["id"], "amount": "10.00",
                                              "channel": "cash", **body})
    assert response.status_code == 422
    assert desk.balance(account["id"]) == 0


def test_stored_credit_cap_refuses_with_what_can_still_be_sold(desk, account):
    desk.recharge(account["id"], "900.00", status=201)
    refused = desk.recharge(account["id"], "100.01", status=422).json
    assert "stored-credit cap of 1000.00" in refused["message"] and "100.00" in refused["message"]
    desk.recharge(account["id"], "100.00", status=201)


def test_cap_message_is_translated(desk, account):
    desk.recharge(account["id"], "999.00", status=201)
    response = desk.client.post("/api/v1/sales/recharges", headers={
        **desk.headers, "Accept-Language": "zh-CN"}, json={
        "account_id": account["id"], "amount": "5.00", "channel": "cash"})
    assert "储值上限" in response.json["message"] and "1.00" in response.json["message"]


def test_idempotency_key_replays_and_posts_once(desk, account):
    body = {"account_id": account["id"], "amount": "30.00", "channel": "cash"}
    first = desk.post("/sales/recharges", body, key="till-1-0001", status=201)
    again = desk.post("/sales/recharges", body, key="till-1-0001", status=201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    desk.post("/sales/recharges", {**body, "amount": "31.00"}, key="till-1-0001", status=422)
    assert desk.balance(account["id"]) == D("30.00")
    txn = desk.get("/ledger/transactions", status=200).json[0]
    assert txn["external_key"].endswith(":till-1-0001")


def test_selling_needs_an_open_shift(desk_for, money_site, desk):
    account = desk.open_account()
    no_shift = desk_for(money_site, shift=False)
    assert "Open a shift" in no_shift.recharge(account["id"], "1.00", status=422).json["message"]


def test_small_refund_is_paid_at_once(desk, account):
    desk.recharge(account["id"], "200.00", status=201)
    refund = desk.refund(account["id"], "50.00", status=201).json
    assert refund["status"] == "completed" and refund["receipt_number"] == 2
    assert desk.balance(account["id"]) == D("150.00")
    too_much = desk.refund(account["id"], "150.01", status=422).json
    assert "150.00" in too_much["message"]


def test_large_refund_waits_for_another_operators_approval(desk, desk_for, account):
    desk.recharge(account["id"], "500.00", status=201)
    pending = desk.refund(account["id"], "400.00", status=201).json
    assert pending["status"] == "pending" and pending["receipt_number"] is None
    assert desk.balance(account["id"]) == D("100.00")  # held, so it cannot be spent twice
    supervisor = desk_for(desk.site, role="finance", shift=False)
    # The requester cannot approve; an operator without sales.approve may not either.
    desk.post(f"/sales/{pending['id']}/approve", status=403)
    own = desk_for(desk.site, role="finance")
    mine = own.recharge(account["id"], "400.00", status=201).json
    own_refund = own.refund(account["id"], "301.00", status=201).json
    own.post(f"/sales/{own_refund['id']}/approve", status=422)
    approved = supervisor.post(f"/sales/{pending['id']}/approve", status=200).json
    assert approved["status"] == "completed" and approved["receipt_number"] == mine["receipt_number"] + 1
    supervisor.post(f"/sales/{pending['id']}/approve", status=422)
    rejected = supervisor.post(f"/sales/{own_refund['id']}/reject", {"reason": "wrong account"},
                               status=200).json
    assert rejected["status"] == "rejected"
    assert desk.balance(account["id"]) == D("500.00")
    payable = next(a for a in desk.get("/ledger/accounts", status=200).json
                   if a["code"] == "refunds_payable")
    assert payable["balance"] == "0.00"
    assert desk.get("/ledger/verify", status=200).json["ok"] is True


def test_reversal_by_the_same_operator_in_the_same_shift(desk, desk_for, account):
    sale = desk.recharge(account["id"], "60.00", status=201).json
    colleague = desk_for(desk.site)
    assert "operator" in colleague.post(f"/sales/{sale['id']}/reversal", status=422).json["message"]
    reversal = desk.post(f"/sales/{sale['id']}/reversal", {"reason": "wrong amount"},
                         key="rev-1", status=201).json
    assert reversal["kind"] == "reversal" and reversal["reverses_id"] == sale["id"]
    assert desk.balance(account["id"]) == 0
    assert desk.get(f"/sales/{sale['id']}", status=200).json["status"] == "reversed"
    desk.post(f"/sales/{sale['id']}/reversal", status=422)  # only once
    replay = desk.post(f"/sales/{sale['id']}/reversal", {"reason": "wrong amount"}, key="rev-1")
    assert replay.status_code == 201 and replay.json == reversal


def test_reversal_refused_after_the_shift_or_once_credit_is_used(desk, account):
    from shared_models.ledger.books import site_account, wallet_of
    from shared_models.ledger.posting import post
    from shared_models.ledger.rules import transfer
    from shared_models.models.ledger import AccountKind, TransactionKind

    used = desk.recharge(account["id"], "40.00", status=201).json
    desk.recharge(account["id"], "40.00", status=201)
    spent = desk.refund(account["id"], "45.00", status=201)  # the wallet no longer holds 40
    assert spent.json["balance_after"] == "35.00"
    assert "used" in desk.post(f"/sales/{used['id']}/reversal", status=422).json["message"]

    consumed = desk.recharge(account["id"], "10.00", status=201).json
    db = desk.client.application.extensions["wk_sessions"]()
    wallet = wallet_of(db, account["id"])
    revenue = site_account(db, desk.site.id, AccountKind.ENERGY_REVENUE)
    post(db, site_id=desk.site.id, kind=TransactionKind.CONSUMPTION,
         legs=transfer(wallet.id, revenue.id, D("0.01")), may_overdraw={wallet.id})
    db.commit()
    assert "used" in desk.post(f"/sales/{consumed['id']}/reversal", status=422).json["message"]

    later = desk.recharge(account["id"], "5.00", status=201).json
    shift = desk.get("/shifts", status=200).json[0]
    desk.post(f"/shifts/{shift['id']}/close", status=200)
    desk.open_shift()
    assert "shift" in desk.post(f"/sales/{later['id']}/reversal", status=422).json["message"]


def test_receipt_prints_and_reprints_are_counted(desk, account):
    sale = desk.recharge(account["id"], "88.00", status=201).json
    html = desk.get(f"/sales/{sale['id']}/receipt", status=200)
    assert html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "88.00" in page and account["number"] in page and "REPRINT" not in page
    assert desk.post(f"/sales/{sale['id']}/reprint", status=200).json["reprint_count"] == 1
    assert "REPRINT #1" in desk.get(f"/sales/{sale['id']}/receipt", status=200).get_data(as_text=True)


def test_close_of_shift_cash_report(desk, account):
    desk.recharge(account["id"], "100.00", status=201)
    desk.recharge(account["id"], "50.00", channel="bank_card", status=201)
    sale = desk.recharge(account["id"], "20.00", status=201).json
    desk.post(f"/sales/{sale['id']}/reversal", status=201)
    desk.refund(account["id"], "30.00", status=201)
    shift = desk.get("/shifts?open=true", status=200).json[0]
    report = desk.post(f"/shifts/{shift['id']}/close", status=200).json
    totals = {(row["channel"], row["kind"]): (row["count"], row["total"]) for row in report["totals"]}
    assert totals == {("cash", "recharge"): (2, "120.00"), ("cash", "reversal"): (1, "20.00"),
                      ("cash", "refund"): (1, "30.00"), ("bank_card", "recharge"): (1, "50.00")}
    assert {row["channel"]: row["net"] for row in report["net_by_channel"]} == {
        "cash": "70.00", "bank_card": "50.00"}
    assert report["net_total"] == "120.00" and report["shift"]["closed_at"]
    desk.recharge(account["id"], "1.00", status=422)  # the shift is closed


def test_viewer_reads_but_cannot_sell(desk_for, desk, account):
    viewer = desk_for(desk.site, role="viewer", shift=False)
    viewer.get("/sales", status=200)
    viewer.get("/ledger/verify", status=200)
    viewer.recharge(account["id"], "1.00", status=403)


def test_ledger_verify_from_the_command_line(desk, account, runner):
    desk.recharge(account["id"], "10.00", status=201)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "ledger balanced" in result.output


def test_an_unknown_or_out_of_scope_account_in_a_sale_names_the_field(desk, desk_for, make_site):
    elsewhere = desk_for(make_site()).open_account()["id"]
    for path in ("/sales/recharges", "/sales/refunds"):
        answers = [desk.post(path, {"account_id": account_id, "amount": "5.00", "channel": "cash"},
                             status=422).json for account_id in (999999, elsewhere)]
        assert answers[0] == answers[1]  # no telling another site's account from none
        assert list(answers[0]["errors"]["json"]) == ["account_id"]


def test_receipt_in_two_layouts_and_a_reprint_is_a_copy(desk, account):
    sale = desk.recharge(account["id"], "66.00", status=201).json
    thermal = desk.get(f"/sales/{sale['id']}/receipt", status=200).get_data(as_text=True)
    sheet = desk.get(f"/sales/{sale['id']}/receipt?layout=a4", status=200).get_data(as_text=True)
    assert 'class="layout-80mm"' in thermal and "size: 80mm auto" in thermal
    assert 'class="layout-a4"' in sheet and "size: A4" in sheet and "66.00" in sheet
    assert desk.get(f"/sales/{sale['id']}/receipt?layout=a5", status=422).json["errors"]["query"]["layout"]
    desk.post(f"/sales/{sale['id']}/reprint", status=200)
    assert "COPY" in desk.get(f"/sales/{sale['id']}/receipt?layout=a4", status=200).get_data(as_text=True)
