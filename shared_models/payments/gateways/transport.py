"""HTTP for the adapters: requests with a timeout on every call, failures as GatewayUnavailable."""

from __future__ import annotations

import logging

import requests

from shared_models.payments.gateways.base import GatewayUnavailable

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0


class Transport:
    """One requests session per adapter; every outcome but an HTTP answer becomes unknown."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, session: requests.Session | None = None):
        self.timeout_s = timeout_s
        self.session = session or requests.Session()

    def send(self, method: str, url: str, *, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        try:
            response = self.session.request(method, url, data=data, headers=headers or {},
                                            timeout=self.timeout_s, allow_redirects=False)
        except requests.RequestException as exc:
            log.warning("gateway %s %s failed: %s", method, url.split("?")[0], exc)
            raise GatewayUnavailable(f"{method} {url.split('?')[0]}: {exc}") from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{method} {url.split('?')[0]}: HTTP {response.status_code}")
        return response
