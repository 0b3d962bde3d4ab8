"""The demo's day of work (`seed_demo_activity`): what the console's dashboard then shows, so
that `make demo` opens on screens with something in them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from backoffice.seed import seed_demo, seed_demo_activity
from shared_models.ledger.books import wallet_of
from shared_models.models import TenantAccount


def test_the_demo_opens_with_low_tenants_and_a_refund_waiting(db, client, admin, make_operator):
    operator = make_operator("admin")
    assert seed_demo(db, operator.id)
    seed_demo_activity(db, operator.id)
    db.flush()
    board = client.get("/api/v1/dashboard", query_string={"energy": "false"}, headers=admin).json
    assert board["refunds_pending"] == 1
    meters = board["meters"]
    assert (meters["alarm1"], meters["alarm2"], meters["arrears"]) == (4, 2, 2)
    assert meters["opened"] + meters["alarm1"] + meters["alarm2"] + meters["arrears"] == 60
    first = db.scalar(select(TenantAccount.id).where(TenantAccount.number == "DEMO-000001"))
    assert wallet_of(db, first).balance == Decimal("50.00")  # the README's tenant is untouched
