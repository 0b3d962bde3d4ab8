"""Registry workbooks: template, all-or-nothing import with row errors, scoped export."""

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from backoffice.resources.workbooks.schemas import ROW_SCHEMAS
from ops.bench.workbook_import import gateway_row, meter_rows, workbook
from shared_models.models import AuditEntry, Building, Bus, Floor, Gateway, Meter, Unit
from shared_models.workbooks import layout

BASE = "/api/v1/workbooks/registry"
COLUMN = {name: index for index, name in enumerate(layout.names(layout.METERS))}


def _post(client, headers, body: bytes, dry_run: bool = False):
    return client.post(f"{BASE}/import", headers={**headers, "Accept-Language": "en"},
                       query_string={"dry_run": dry_run},
                       data={"file": (io.BytesIO(body), "registry.xlsx")})


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


REGISTRY = (Gateway, Bus, Building, Floor, Unit, Meter)


def _counts(db) -> dict[str, int]:
    """Rows per registry table, and the system log's entries about them."""
    counts = {model.__tablename__: _count(db, model) for model in REGISTRY}
    counts["audit_log"] = db.scalar(select(func.count()).where(
        AuditEntry.entity.in_([model.__tablename__ for model in REGISTRY])))
    return counts


def _sheet(body: bytes, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    try:
        return list(book[name].iter_rows(values_only=True))
    finally:
        book.close()


def _meter(site_code: str, serial: str, *, gateway="GW-A", bus=1, address=1, **cells) -> list:
    row = [serial, site_code, gateway, bus, address, None, None, None, None, None, None, None]
    for name, value in cells.items():
        row[COLUMN[name]] = value
    return row


@pytest.fixture
def site(make_site):
    return make_site()


def test_row_schemas_accept_exactly_the_template_columns():
    for sheet, schema in ROW_SCHEMAS.items():
        assert set(schema.load_fields) == set(layout.names(sheet))


def test_template_has_headers_drop_downs_and_instructions(client, admin):
    response = client.get(f"{BASE}/template", headers=admin)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [layout.GATEWAYS, layout.METERS, layout.INSTRUCTIONS]
    assert [cell.value for cell in book[layout.METERS][1]] == layout.names(layout.METERS)
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in book[layout.GATEWAYS].data_validations.dataValidation}
    assert lists["E"] == '"modbus_tcp,rtu_over_tcp,serial"'  # framing
    assert "9600" in lists["G"]  # baud
    assert any("serial_number" in (row[1] or "") for row in
               book[layout.INSTRUCTIONS].iter_rows(values_only=True) if len(row) > 1)


@pytest.mark.parametrize("dry_run, status", [(True, 200), (False, 201)])
def test_empty_template_reimports_without_error(client, admin, db, dry_run, status):
    template = client.get(f"{BASE}/template", headers=admin).data
    before = _count(db, Meter)
    response = _post(client, admin, template, dry_run)
    assert response.status_code == status, response.json
    assert set(response.json["counts"].values()) == {0}
    assert _count(db, Meter) == before


def test_one_bad_row_among_500_is_reported_alone_and_nothing_is_written(client, admin, db, site):
    rows = meter_rows(site.code, 500)
    rows[299][COLUMN["address"]] = 248  # Modbus addresses stop at 247
    before = _counts(db)
    response = _post(client, admin, workbook([gateway_row(site.code)], rows))
    assert response.status_code == 422
    assert response.json["errors"] == [{"sheet": "Meters", "row": 301, "column": "address",
                                        "reason": "Must be greater than or equal to 1 and "
                                                  "less than or equal to 247."}]
    assert _counts(db) == before


def test_500_meters_import_with_one_audit_row_per_row_written(client, admin, db, site):
    before = _counts(db)
    response = _post(client, admin, workbook([gateway_row(site.code)], meter_rows(site.code, 500)))
    assert response.status_code == 201, response.json
    counts = response.json["counts"]
    assert counts == {"gateways": 1, "buses": 16, "meters": 500, "buildings": 1, "floors": 25,
                      "units": 500}
    after = _counts(db)
    written = {name: after[name] - before[name] for name in after}
    assert written["meters"] == 500 and written["buses"] == 16
    # Every row written is in the system log, and nothing else (no update noise).
    assert written["audit_log"] == sum(v for name, v in written.items() if name != "audit_log")


def test_dry_run_previews_and_writes_nothing(client, admin, db, site):
    before = _counts(db)
    response = _post(client, admin, workbook([gateway_row(site.code)], meter_rows(site.code, 40)),
                     dry_run=True)
    assert response.status_code == 200
    assert response.json["dry_run"] is True and response.json["counts"]["meters"] == 40
    preview = response.json["preview"]
    assert len(preview["meters"]) == 20 and preview["meters"][0]["row"] == 2
    assert preview["gateways"][0]["framing"] == "modbus_tcp"
    assert _counts(db) == before


