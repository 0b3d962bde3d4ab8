"""The API's Blueprint: every operation documents who may call it and every answer it can give.

flask-smorest documents the schemas an operation reads and writes; what it cannot see is our
own conventions, so they are added here, once, from what each view already declares:
- the permission (`auth.permissions.requires` marks the view): `security` (bearer token or
  session cookie), 401 and 403, and the permission and the roles that hold it in the text;
- 404 for an operation on a row named in the path;
- 422 (a rule of the domain refused it, or an id in the body is unknown), 409 (it conflicts
  with data written meanwhile) and 400/413 (the JSON body is malformed, too deep or too
  large) for every write.
The summary is the first line of the view method's docstring, as flask-smorest reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import flask_smorest
from flask.views import MethodView

from backoffice.auth.permissions import ATTRIBUTE, PERMISSIONS, PUBLIC, ROLE_PERMISSIONS, TENANT

WRITES = frozenset({"post", "put", "patch", "delete"})
SECURITY = [{"bearer": []}, {"session": []}]
TENANT_SECURITY = [{"tenant_session": []}]
_PATH_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?[^<>]+>")


def roles_with(permission: str) -> list[str]:
    return [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def access_doc(permission: str) -> dict:
    """What the docs say of who may call an operation."""
    if permission == PUBLIC:
        return {"security": []}
    if permission == TENANT:
        return {"security": TENANT_SECURITY, "responses": {"401": "UNAUTHORIZED", "403": "FORBIDDEN"},
                "description": "A tenant's session (signed in with an SMS code; writes need its "
                               "X-CSRF-Token). Only the tenant's own accounts: any other id is 404."}
    who = ", ".join(roles_with(permission)) or "no role"
    return {
        "security": SECURITY,
        "description": f"Permission `{permission}` ({PERMISSIONS[permission]}); held by: {who}.",
        "responses": {"401": "UNAUTHORIZED", "403": "FORBIDDEN"},
    }


def answers_doc(method: str, rule: str) -> dict:
    """The error answers our conventions give an operation, beyond its schemas."""
    responses = {}
    if _PATH_ARGUMENT.search(rule):
        responses["404"] = "NOT_FOUND"
    if method in WRITES:
        responses.update({"400": "BAD_REQUEST", "409": "CONFLICT", "413": "REQUEST_ENTITY_TOO_LARGE",
                          "422": "UNPROCESSABLE_ENTITY"})
    return {"responses": responses} if responses else {}


def _merge(doc: dict, extra: dict) -> dict:
    merged = dict(doc)
    for key, value in extra.items():
        if key == "responses":
            merged["responses"] = {**value, **merged.get("responses", {})}  # the view's own win
        elif key == "description" and merged.get("description"):
            merged["description"] = f"{merged['description']}\n\n{value}"
        else:
            merged.setdefault(key, value)
    return merged


class Blueprint(flask_smorest.Blueprint):
    def route(self, rule: str, *, parameters=None, tags=None, **options) -> Callable:
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(obj):
            view = register(obj)
            endpoint = options.get("endpoint", obj.__name__)
            docs = self._docs[endpoint]
            for method, doc in docs.items():
                if method == "parameters":
                    continue
                function = getattr(obj, method) if isinstance(obj, type(MethodView)) else obj
                extra = answers_doc(method, rule)
                permission = getattr(function, ATTRIBUTE, None)
                if permission is not None:
                    extra = _merge(access_doc(permission), extra)
                # The manual doc replaces the docstring's description: keep it in front.
                written = doc.get("docstring", {}).get("description")
                manual = doc.get("manual_doc", {})
                if written and "description" not in manual:
                    manual = {**manual, "description": written}
                doc["manual_doc"] = _merge(manual, extra)
            return view

        return decorator
