"""Postpaid billing through the API: the mode, a run, review, release, the documents, export."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.settlement_kit import local

D = Decimal
API = "/api/v1/billing"


@pytest.fixture
def billed(kit, db):
    """A prepaid account with a meter, switched to postpaid through the API, read for a day."""
    meter = kit.meter()
    account = kit.account(meter)
    db.commit()
    return account, meter


def test_a_month_from_the_mode_to_a_released_bill_and_its_documents(client, kit, db, auth_headers, billed):
    account, meter = billed
    finance = auth_headers("finance")
    switched = client.put(f"{API}/accounts/{account.id}/mode", json={"billing_mode": "postpaid"},
                          headers=finance)
    assert (switched.status_code, switched.json["billing_mode"]) == (200, "postpaid")
    kit.half_hours(meter, local(kit.day(), 1), ["10.00", "20.00"])
    db.commit()
    from tests.billing.kit import cutoff_after

    run = client.post(f"{API}/runs", json={"site_id": kit.site.id,
                                           "cutoff": cutoff_after(kit.day()).isoformat()}, headers=finance)
    assert run.status_code == 201, run.json
    [bill] = client.get(f"{API}/bills", query_string={"run_id": run.json["id"]}, headers=finance).json
    assert (bill["state"], bill["charges"], bill["flags"]) == ("calculated", "6.00", [])
    detail = client.get(f"{API}/bills/{bill['id']}", headers=finance).json
    assert [(m["start_total"], m["end_total"]) for m in detail["meters"]] == [("10.00", "20.00")]
    reviewed = client.post(f"{API}/runs/{run.json['id']}/review", headers=finance).json
    assert [b["state"] for b in reviewed] == ["reviewed"]
    released = client.post(f"{API}/bills/{bill['id']}/release", headers={**finance, "Idempotency-Key": "r1"})
    assert (released.status_code, released.json["state"]) == (200, "released")
    assert released.json["due_date"]
    replay = client.post(f"{API}/bills/{bill['id']}/release", headers={**finance, "Idempotency-Key": "r1"})
    assert replay.json == released.json

    zh = client.get(f"{API}/bills/{bill['id']}/document", headers=finance)
    assert zh.mimetype == "text/html" and "电费账单" in zh.text and "应付金额" in zh.text
    en = client.get(f"{API}/bills/{bill['id']}/document?lang=en", headers=finance)
    assert "Electricity bill" in en.text and "Amount due" in en.text and "6.00" in en.text
    pdf = client.get(f"{API}/bills/{bill['id']}/pdf", headers=finance)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and b"STSong-Light" in pdf.data

    sheet = client.get(f"{API}/bills/export", query_string={"site_id": kit.site.id}, headers=finance)
    rows = list(load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Bill", "Number") and rows[1][1] == bill["number"]


def test_a_viewer_reads_bills_and_moves_nothing(client, kit, db, auth_headers, billed):
    account, _meter = billed
    viewer = auth_headers("viewer")
    assert client.get(f"{API}/bills", headers=viewer).status_code == 200
    assert client.put(f"{API}/accounts/{account.id}/mode", json={"billing_mode": "postpaid"},
                      headers=viewer).status_code == 403
    assert client.post(f"{API}/runs", json={"site_id": kit.site.id}, headers=viewer).status_code == 403


def test_bad_input_names_its_field(client, kit, auth_headers, billed):
    account, _meter = billed
    admin = auth_headers("admin")
    wrong = client.put(f"{API}/accounts/{account.id}/mode", json={"billing_mode": "weekly"}, headers=admin)
    assert wrong.status_code == 422 and "billing_mode" in wrong.json["errors"]["json"]
    off_day = client.post(f"{API}/runs", json={"site_id": kit.site.id, "cutoff": "2026-12-05"},
                          headers=admin)
    assert off_day.status_code == 422 and "cutoff" in str(off_day.json["errors"])
    assert client.get(f"{API}/bills/999999", headers=admin).status_code == 404