def test_places_are_created_once_and_existing_ones_reused(client, admin, db, site):
    from shared_models.registry import save_building

    building = save_building(db, {"site_id": site.id, "name": "Block A"})
    db.commit()
    rows = [_meter(site.code, f"PL{n}", address=n + 1, building="Block A", floor="1F",
                   unit=f"10{n}") for n in range(3)]
    response = _post(client, admin, workbook([gateway_row(site.code, buses=1)], rows))
    assert response.status_code == 201, response.json
    assert response.json["counts"] | {"meters": 0} == {
        "gateways": 1, "buses": 1, "meters": 0, "buildings": 0, "floors": 1, "units": 3}
    meter = db.scalar(select(Meter).where(Meter.serial_number == "PL2"))
    assert meter.unit.name == "102" and meter.unit.floor.building_id == building.id


@pytest.fixture
def existing_bus(make_gateway, make_meter, site):
    """Bus 1 of gateway GW-X on `site`, holding 31 meters at addresses 1-31 (serials EX...)."""
    bus = make_gateway(site=site, name="GW-X").buses[0]
    for address in range(1, 32):
        make_meter(bus=bus, address=address, serial_number=f"EX{address}")
    return bus


@pytest.mark.parametrize("rows, expected", [
    pytest.param(lambda s: [_meter(s, "D1", address=1), _meter(s, "D1", address=2)],
                 [(3, "serial_number", "Duplicate of row 2 in this workbook.")], id="serial-twice"),
    pytest.param(lambda s: [_meter(s, "EX5", gateway="GW-X", address=40)],
                 [(2, "serial_number", "Serial number EX5 is already registered.")], id="serial-in-db"),
    pytest.param(lambda s: [_meter(s, "A1", address=7), _meter(s, "A2", address=7)],
                 [(3, "address", "Address 7 is already used on this bus.")], id="address-twice"),
    pytest.param(lambda s: [_meter(s, "A3", gateway="GW-X", address=3)],
                 [(2, "address", "Address 3 is already used on this bus.")], id="address-in-db"),
    pytest.param(lambda s: [_meter(s, "O1", gateway="GW-X", address=40),
                            _meter(s, "O2", gateway="GW-X", address=41)],
                 [(3, "bus", "A bus carries at most 32 meters.")], id="bus-overflow"),
    pytest.param(lambda s: [_meter(s, "G1", gateway="GW-NONE")],
                 [(2, "gateway", "No such gateway.")], id="unknown-gateway"),
    pytest.param(lambda s: [_meter(s, "B1", bus=2)], [(2, "bus", "No such bus.")], id="unknown-bus"),
    pytest.param(lambda s: [_meter("NOPE", "S1")], [(2, "site_code", "No such site.")],
                 id="unknown-site"),
    pytest.param(lambda s: [_meter(s, "F1", floor="2F")],
                 [(2, "floor", "A floor needs its building and a unit its floor.")], id="floor-alone"),
    pytest.param(lambda s: [_meter(s, "E1", control_mode="prepaid", phases=2)],
                 [(2, "phases", "Must be one of: 1, 3."),
                  (2, "control_mode", "Must be one of: remote, local.")], id="bad-values"),
])
def test_meter_rows_breaking_a_rule_are_refused(client, admin, db, site, existing_bus, rows,
                                                 expected):
    before = _counts(db)
    body = workbook([gateway_row(site.code, buses=1)], rows(site.code))
    response = _post(client, admin, body, dry_run=True)
    assert response.status_code == 422
    assert [(e["sheet"], e["row"], e["column"], e["reason"]) for e in response.json["errors"]] \
        == [("Meters", row, column, reason) for row, column, reason in expected]
    assert _post(client, admin, body).status_code == 422
    assert _counts(db) == before


@pytest.mark.parametrize("gateway, column, reason", [
    (lambda s: [s, "GW-X", "h", 502], "name", "The name GW-X is already used here."),
    (lambda s: [s, "GW-S", None, 502, "serial"], "serial_device",
     "A serial gateway needs its serial device."),
    (lambda s: [s, "GW-P", "h", 0], "port", "Must be greater than or equal to 1 and less than or "
                                            "equal to 65535."),
])
def test_gateway_rows_breaking_a_rule_are_refused_once(client, admin, site, existing_bus, gateway,
                                                       column, reason):
    row = gateway(site.code)
    # A meter on the refused gateway is not reported a second time.
    body = workbook([row], [_meter(site.code, "GM1", gateway=row[1], address=40)])
    response = _post(client, admin, body)
    assert response.status_code == 422
    assert response.json["errors"] == [{"sheet": "Gateways", "row": 2, "column": column,
                                        "reason": reason}]


