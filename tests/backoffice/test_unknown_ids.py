"""Ids that name nothing: rows named in words, body ids as 422s naming their field, and rows of
other sites answered exactly like ids that do not exist."""

from __future__ import annotations

import pytest

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
UNKNOWN = 2**31 - 2


def _post(client, headers, path, body, **extra):
    return client.post(f"/api/v1{path}", json=body, headers={**EN, **headers, **extra})


def _named(response, status: int, field: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json["errors"]["json"][field][0]


# -- human names in messages -------------------------------------------------------------------

@pytest.mark.parametrize("path,english,chinese", [
    ("/accounts/{id}", "No such account.", "账户不存在。"),
    ("/tariffs/versions/{id}", "No such tariff version.", "电价版本不存在。"),
    ("/gateways/{id}", "No such gateway.", "通讯管理机不存在。"),
])
def test_not_found_names_the_thing_in_words(client, admin, path, english, chinese):
    url = "/api/v1" + path.format(id=UNKNOWN)
    assert client.get(url, headers={**EN, **admin}).json["message"] == english
    assert client.get(url, headers={**ZH, **admin}).json["message"] == chinese


def test_an_unknown_bus_is_named_as_a_bus(client, admin):
    body = {"serial_number": "NB1", "bus_id": UNKNOWN, "address": 1}
    assert _named(_post(client, admin, "/meters", body), 422, "bus_id") == "No such bus."
    chinese = _post(client, admin, "/meters", body, **ZH)
    assert chinese.json["errors"]["json"]["bus_id"] == ["总线不存在。"]


def test_a_missing_bus_is_called_a_bus(db):
    from shared_models.errors import NotFound
    from shared_models.models import Bus
    from shared_models.registry import get

    with pytest.raises(NotFound) as missing:
        get(db, Bus, UNKNOWN)
    assert str(missing.value) == "No such bus."


def test_every_model_has_a_human_name_in_both_languages(app):
    from flask_babel import force_locale, gettext

    from shared_models.base import Base
    from shared_models.registry import NAMES

    tables = {mapper.class_.__tablename__ for mapper in Base.registry.mappers}
    assert tables <= set(NAMES)
    with app.test_request_context(), force_locale("zh_CN"):
        untranslated = [name for name in NAMES.values() if gettext(name) == name]
    assert untranslated == []


# -- unknown ids in a body are 422s naming the field; path ids stay 404 ------------------------

def test_unknown_ids_in_a_body_name_their_field(client, admin, make_site, make_gateway):
    site = make_site()
    bus = make_gateway(site=site).buses[0]
    cases = [
        ("/gateways", {"site_id": UNKNOWN, "name": "G", "host": "10.0.0.1"}, "site_id"),
        ("/buildings", {"site_id": UNKNOWN, "name": "B"}, "site_id"),
        ("/floors", {"building_id": UNKNOWN, "name": "F"}, "building_id"),
        ("/units", {"floor_id": UNKNOWN, "name": "U"}, "floor_id"),
        ("/meters", {"serial_number": "U1", "bus_id": UNKNOWN, "address": 1}, "bus_id"),
        ("/meters", {"serial_number": "U2", "bus_id": bus.id, "address": 2, "unit_id": UNKNOWN},
         "unit_id"),
        ("/accounts", {"site_id": UNKNOWN, "tenant_name": "x", "meter_ids": [1]}, "site_id"),
        ("/accounts", {"site_id": site.id, "tenant_name": "x", "meter_ids": [UNKNOWN]},
         "meter_ids"),
        ("/accounts", {"site_id": site.id, "tenant_name": "x", "meter_ids": [1],
                       "unit_id": UNKNOWN}, "unit_id"),
        ("/tariffs/plans", {"site_id": UNKNOWN, "code": "X", "name": "X"}, "site_id"),
        ("/command-batches", {"kind": "trip", "site_id": UNKNOWN}, "site_id"),
    ]
    for path, body, field in cases:
        message = _named(_post(client, admin, path, body), 422, field)
        assert message.startswith("No such "), (path, message)


def test_unknown_ids_in_a_change_name_their_field(client, admin, make_gateway, make_meter):
    gateway = make_gateway()
    meter = make_meter(bus=gateway.buses[0])
    for path, body, field in [(f"/gateways/{gateway.id}", {"site_id": UNKNOWN}, "site_id"),
                              (f"/meters/{meter.id}", {"bus_id": UNKNOWN}, "bus_id")]:
        response = client.patch(f"/api/v1{path}", json=body, headers={**EN, **admin})
        _named(response, 422, field)


def test_unknown_ids_in_the_path_stay_404(client, admin):
    for path in ("/sites", "/gateways", "/meters", "/buildings", "/accounts", "/tariffs/plans"):
        response = client.get(f"/api/v1{path}/{UNKNOWN}", headers={**EN, **admin})
        assert response.status_code == 404 and "errors" not in response.json, path


def test_a_meter_swap_names_an_unknown_new_meter(desk):
    account = desk.open_account()
    response = desk.post(f"/accounts/{account['id']}/swaps", {
        "old_meter_id": account["meters"][0]["id"], "new_meter_id": UNKNOWN,
        "old_final_reading": "1.00", "new_start_reading": "0.00"}, status=422)
    assert "new_meter_id" in response.json["errors"]["json"]


def test_adding_an_unknown_meter_names_the_field(desk):
    account = desk.open_account()
    response = desk.post(f"/accounts/{account['id']}/meters", {"meter_id": UNKNOWN}, status=422)
    assert "meter_id" in response.json["errors"]["json"]


# -- rows of other sites read exactly like unknown ids -----------------------------------------

def _answer(response) -> tuple:
    return response.status_code, response.json["message"], response.json.get("errors")


def test_a_meter_of_another_site_reads_as_unknown_when_opening_an_account(desk, desk_for,
                                                                          make_site):
    theirs = desk_for(make_site(), shift=False).new_meter()
    out_of_scope = desk.open_account(meters=[theirs], status=422)
    unknown = desk.open_account(meters=[UNKNOWN], status=422)
    assert out_of_scope["message"] == unknown["message"] == "No such meter."
    assert out_of_scope["errors"] == unknown["errors"] == {"json": {"meter_ids": ["No such meter."]}}
    assert "belongs" not in str(out_of_scope)


def test_a_meter_of_another_site_reads_as_unknown_when_added_or_swapped_in(desk, desk_for,
                                                                           make_site):
    theirs = desk_for(make_site(), shift=False).new_meter()
    account = desk.open_account()
    for meter_id in (theirs, UNKNOWN):
        added = desk.post(f"/accounts/{account['id']}/meters", {"meter_id": meter_id})
        swapped = desk.post(f"/accounts/{account['id']}/swaps", {
            "old_meter_id": account["meters"][0]["id"], "new_meter_id": meter_id,
            "old_final_reading": "1.00", "new_start_reading": "0.00"})
        assert _answer(added) == (422, "No such meter.", {"json": {"meter_id": ["No such meter."]}})
        assert _answer(swapped) == (422, "No such meter.",
                                    {"json": {"new_meter_id": ["No such meter."]}})


def test_rows_of_other_sites_read_as_unknown_ids_in_every_body(client, auth_headers, make_site,
                                                               make_gateway, make_meter, db):
    from shared_models.registry import save_building, save_floor, save_unit

    mine, theirs = make_site(), make_site()
    scoped = auth_headers("admin", site_ids=[mine.id])
    my_bus = make_gateway(site=mine).buses[0]
    their_bus = make_gateway(site=theirs).buses[0]
    their_unit = save_unit(db, {"floor_id": save_floor(db, {"building_id": save_building(
        db, {"site_id": theirs.id, "name": "B"}).id, "name": "F"}).id, "name": "U"})
    db.commit()
    their_floor, their_building = their_unit.floor, their_unit.floor.building
    cases = [
        ("/gateways", {"name": "G", "host": "10.0.0.1"}, "site_id", theirs.id),
        ("/buildings", {"name": "B"}, "site_id", theirs.id),
        ("/floors", {"name": "F"}, "building_id", their_building.id),
        ("/units", {"name": "U"}, "floor_id", their_floor.id),
        ("/meters", {"serial_number": "S1", "address": 1}, "bus_id", their_bus.id),
        ("/meters", {"serial_number": "S2", "address": 2, "bus_id": my_bus.id}, "unit_id",
         their_unit.id),
        ("/tariffs/plans", {"code": "X", "name": "X"}, "site_id", theirs.id),
        ("/command-batches", {"kind": "trip"}, "site_id", theirs.id),
        ("/accounts", {"tenant_name": "x", "meter_ids": [make_meter(bus=my_bus).id]}, "site_id",
         theirs.id),
    ]
    for path, body, field, their_id in cases:
        out_of_scope = _post(client, scoped, path, {**body, field: their_id})
        unknown = _post(client, scoped, path, {**body, field: UNKNOWN})
        assert _answer(out_of_scope) == _answer(unknown), path
        assert out_of_scope.status_code == 422 and field in out_of_scope.json["errors"]["json"]


def test_tariff_assignments_read_other_sites_rows_as_unknown(client, auth_headers, make_site,
                                                             make_gateway, make_meter):
    mine, theirs = make_site(), make_site()
    their_meter = make_meter(bus=make_gateway(site=theirs).buses[0])
    their_plan = _post(client, auth_headers("admin"), "/tariffs/plans",
                       {"site_id": theirs.id, "code": "T", "name": "T"}).json
    scoped = {**EN, **auth_headers("admin", site_ids=[mine.id])}

    def put(path: str, body: dict):
        return client.put(f"/api/v1/tariffs{path}", json=body, headers=scoped)

    for meter_id in (their_meter.id, UNKNOWN):
        answer = put("/assignments/meters", {"plan_id": None, "meter_ids": [meter_id]})
        assert _named(answer, 422, "meter_ids") == f"No such meter: {meter_id}."
    for plan_id in (their_plan["id"], UNKNOWN):
        answer = put(f"/assignments/sites/{mine.id}", {"plan_id": plan_id})
        assert _named(answer, 422, "plan_id") == "No such tariff plan."
