"""WeChat web authorisation (scope snsapi_base) for the tenant pages inside WeChat: the page
is sent to WeChat, comes back with a code, and the code is traded (with the app secret, server
to server) for the payer's openid, which a JSAPI payment needs. No prompt is shown for
snsapi_base; nothing but the openid is learnt."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import requests

from backoffice import payments
from shared_models.errors import RuleViolation
from shared_models.models import Site

OPEN_PLATFORM = "https://open.weixin.qq.com"
SNS_API = "https://api.weixin.qq.com"


def settings_or_none(site: Site) -> dict | None:
    """The site's WeChat settings if they allow web authorisation (an app secret), else None."""
    config = payments.configured()
    settings = config.settings(site.code, "wechat") if config else None
    return settings if settings and settings.get("app_secret_file") else None


def settings_of(site: Site) -> dict:
    """The site's WeChat settings, when they allow web authorisation (an app secret)."""
    settings = settings_or_none(site)
    if settings is None:
        raise RuleViolation("WeChat Pay inside WeChat is not set up for this site.")
    return settings


def authorize_url(settings: dict, redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": settings["appid"], "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": "snsapi_base", "state": state})
    base = settings.get("oauth_base_url") or OPEN_PLATFORM
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for(settings: dict, code: str) -> str | None:
    """The openid the code stands for, or None when WeChat refuses it or cannot be reached."""
    secret = Path(settings["app_secret_file"]).read_text().strip()
    base = settings.get("sns_base_url") or SNS_API
    try:
        answer = requests.get(f"{base}/sns/oauth2/access_token", timeout=10, params={
            "appid": settings["appid"], "secret": secret, "code": code,
            "grant_type": "authorization_code"}).json()
    except (requests.RequestException, ValueError):
        return None
    openid = answer.get("openid")
    return openid if isinstance(openid, str) and 0 < len(openid) <= 128 else None
