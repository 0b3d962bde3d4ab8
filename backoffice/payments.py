"""The payment gateways this back office is configured for, and where they reach us back.

The TOML file named by `PAYMENTS_FILE` is read once per process (keys stay in files the
deployment owns; nothing of them is ever returned by the API).
"""

from __future__ import annotations

from flask import current_app, request, url_for

from shared_models.errors import RuleViolation
from shared_models.models import Site
from shared_models.payments.gateways import config as gateway_config
from shared_models.payments.gateways.base import Gateway


def configured():
    """The loaded configuration, or None when online payments are off."""
    path = current_app.config.get("PAYMENTS_FILE")
    if not path:
        return None
    loaded = current_app.extensions.get("wk_payments")
    if loaded is None:
        loaded = current_app.extensions["wk_payments"] = gateway_config.load(path)
    return loaded


def gateway_for(site: Site, channel: str) -> Gateway | None:
    payments = configured()
    return payments.gateway(site.code, channel) if payments else None


def require_gateway(site: Site, channel: str) -> Gateway:
    """The site's gateway for `channel`, or a 422 naming the field: it is a setting, not a fault."""
    gateway = gateway_for(site, channel)
    if gateway is None:
        raise RuleViolation("Online payments by {channel} are not set up for this site.",
                            field="channel", channel=channel)
    return gateway


def notify_url(site: Site, channel: str) -> str:
    """Where the gateway posts its notify for an order of this site."""
    path = url_for("payments-notify.Notify", channel=channel, site_code=site.code)
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path
