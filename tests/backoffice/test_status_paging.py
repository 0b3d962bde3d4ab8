"""The meter status list pages up to 2,000 meters (the monitor's wall of tiles may show a whole
building at once) and refuses a larger page naming the field."""

from __future__ import annotations

import json

from backoffice.resources.status.routes import MAX_PAGE_SIZE


def test_a_page_of_two_thousand_is_served(client, admin, make_site, make_gateway, db):
    from shared_models.registry import save_meter

    site = make_site()
    bus = make_gateway(site=site).buses[0]
    meters = [save_meter(db, {"bus_id": bus.id, "address": n,
                              "serial_number": f"PG{site.id:04d}{n:04d}"}) for n in range(1, 4)]
    db.commit()
    response = client.get("/api/v1/meter-status", headers=admin,
                          query_string={"site_id": site.id, "page_size": MAX_PAGE_SIZE})
    assert response.status_code == 200
    assert [row["meter_id"] for row in response.json] == [m.id for m in meters]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_a_larger_page_is_refused_naming_the_field(client, admin):
    response = client.get("/api/v1/meter-status", headers=admin,
                          query_string={"page_size": MAX_PAGE_SIZE + 1})
    assert response.status_code == 422
    assert "page_size" in response.json["errors"]["query"]
