"""The demo site has meters falling due and spares dispatched: one is rotated through the plan."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.seed import seed_demo
from shared_models.models import Site


def test_a_demo_meter_due_for_rotation_is_swapped_through_the_plan(db, make_operator, store):
    assert seed_demo(db, make_operator("admin").id, modbus_base_port=15060)
    db.commit()
    site_id = db.scalar(select(Site.id).where(Site.code == "DEMO"))
    due = store.get("/asset-plan/rotation", query_string={"site_id": site_id,
                                                          "horizon_days": 90}).json
    assert len(due) == 3 and {row["reason"] for row in due} == {"replacement"}
    spares = store.get("/assets", query_string={"site_id": site_id,
                                                "state": "dispatched"}).json
    assert len(spares) == 2
    first = due[0]
    done = store.post(f"/asset-plan/rotation/meters/{first['meter_id']}", {
        "new_asset_id": spares[0]["id"], "old_final_reading": "8123.40",
        "new_start_reading": "0.00"}, status=201).json
    assert done["swap_id"] and done["asset"]["state"] == "installed"
    after = store.get("/asset-plan/rotation", query_string={"site_id": site_id,
                                                            "horizon_days": 90}).json
    assert [row["meter_id"] for row in after] == [row["meter_id"] for row in due[1:]]
