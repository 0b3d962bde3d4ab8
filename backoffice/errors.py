"""One error shape for every 4xx/5xx, with messages in the caller's language."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask
from flask_babel import gettext
from flask_smorest import Api
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from backoffice.auth.errors import AuthenticationFailed, PermissionDenied, TooManyAttempts
from shared_models.errors import Conflict, InvalidValue, NotFound, RuleViolation, WattkeeperError

log = logging.getLogger(__name__)

# Each domain refusal's HTTP status, looked up along the exception's class hierarchy.
STATUSES: dict[type[WattkeeperError], int] = {
    WattkeeperError: 400,
    InvalidValue: 422,
    RuleViolation: 422,
    NotFound: 404,
    Conflict: 409,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    TooManyAttempts: 429,
}


def status_of(exc: WattkeeperError) -> int:
    if isinstance(exc, NotFound) and exc.field is not None:
        # An id in the request's body that names nothing makes the request unprocessable;
        # only an id in the path is a resource that is not there.
        return 422
    return next(STATUSES[cls] for cls in type(exc).__mro__ if cls in STATUSES)


def _translate(value):
    if isinstance(value, str):
        return gettext(value)
    if isinstance(value, dict):
        return {key: _translate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_translate(item) for item in value]
    return value


class WattkeeperApi(Api):
    """flask-smorest's Api, with every error message passed through the translation catalog."""

    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        if "message" in payload:
            payload["message"] = _translate(payload["message"])
        else:
            payload["message"] = gettext(error.name)
        if "errors" in payload:
            payload["errors"] = _translate(payload["errors"])
        return payload, code, headers


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def domain_message(message: str, params: dict) -> str:
    """A domain message in the caller's language: the template and the words it names
    (`what`: "No such {what}." with what="bus"; an asset's `state` and `event`), then the other
    values as they are."""
    for word in ("what", "state", "event"):
        if isinstance(params.get(word), str):
            params = {**params, word: gettext(params[word])}
    return gettext(message).format(**params)


def init_app(app: Flask, api: WattkeeperApi) -> None:
    @app.errorhandler(WattkeeperError)
    def _domain_error(exc: WattkeeperError):
        message = domain_message(exc.message, exc.params)
        errors = {"json": {exc.field: [message]}} if exc.field else None
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if status == 429 and isinstance(exc.params.get("seconds"), int):
            headers["Retry-After"] = str(exc.params["seconds"])
        return error_body(status, message, errors), status, headers

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # Services check uniqueness first; this catches the race between two requests.
        log.info("integrity error: %s", exc.orig)
        return error_body(409, gettext("The change conflicts with existing data.")), 409

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc: Exception):
        # Schemas bound every number they know; this catches ids in URLs beyond the column type.
        log.info("value out of range: %s", exc)
        return error_body(422, gettext("A number is out of range.")), 422

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return api.handle_http_exception(exc)
        log.exception("unhandled error")
        return error_body(500, gettext("Internal server error.")), 500