def test_operator_cannot_import_into_a_site_outside_their_scope(client, auth_headers, make_site):
    mine, other = make_site(), make_site()
    headers = auth_headers("operator", site_ids=[mine.id])
    body = workbook([gateway_row(mine.code, buses=1), gateway_row(other.code, buses=1)],
                    [_meter(mine.code, "SC1")])
    response = _post(client, headers, body)
    assert response.status_code == 422
    assert [(e["sheet"], e["row"], e["column"], e["reason"]) for e in response.json["errors"]] \
        == [("Gateways", 3, "site_code", "No such site.")]


@pytest.mark.parametrize("method, path", [("post", "/import"), ("get", "/export"),
                                          ("get", "/template")])
def test_viewer_reads_but_cannot_import(client, auth_headers, method, path):
    viewer = auth_headers("viewer")
    if method == "post":
        assert _post(client, viewer, workbook([], [])).status_code == 403
    else:
        assert client.get(BASE + path, headers=viewer).status_code == 200


@pytest.mark.parametrize("body", [b"not a workbook", b"PK\x03\x04 a broken zip"])
def test_unreadable_file_is_422(client, admin, body):
    response = _post(client, admin, body)
    assert response.status_code == 422
    assert response.json["message"] == "The file is not a readable .xlsx workbook."


def test_unknown_and_missing_columns_are_named(client, admin):
    book = openpyxl.Workbook()
    book.active.title = layout.METERS
    book.active.append(["serial_number", "site_code", "gateway", "bus", "adress"])
    book.active.append(["X1", "S", "G", 1, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _post(client, admin, buffer.getvalue())
    assert response.status_code == 422
    assert [(e["row"], e["column"], e["reason"]) for e in response.json["errors"]] == [
        (1, "adress", "Unknown column."), (1, "address", "Missing column.")]


def test_export_round_trip_reimports_as_duplicates_only(client, admin, db, make_site):
    site, elsewhere = make_site(), make_site()
    imported = [_meter(site.code, f"RT{n}", address=n + 1, building="B", floor="1F", unit=f"{n}")
                for n in range(3)]
    gateways = [gateway_row(site.code, buses=2)]
    assert _post(client, admin, workbook(gateways, imported)).status_code == 201
    assert _post(client, admin, workbook([gateway_row(elsewhere.code, buses=1)],
                                         [_meter(elsewhere.code, "ELSE1")])).status_code == 201

    exported = client.get(f"{BASE}/export", headers=admin, query_string={"site_id": site.id})
    assert exported.status_code == 200
    gateway_sheet, meter_sheet = (_sheet(exported.data, name) for name in layout.SHEETS)
    assert list(gateway_sheet[0]) == layout.names(layout.GATEWAYS)
    assert [list(row) for row in gateway_sheet[1:]] == gateways
    assert [row[:5] + row[9:] for row in meter_sheet[1:]] == [
        (f"RT{n}", site.code, "GW-A", 1, n + 1, "B", "1F", str(n)) for n in range(3)]

    before = _counts(db)
    again = _post(client, admin, exported.data)
    assert again.status_code == 422
    assert [(e["sheet"], e["row"], e["column"]) for e in again.json["errors"]] == [
        ("Gateways", 2, "name")] + [("Meters", n + 2, "serial_number") for n in range(3)]
    assert _counts(db) == before


def test_export_is_scoped_to_the_callers_sites(client, auth_headers, make_site, make_meter,
                                               make_gateway):
    mine, other = make_site(), make_site()
    make_meter(bus=make_gateway(site=mine).buses[0], serial_number="MINE1")
    make_meter(bus=make_gateway(site=other).buses[0], serial_number="OTHER1")
    headers = auth_headers("operator", site_ids=[mine.id])
    exported = client.get(f"{BASE}/export", headers=headers)
    assert [row[0] for row in _sheet(exported.data, layout.METERS)[1:]] == ["MINE1"]
    refused = client.get(f"{BASE}/export", headers=headers, query_string={"site_id": other.id})
    assert refused.status_code == 404


def test_retrying_a_successful_import_is_refused_as_duplicates(client, admin, db, site):
    body = workbook([gateway_row(site.code, buses=1)], [_meter(site.code, "RE1")])
    assert _post(client, admin, body).status_code == 201
    before = _counts(db)
    assert _post(client, admin, body).status_code == 422
    assert _counts(db) == before


def test_import_and_downloads_are_in_the_api_document(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {f"{BASE}/template", f"{BASE}/import", f"{BASE}/export"} <= set(paths)
