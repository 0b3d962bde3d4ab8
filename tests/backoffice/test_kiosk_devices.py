"""The kiosk device list shows every operator with the kiosk role, including one given the role
through /operators with every site (no single site to name)."""

from __future__ import annotations

from backoffice.auth.accounts import save_operator
from shared_models.enums import Role


def test_an_all_sites_kiosk_role_is_listed_without_a_site(client, admin, db, make_site):
    save_operator(db, {"username": "lobby-everywhere", "password": "a long kiosk password",
                       "role": Role.KIOSK, "all_sites": True})
    db.commit()
    answer = client.get("/api/v1/kiosk-devices", headers=admin)
    assert answer.status_code == 200
    listed = {device["username"]: device for device in answer.json}
    assert listed["lobby-everywhere"]["site_id"] is None
    # ... and the document says so, or a client generated from it would refuse the answer.
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["KioskDevice"]
    assert schema["properties"]["site_id"]["nullable"] is True


def test_registering_needs_a_site_and_a_name(client, admin):
    refused = client.post("/api/v1/kiosk-devices", json={"name": ""}, headers=admin)
    assert refused.status_code == 422
    assert set(refused.json["errors"]["json"]) == {"site_id", "name"}
