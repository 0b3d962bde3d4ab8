"""The dashboard's energy curve on its own (/dashboard/energy) and the rest without it
(/dashboard?energy=false): the console asks for both side by side, so the figures show without
waiting for the curve's scan of every reading since yesterday."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site()
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def answer(client, headers, path, **query):
    response = client.get(f"/api/v1/{path}", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_curve_alone_is_the_one_in_the_full_answer(client, admin, db, kit):
    meter = kit.meter()
    kit.account(meter, balance="100")
    kit.read(meter, kit.ago(90), "10.00")
    kit.read(meter, kit.ago(30), "12.50")
    db.commit()
    full = answer(client, admin, "dashboard", site_id=kit.site.id)
    alone = answer(client, admin, "dashboard/energy", site_id=kit.site.id)
    assert alone == full["energy"]
    assert sum(D(x) for x in alone["today"] + alone["yesterday"]) == D("2.50")


def test_the_rest_leaves_the_curve_out_when_asked(client, admin, kit):
    rest = answer(client, admin, "dashboard", site_id=kit.site.id, energy="false")
    assert "energy" not in rest
    assert rest["meters"]["total"] == 0 and "sales" in rest and "refunds_pending" in rest


def test_the_curve_is_scoped_and_checked_like_the_dashboard(client, auth_headers, admin, kit,
                                                            make_site):
    assert client.get("/api/v1/dashboard/energy").status_code == 401
    kiosk = auth_headers("kiosk")
    assert client.get("/api/v1/dashboard/energy", headers=kiosk).status_code == 403
    elsewhere = auth_headers("viewer", site_ids=[make_site().id])
    assert client.get("/api/v1/dashboard/energy", query_string={"site_id": kit.site.id},
                      headers=elsewhere).status_code == 404
    assert client.get("/api/v1/dashboard/energy", query_string={"site_id": "x"},
                      headers=admin).status_code == 422
