"""GET /api/v1/sms: the outbox list, its filters, site scoping and who may read it."""

from __future__ import annotations

import pytest


@pytest.fixture
def sold(desk):
    """Two accounts with a recharge each: two queued confirmations."""
    first = desk.open_account(phone="13800138000")
    second = desk.open_account(phone="")  # no phone: suppressed with a reason
    desk.recharge(first["id"], "100.00", status=201)
    desk.recharge(second["id"], "200.00", status=201)
    return first, second


def test_lists_newest_first_with_filters(client, admin, desk, sold):
    first, second = sold
    rows = client.get(f"/api/v1/sms?site_id={desk.site.id}&kind=recharge", headers=admin).json
    assert [(r["account_id"], r["state"], r["kind"]) for r in rows] == [
        (second["id"], "suppressed", "recharge"), (first["id"], "queued", "recharge")]
    assert "no phone number" in rows[0]["last_error"] and "充值100.00元" in rows[1]["body"]
    queued = client.get("/api/v1/sms?state=queued&kind=recharge", headers=admin).json
    assert [r["account_id"] for r in queued if r["site_id"] == desk.site.id] == [first["id"]]
    assert client.get("/api/v1/sms?state=lost", headers=admin).status_code == 422


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("operator", 200), ("auditor", 200),
                                              ("viewer", 403), ("finance", 403)])
def test_who_may_read_the_outbox(client, auth_headers, role, status):
    assert client.get("/api/v1/sms", headers=auth_headers(role)).status_code == status


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/sms").status_code == 401


def test_operators_see_their_sites_only(client, auth_headers, desk, sold, make_site):
    elsewhere = auth_headers("operator", site_ids=[make_site().id])
    assert client.get("/api/v1/sms", headers=elsewhere).json == []
    assert len(client.get("/api/v1/sms?kind=recharge", headers=desk.headers).json) == 2
