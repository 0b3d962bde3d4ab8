"""The application factory."""

from __future__ import annotations

import json
from decimal import Decimal

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from backoffice import (
    config,
    console_routes,
    database,
    errors,
    i18n,
    json_limits,
    mobile_routes,
    observability,
    redis_conn,
)
from backoffice.errors import WattkeeperApi
from backoffice.resources import register_resources


class ExactJSONProvider(DefaultJSONProvider):
    """JSON numbers with a fraction become Decimal, never float (money arrives exact)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        return json.loads(s, **kwargs)

    @staticmethod
    def default(o):
        if isinstance(o, Decimal):
            return str(o)
        return DefaultJSONProvider.default(o)


def _schema_name(schema) -> str:
    # PATCH bodies are the same schema with partial=True: give them their own name.
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    return name + "Patch" if getattr(schema, "partial", False) else name


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json_provider_class = ExactJSONProvider
    app.json = ExactJSONProvider(app)
    config.load(app, overrides)
    # Forwarded headers only from the proxies we run (nginx in production appends one hop);
    # the right-most TRUSTED_PROXIES entries are theirs, anything left of them is the client's.
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)

    database.init_app(app)
    redis_conn.init_app(app)
    i18n.init_app(app)
    api = WattkeeperApi(app, spec_kwargs={
        "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name),
        "components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]},
        "tenant_session": {"type": "apiKey", "in": "cookie", "name": app.config["TENANT_COOKIE_NAME"]},
    }}})
    errors.init_app(app, api)
    json_limits.init_app(app)
    register_resources(api)
    console_routes.init_app(app)
    mobile_routes.init_app(app)
    # The X-Pagination header carries JSON text; document it as the string it is on the wire.
    api.spec.components.headers["PAGINATION"] = {
        "description": "Pagination metadata as JSON: total, total_pages, first_page, last_page, "
                       "page, previous_page, next_page",
        "schema": {"type": "string"}}
    observability.init_app(app)

    from backoffice import cli

    cli.init_app(app)
    return app
