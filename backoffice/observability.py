"""/healthz (database and Redis), /metrics (Prometheus, one or many processes) and the docs UI assets."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from backoffice import database
from backoffice.auth.permissions import public
from backoffice.redis_conn import redis


def init_app(app: Flask) -> None:
    # Under gunicorn each worker process counts on its own. With PROMETHEUS_MULTIPROC_DIR set
    # (before prometheus_client is imported: the production unit does) the workers write their
    # counts to files there and a scrape adds them up, so counters never go down between
    # scrapes that land on different workers. Without it, one process and its own registry.
    registry = CollectorRegistry()
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    requests = Counter("wattkeeper_http_requests_total", "HTTP requests",
                       ["method", "endpoint", "status"], registry=registry)
    latency = Histogram("wattkeeper_http_request_seconds", "HTTP request latency",
                        ["method", "endpoint"], registry=registry)

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "unknown"
        requests.labels(request.method, endpoint, response.status_code).inc()
        if "started" in g:
            latency.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
        return response

    @app.get("/healthz")
    @public
    def healthz():
        checks = {"database": _check(lambda: database.session().execute(text("SELECT 1"))),
                  "redis": _check(lambda: redis().ping())}
        healthy = all(value == "ok" for value in checks.values())
        return {"status": "ok" if healthy else "degraded", **checks}, 200 if healthy else 503

    @app.get("/metrics")
    @public
    def metrics():
        # Public by design like every Prometheus target; nginx limits it to the monitoring net.
        scraped = registry
        if multiproc_dir:
            scraped = CollectorRegistry()
            multiprocess.MultiProcessCollector(scraped, path=multiproc_dir)
        return Response(generate_latest(scraped), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/api/docs-assets/<path:name>", endpoint="docs_assets")
    @public
    def docs_assets(name: str):
        asset = Path(swagger_ui_path) / name
        if "/" in name or not asset.is_file():
            abort(404)
        mimetype = "text/css" if name.endswith(".css") else "application/javascript"
        return Response(asset.read_bytes(), mimetype=mimetype)


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # a health check reports, it does not raise
        return f"error: {type(exc).__name__}"
