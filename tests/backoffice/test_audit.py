"""The system log records every change and detects a row edited behind its back."""

from sqlalchemy import text

from shared_models.append_only import protect, unprotect


def test_changes_are_logged_with_before_and_after(client, admin):
    site = client.post("/api/v1/sites", json={"code": "AU1", "name": "Before"}, headers=admin).json
    client.patch(f"/api/v1/sites/{site['id']}", json={"name": "After"}, headers=admin)
    entries = client.get("/api/v1/audit", query_string={"entity": "sites",
                                                        "entity_id": str(site["id"])},
                         headers=admin).json
    update = next(entry for entry in entries if entry["action"] == "update")
    assert update["before"] == {"name": "Before"} and update["after"] == {"name": "After"}
    assert any(entry["action"] == "create" for entry in entries)


def test_audit_rows_cannot_be_updated(connection, client, admin):
    client.post("/api/v1/sites", json={"code": "AU2", "name": "x"}, headers=admin)
    import pytest
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError), connection.begin_nested():
        connection.execute(text("UPDATE audit_log SET action = 'forged'"))


def test_tampered_row_is_named_by_verify(connection, client, admin, runner):
    for n in range(3):
        client.post("/api/v1/sites", json={"code": f"T{n}", "name": f"t{n}"}, headers=admin)
    assert client.get("/api/v1/audit/verify", headers=admin).json["ok"] is True
    victim = connection.execute(text("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 1")).scalar()
    # An intruder with database access drops the guard and edits one row.
    unprotect(connection, "audit_log")
    connection.execute(text("UPDATE audit_log SET actor_name = 'nobody' WHERE id = :id"),
                       {"id": victim})
    protect(connection, "audit_log")
    report = client.get("/api/v1/audit/verify", headers=admin).json
    assert report["ok"] is False and report["broken_entry_id"] == victim
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"row {victim}" in result.output
