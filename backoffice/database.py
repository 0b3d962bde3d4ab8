"""The request-scoped session: opened on first use, committed once at the edge of a request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from shared_models.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    """Sessions from `SESSION_FACTORY` when the configuration gives one (tests hand in a
    factory bound to their own connection), else from an engine on `DATABASE_URL`."""
    factory = app.config.get("SESSION_FACTORY")
    if factory is None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["wk_engine"] = engine
        factory = make_session_factory(engine)
    app.extensions["wk_sessions"] = factory
    app.after_request(_finish)
    app.teardown_appcontext(_close)


def session() -> Session:
    """This request's (or CLI command's) session."""
    if "db" not in g:
        g.db = current_app.extensions["wk_sessions"]()
    return g.db


def _finish(response):
    # One commit per request, only when the request succeeded; a failed request writes nothing.
    db = g.get("db")
    if db is not None:
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()
    return response


def _close(_exc) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def commit_now() -> None:
    """Commit before answering with an error (a failed login must still be logged)."""
    session().commit()
