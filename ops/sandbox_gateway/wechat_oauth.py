"""WeChat's web authorisation with scope snsapi_base, as a page inside WeChat meets it: the
page is sent to the authorize URL, comes back at once (no prompt for snsapi_base) with a code,
and the merchant's server trades the code, with its app secret, for the payer's openid.

The WeChat user is this browser: a cookie the sandbox sets on the first visit, so the same
browser always gets the same openid for the same app. A code is used once and lives 5 minutes
(real time, as the merchant's server trades it at once); `POST /admin/wechat-oauth/expire`
ages every code still outstanding, for tests of an expired one.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, redirect, request

from ops.sandbox_gateway.web import sandbox

open_platform = Blueprint("wechat_open", __name__, url_prefix="/wechat-open")
sns_api = Blueprint("wechat_sns", __name__, url_prefix="/wechat-api")
oauth_admin = Blueprint("wechat_oauth_admin", __name__, url_prefix="/admin/wechat-oauth")

USER_COOKIE = "sandbox_wechat_user"
CODE_LIFETIME_S = 300
_codes: dict[str, tuple[str, str, float]] = {}  # code -> (appid, openid, expires at)
_lock = threading.Lock()


def openid_of(appid: str, user: str) -> str:
    """One openid per user and app, 28 characters as WeChat's are."""
    return "o" + hashlib.sha256(f"{appid}:{user}".encode()).hexdigest()[:27]


@open_platform.get("/connect/oauth2/authorize")
def authorize() -> Response:
    args = request.args
    appid, target = args.get("appid", ""), args.get("redirect_uri", "")
    if appid != sandbox().keys.identity["wechat"]["appid"]:
        return Response("appid 参数错误 (10003 redirect_uri 域名与后台配置不一致 / invalid appid)", 400)
    if args.get("scope") != "snsapi_base" or args.get("response_type") != "code":
        return Response("scope 参数错误或没有 scope 权限 (10005)", 400)
    if urlsplit(target).scheme not in ("http", "https"):
        return Response("redirect_uri 参数错误 (10003)", 400)
    user = request.cookies.get(USER_COOKIE) or secrets.token_hex(8)
    code = secrets.token_urlsafe(24)
    with _lock:
        now = time.time()
        for stale in [c for c, (_a, _o, expires) in _codes.items() if expires < now]:
            del _codes[stale]
        _codes[code] = (appid, openid_of(appid, user), now + CODE_LIFETIME_S)
    joiner = "&" if "?" in target else "?"
    response = redirect(f"{target}{joiner}{urlencode({'code': code, 'state': args.get('state', '')})}")
    response.set_cookie(USER_COOKIE, user, max_age=10 * 365 * 86400, httponly=True, samesite="Lax")
    return response


@sns_api.get("/sns/oauth2/access_token")
def access_token() -> Response:
    args = request.args
    identity = sandbox().keys.identity["wechat"]
    if args.get("appid") != identity["appid"]:
        return jsonify(errcode=40013, errmsg="invalid appid")
    if not secrets.compare_digest(args.get("secret", ""), sandbox().wechat_app_secret):
        return jsonify(errcode=40125, errmsg="invalid appsecret")
    if args.get("grant_type") != "authorization_code":
        return jsonify(errcode=40002, errmsg="invalid grant_type")
    with _lock:
        found = _codes.pop(args.get("code", ""), None)  # a code is used once
    if found is None or found[2] < time.time() or found[0] != args.get("appid"):
        return jsonify(errcode=40029, errmsg="invalid code")
    return jsonify(access_token=secrets.token_urlsafe(32), expires_in=7200,
                   refresh_token=secrets.token_urlsafe(32), openid=found[1], scope="snsapi_base")


@oauth_admin.post("/expire")
def expire() -> Response:
    """Every code handed out and not yet traded expires now (as if 5 minutes had passed)."""
    with _lock:
        for code, (appid, openid, _expires) in list(_codes.items()):
            _codes[code] = (appid, openid, 0.0)
        count = len(_codes)
    return jsonify(expired=count)
