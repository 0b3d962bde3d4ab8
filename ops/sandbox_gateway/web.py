"""Flask glue the gateway blueprints share: the running sandbox, and scripted API failures."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from ops.sandbox_gateway.sandbox import Sandbox


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def fail_when_scripted(blueprint: Blueprint, gateway: str) -> None:
    """The admin can make the next API calls answer 503, as an overloaded gateway front does."""

    @blueprint.before_request
    def scripted_failure() -> Response | None:
        if sandbox().scripts.take_api_failure(gateway):
            return Response(
                "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                status=503,
                content_type="text/html",
            )
        return None
