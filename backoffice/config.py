"""Configuration: defaults, then an optional settings file, then environment, then test overrides."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def instance_dir() -> Path:
    """The demo's files (SQLite database, generated secret): WATTKEEPER_INSTANCE, or ./instance
    of the directory the app is created in."""
    return Path(os.environ.get("WATTKEEPER_INSTANCE", Path.cwd() / "instance"))


class Defaults:
    DATABASE_URL: str | None = None  # a SQLite file in the instance directory
    SESSION_FACTORY = None  # a sessionmaker to use instead of an engine on DATABASE_URL (tests)
    REDIS_URL = "redis://127.0.0.1:6379/0"
    SECRET_KEY: str | None = None

    API_TITLE = "Wattkeeper API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # The docs UI assets are served from our own static folder: no CDN on a closed network.
    OPENAPI_SWAGGER_UI_URL = "/api/docs-assets/"

    SESSION_COOKIE_NAME = "wk_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set WATTKEEPER_SESSION_COOKIE_SECURE=1 behind HTTPS
    # Staff sessions end after this long whatever happens (the cookie's lifetime too)...
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # ...and after this long without a request.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=60)

    # Proxies in front that append to X-Forwarded-For (nginx: 1). With 0 the header is ignored:
    # anyone can write it, and the address feeds login throttling and the system log.
    TRUSTED_PROXIES = 0

    LOGIN_MAX_FAILURES = 5          # per username and client address, then that pair is locked
    LOGIN_LOCK_MINUTES = 15
    LOGIN_MAX_PER_IP = 30           # failures per address per window
    LOGIN_IP_WINDOW_S = 900
    TOKEN_DEFAULT_DAYS = 365

    BABEL_DEFAULT_LOCALE = "zh_CN"
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # uploaded workbooks

    # Online payments: the gateways' keys and ids (a TOML file, see docs/payments.md; none: off),
    # and the address the gateways reach our notify endpoints at (none: the request's own host).
    PAYMENTS_FILE: str | None = None
    PUBLIC_URL: str | None = None
    # New payment orders allowed per account and per client address in each 10-minute window
    # (a kiosk is one address for a whole lobby). 0: no limit.
    PAYMENT_ORDERS_PER_ACCOUNT = 10
    PAYMENT_ORDERS_PER_ADDRESS = 120
    PAYMENT_ORDER_WINDOW_S = 600

    # Lobby kiosks: lookups per device and tries of a phone's last 4 digits per account in each
    # window (a kiosk is used by one person at a time; a script walking numbers is not), how long
    # a lookup's ticket lasts, the preset amounts, and whether details need the phone's digits.
    KIOSK_LOOKUPS_PER_DEVICE = 60
    KIOSK_PHONE_TRIES_PER_ACCOUNT = 5
    KIOSK_LOOKUP_WINDOW_S = 600
    KIOSK_TICKET_MAX_AGE_S = 900
    KIOSK_PRESETS = ("20.00", "50.00", "100.00", "200.00")
    KIOSK_PHONE_CHECK = False

    # Tenants on their phones (/m/): a cookie of their own, apart from the staff session.
    TENANT_COOKIE_NAME = "wk_tenant"
    TENANT_SESSION_LIFETIME = timedelta(days=30)
    TENANT_SESSION_IDLE_TIMEOUT = timedelta(days=7)
    # Sign-in codes: a resend waits this long; daily caps per phone, per account and per
    # client address; code checks per address in each 10 minutes.
    TENANT_CODE_RESEND_S = 60
    TENANT_CODES_PER_PHONE_DAY = 10
    TENANT_CODES_PER_ACCOUNT_DAY = 10
    TENANT_CODES_PER_ADDRESS_DAY = 50
    TENANT_CHECKS_PER_ADDRESS = 30
    # Supply switch requests per account in each 10 minutes.
    TENANT_SUPPLY_REQUESTS = 6


def _flag(value: str) -> bool:
    return value.lower() in {"1", "true", "yes"}


def _minutes(value: str) -> timedelta:
    return timedelta(minutes=int(value))


def _hours(value: str) -> timedelta:
    return timedelta(hours=int(value))


# Environment variables (also read with a WATTKEEPER_ prefix): the config key each sets, and how.
_ENV = {
    "DATABASE_URL": ("DATABASE_URL", str),
    "REDIS_URL": ("REDIS_URL", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", _flag),
    "SESSION_IDLE_MINUTES": ("SESSION_IDLE_TIMEOUT", _minutes),
    "SESSION_MAX_HOURS": ("PERMANENT_SESSION_LIFETIME", _hours),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "PAYMENTS": ("PAYMENTS_FILE", str),
    "PUBLIC_URL": ("PUBLIC_URL", str),
    "PAYMENT_ORDERS_PER_ACCOUNT": ("PAYMENT_ORDERS_PER_ACCOUNT", int),
    "PAYMENT_ORDERS_PER_ADDRESS": ("PAYMENT_ORDERS_PER_ADDRESS", int),
    "KIOSK_PHONE_CHECK": ("KIOSK_PHONE_CHECK", _flag),
}


def load(app, overrides: dict | None = None) -> None:
    """Fill `app.config` in the documented order."""
    app.config.from_object(Defaults)
    settings = os.environ.get("WATTKEEPER_SETTINGS")
    if settings:
        app.config.from_pyfile(settings)
    for name, (key, convert) in _ENV.items():
        for env_name in (f"WATTKEEPER_{name}", name):
            if env_name in os.environ:
                app.config[key] = convert(os.environ[env_name])
                break
    if overrides:
        app.config.update(overrides)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance_dir() / 'wattkeeper.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret()


def _instance_secret() -> str:
    # The demo has no secret configured: keep one in instance/ so sessions survive restarts.
    directory = instance_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
