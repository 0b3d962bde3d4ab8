"""A bearer token's last use is recorded, at most once a minute, and is not logged as a change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from shared_models.models import ApiToken, AuditEntry


def _token(db, operator_id: int) -> ApiToken:
    return db.scalar(select(ApiToken).where(ApiToken.operator_id == operator_id)
                     .execution_options(populate_existing=True))


def _token_changes(db) -> int:
    return db.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "api_tokens",
                                                             AuditEntry.action == "update"))


def test_a_request_touches_its_token_without_a_log_entry(db, client, make_operator):
    from backoffice.auth.accounts import issue_token

    operator = make_operator("admin")
    token, raw = issue_token(db, operator.id, "till", 1)
    db.commit()
    changes = _token_changes(db)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    first = _token(db, operator.id).last_used_at
    assert first is not None and _token_changes(db) == changes
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    assert _token(db, operator.id).last_used_at == first  # within the minute: no write
    token.last_used_at = first - timedelta(minutes=2)
    db.commit()
    changes = _token_changes(db)
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    assert _token(db, operator.id).last_used_at > first
    assert _token_changes(db) == changes
