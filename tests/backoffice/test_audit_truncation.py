"""`audit verify` and its API report a system log whose newest rows were deleted."""

from sqlalchemy import text

from shared_models.append_only import protect, unprotect


def test_verify_names_the_missing_newest_row(connection, client, admin, runner):
    for n in range(2):
        client.post("/api/v1/sites", json={"code": f"TR{n}", "name": f"t{n}"}, headers=admin)
    newest, survivor = connection.execute(
        text("SELECT id FROM audit_log ORDER BY id DESC LIMIT 2")).scalars()
    # An intruder with database access drops the guard and removes the newest row.
    unprotect(connection, "audit_log")
    connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": newest})
    protect(connection, "audit_log")
    report = client.get("/api/v1/audit/verify", headers=admin).json
    assert report["ok"] is False and report["broken_entry_id"] == newest
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"the chain ends at {survivor} but the checkpoint says {newest}" in result.output
