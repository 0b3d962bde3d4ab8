"""The Redis connection of the app (throttling, queues, health)."""

from __future__ import annotations

from flask import current_app
from redis import Redis


def init_app(app) -> None:
    app.extensions["wk_redis"] = Redis.from_url(app.config["REDIS_URL"], socket_timeout=2,
                                                socket_connect_timeout=2)


def redis() -> Redis:
    return current_app.extensions["wk_redis"]
