"""Money, prices and energy are plain decimal text, and limits are never negative."""

from __future__ import annotations

import pytest

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _post(client, headers, path, body, **extra):
    return client.post(f"/api/v1{path}", json=body, headers={**EN, **headers, **extra})


def _named(response, status: int, field: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json["errors"]["json"][field][0]


# -- limits that cannot be negative ------------------------------------------------------------

SITE_LIMITS = ["default_price", "credit_cap", "overdraft_limit", "alarm1_threshold",
               "alarm2_threshold", "refund_approval_threshold"]


@pytest.mark.parametrize("field", SITE_LIMITS)
def test_a_site_refuses_a_negative_limit(client, admin, field):
    body = {"code": "NEG", "name": "x", field: "-1.00"}
    if field == "alarm1_threshold":
        body["alarm2_threshold"] = "-5.00"  # keep level 2 below level 1: only the sign is wrong
    _named(_post(client, admin, "/sites", body), 422, field)


@pytest.mark.parametrize("field", SITE_LIMITS)
def test_a_site_change_refuses_a_negative_limit(client, admin, make_site, field):
    site = make_site()
    response = client.patch(f"/api/v1/sites/{site.id}", json={field: "-0.01"},
                            headers={**EN, **admin})
    _named(response, 422, field)


@pytest.mark.parametrize("field", ["alarm1_threshold", "alarm2_threshold"])
def test_an_account_refuses_a_negative_alarm_threshold(desk, field):
    values = {"alarm1_threshold": "-1.00", "alarm2_threshold": "-2.00"}
    assert field in desk.open_account(status=422, **{field: values[field]})["errors"]["json"]
    account = desk.open_account()
    response = desk.call("PATCH", f"/accounts/{account['id']}", {field: "-3.00"}, status=422)
    assert field in response.json["errors"]["json"]


@pytest.mark.parametrize("field", ["default_price", "credit_cap", "overdraft_limit",
                                   "alarm1_threshold", "alarm2_threshold"])
def test_the_site_service_refuses_a_negative_limit(db, make_site, field):
    from decimal import Decimal

    from shared_models.errors import InvalidValue
    from shared_models.registry import save_site

    with pytest.raises(InvalidValue) as refused:
        save_site(db, {field: Decimal("-1")}, make_site())
    assert refused.value.field == field


@pytest.mark.parametrize("field", ["alarm1_threshold", "alarm2_threshold"])
def test_the_account_service_refuses_a_negative_threshold(db, make_site, make_meter, make_gateway,
                                                          field):
    from decimal import Decimal

    from shared_models.errors import InvalidValue
    from shared_models.sales.accounts import open_account

    site = make_site()
    meter = make_meter(bus=make_gateway(site=site).buses[0])
    values = {"site_id": site.id, "tenant_name": "x", "meter_ids": [meter.id],
              "alarm1_threshold": Decimal("1.00"), "alarm2_threshold": Decimal("0.00"),
              field: Decimal("-1.00")}
    with pytest.raises(InvalidValue) as refused:
        open_account(db, values, operator_id=None)
    assert refused.value.field == field


# -- money, prices and energy are plain ASCII decimal strings ----------------------------------

BAD_MONEY = [
    "３０",            # full-width digits
    "٣٠",              # Arabic-Indic digits
    "३०",              # Devanagari digits
    "2E1",             # exponent
    "1e1",
    " 30",             # spaces
    "30 ",
    "+30",
    ".5",
    "30.",
    "1,000.00",
    "12.345",          # more decimals than money has
    "1000000000000",   # more digits than any amount
    "NaN",
    "Infinity",
    "",
]
NUMBERS = [30, 12.5, 0, True, [], {}]


@pytest.fixture
def account(desk):
    return desk.open_account()


@pytest.mark.parametrize("amount", BAD_MONEY)
def test_a_recharge_refuses_money_not_written_as_plain_decimal_text(desk, account, amount):
    response = desk.recharge(account["id"], amount, status=422)
    assert "amount" in response.json["errors"]["json"]
    assert desk.balance(account["id"]) == 0


@pytest.mark.parametrize("amount", NUMBERS)
def test_a_recharge_refuses_json_numbers_and_says_what_to_write(desk, account, amount):
    response = desk.recharge(account["id"], amount, status=422)
    message = response.json["errors"]["json"]["amount"][0]
    assert '"12.50"' in message


def test_a_recharge_takes_plain_decimal_text(desk, account):
    desk.recharge(account["id"], "30", status=201)
    desk.recharge(account["id"], "0.50", status=201)
    assert str(desk.balance(account["id"])) == "30.50"


def test_a_refused_json_number_is_explained_in_chinese(desk, account):
    response = desk.call("POST", "/sales/recharges", {"account_id": account["id"], "amount": 30,
                                                      "channel": "cash"}, status=422)
    english = response.json["errors"]["json"]["amount"][0]
    headers = {**desk.headers, **ZH}
    chinese = desk.client.post("/api/v1/sales/recharges", headers=headers, json={
        "account_id": account["id"], "amount": 30, "channel": "cash"}).json
    assert chinese["errors"]["json"]["amount"][0] != english


BAD_PRICES = [*BAD_MONEY[:11], "0.12345", "1000000", 0.5, 1]


@pytest.mark.parametrize("price", BAD_PRICES)
def test_a_site_price_is_plain_decimal_text(client, admin, price):
    body = {"code": "P1", "name": "x", "default_price": price}
    message = _named(_post(client, admin, "/sites", body), 422, "default_price")
    assert '"0.5283"' in message


@pytest.mark.parametrize("price", [*BAD_MONEY[:11], 1, 0.5])
def test_a_tariff_price_is_plain_decimal_text(client, admin, make_site, price):
    site = make_site()
    plan = _post(client, admin, "/tariffs/plans", {"site_id": site.id, "code": "T", "name": "T"}).json
    body = {"effective_from": "2999-01-01", "tariff": {"prices": {"flat": price}}}
    response = _post(client, admin, f"/tariffs/plans/{plan['id']}/versions", body)
    assert response.status_code == 422, response.json
    assert "tariff.prices.flat" in response.json["errors"]["json"]


@pytest.mark.parametrize("tariff,path", [
    ({"prices": {"flat": "0.5"}, "monthly_charge": 10}, "tariff.monthly_charge"),
    ({"prices": {"flat": "0.5"}, "power_factor_standard": 0.9}, "tariff.power_factor_standard"),
    ({"prices": {"flat": "0.5"}, "tiers": {"period": "month", "blocks": [
        {"up_to": 200, "increment": "0"}, {"increment": "0.05"}]}}, "tariff.tiers.blocks[0].up_to"),
    ({"prices": {"flat": "0.5"}, "tiers": {"period": "month", "blocks": [
        {"up_to": "200", "increment": "0"}, {"increment": 1}]}}, "tariff.tiers.blocks[1].increment"),
])
def test_tariff_amounts_are_decimal_text_too(client, admin, make_site, tariff, path):
    plan = _post(client, admin, "/tariffs/plans",
                 {"site_id": make_site().id, "code": "T", "name": "T"}).json
    response = _post(client, admin, f"/tariffs/plans/{plan['id']}/versions",
                     {"effective_from": "2999-01-01", "tariff": tariff})
    assert "decimal string" in _named(response, 422, path)


@pytest.mark.parametrize("reading", ["１２.５", "1E3", 12, 12.5])
def test_energy_is_plain_decimal_text(desk, reading):
    account = desk.open_account()
    response = desk.post(f"/accounts/{account['id']}/swaps", {
        "old_meter_id": account["meters"][0]["id"], "new_meter_id": desk.new_meter(),
        "old_final_reading": reading, "new_start_reading": "0.00"}, status=422)
    assert "old_final_reading" in response.json["errors"]["json"]
