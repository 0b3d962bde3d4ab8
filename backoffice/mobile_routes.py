"""The tenants' phone pages at /m/ (static files in mobile_web/), under the console's strict
Content-Security-Policy. They use the console's vendored libraries and its small modules
(served from /console/, not copied) and the one message catalogue, generated from the .po.

Only HTML, JS, CSS and the catalogue are served here, to anyone: every piece of data the pages
show comes from /api/v1/tenant with the tenant's own session cookie.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from backoffice.console_routes import static_client

ROOT = Path(__file__).resolve().parent.parent / "mobile_web"

bp = static_client("mobile", "/m", ROOT)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
