"""The OpenAPI document says, for every operation, what it does, who may call it and what
it can answer, and the permission it names is the one the server enforces."""

from __future__ import annotations

import re

import pytest

from backoffice.auth.permissions import ATTRIBUTE, PUBLIC, TENANT
from backoffice.resources.blueprint import roles_with

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def declared_permissions(app) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> the permission the view enforces."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            function = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
            found[(path, method.lower())] = getattr(function, ATTRIBUTE, None)
    return found


def test_every_operation_has_a_summary(spec):
    assert [f"{m.upper()} {p}" for p, m, op in operations(spec) if not op.get("summary")] == []


def test_every_operation_documents_the_permission_the_server_enforces(app, spec):
    enforced = declared_permissions(app)
    for path, method, operation in operations(spec):
        permission = enforced[(path, method)]
        assert permission is not None, f"{method.upper()} {path} declares no permission"
        if permission == PUBLIC:
            assert operation["security"] == [], path
            continue
        if permission == TENANT:
            assert operation["security"] == [{"tenant_session": []}], path
            assert {"401", "403"} <= set(operation["responses"]), path
            continue
        assert operation["security"] == [{"bearer": []}, {"session": []}], path
        assert {"401", "403"} <= set(operation["responses"]), path
        assert f"Permission `{permission}`" in operation["description"], path
        assert ", ".join(roles_with(permission)) in operation["description"], path


def test_every_answer_an_operation_can_give_is_documented(spec):
    for path, method, operation in operations(spec):
        codes = set(operation["responses"])
        if "{" in path:
            assert "404" in codes, f"{method.upper()} {path}"
        if method != "get":
            assert {"400", "409", "413", "422"} <= codes, f"{method.upper()} {path}"
        # A success, or the redirect that is an operation's success (WeChat's authorisation).
        assert any(code.startswith(("2", "3")) for code in codes), f"{method.upper()} {path}"


def test_a_written_description_is_kept_before_the_permission(spec):
    recharge = spec["paths"]["/api/v1/sales/recharges"]["post"]
    assert recharge["summary"].startswith("Sell credit")
    assert "Permission `sales.write`" in recharge["description"]
    assert "viewer" not in recharge["description"]


def test_the_documented_roles_are_the_ones_refused_or_let_in(client, auth_headers):
    # `audit.read` is documented as held by admin and auditor only: a viewer is refused.
    assert roles_with("audit.read") == ["admin", "auditor"]
    assert client.get("/api/v1/audit", headers=auth_headers("viewer")).status_code == 403
    assert client.get("/api/v1/audit", headers=auth_headers("auditor")).status_code == 200
