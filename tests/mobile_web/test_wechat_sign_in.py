"""Signing in by WeChat with no code, inside WeChat, against the sandbox's web authorisation over
HTTP: bound after one SMS sign-in, then silent; a used, expired, made-up or other browser's code
signs nobody in; with the site's setting off the page never goes to WeChat; the Me page shows
the binding and removes it. Screens in both languages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from shared_models.models import Site, SmsMessage, TenantWechatBinding
from shared_models.models.notifications import SmsKind
from shared_models.notifications.sms_policy import normalise_phone
from tests.console.browser_kit import Watch
from tests.mobile_web.phone_kit import (
    DEVICES,
    SIZE,
    WECHAT_AGENT,
    missing_words,
    read_code,
    remote_tenants,
    settle,
    shoot,
    small_targets,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

API = "/api/v1/tenant"


def _site_allows(office, on: bool) -> None:
    with office.sessions() as db:
        db.get(Site, office.ids["site"]).tenant_wechat_sign_in = on
        db.commit()


@pytest.fixture(scope="module", autouse=True)
def wechat_sign_in_on(office):
    """The demo site lets WeChat sign its tenants in, for this module only (the package's other
    WeChat test pays by JSAPI after an SMS sign-in)."""
    _site_allows(office, True)
    yield
    _site_allows(office, False)


def _tenant(office, index: int):
    return remote_tenants(office.sessions, office.ids["site"])[20 + index]


def _bindings(office, phone: str) -> list[TenantWechatBinding]:
    with office.sessions() as db:
        return list(db.scalars(select(TenantWechatBinding)
                               .where(TenantWechatBinding.phone == normalise_phone(phone))))


def _codes_sent(office, account_id: int) -> int:
    with office.sessions() as db:
        return db.scalar(select(func.count(SmsMessage.id)).where(
            SmsMessage.account_id == account_id, SmsMessage.kind == SmsKind.SIGN_IN_CODE))


class WechatBrowser:
    """A browser inside WeChat, by HTTP: the sandbox knows the WeChat user by its own cookie."""

    def __init__(self, office, sandbox, wechat_user: str | None = None) -> None:
        self.office, self.sandbox, self.http = office, sandbox, requests.Session()
        if wechat_user:
            self.http.cookies.set("sandbox_wechat_user", wechat_user)

    def get(self, path: str, **options) -> requests.Response:
        return self.http.get(f"{self.office.url}{path}", timeout=30, **options)

    def sign_in_by_sms(self, tenant) -> dict:
        account_id, number, phone = tenant
        sent = self.http.post(f"{self.office.url}{API}/auth/codes", json={"account": number, "phone": phone})
        assert sent.status_code == 202, sent.text
        signed = self.http.post(f"{self.office.url}{API}/auth/session", json={
            "account": number, "phone": phone, "code": read_code(self.office.sessions, account_id)})
        assert signed.status_code == 200, signed.text
        return signed.json()

    def code_and_state(self) -> tuple[str, str]:
        """Start a sign-in and stop where WeChat hands the page its code (not yet traded)."""
        start = self.get(f"{API}/wechat/sign-in/start", allow_redirects=False)
        assert start.status_code == 302
        assert "/wechat-open/connect/oauth2/authorize" in start.headers["Location"]
        at_wechat = self.http.get(start.headers["Location"], allow_redirects=False, timeout=30)
        assert at_wechat.status_code == 302, at_wechat.text
        query = parse_qs(urlsplit(at_wechat.headers["Location"]).query)
        return query["code"][0], query["state"][0]

    def callback(self, code: str, state: str) -> requests.Response:
        return self.get(f"{API}/wechat/sign-in/callback", params={"code": code, "state": state})

    def signed_in(self) -> bool:
        return self.get(f"{API}/auth/session").status_code == 200


def _bound_browser(office, sandbox, tenant) -> WechatBrowser:
    """A WeChat user who signed in once by SMS and chose to be signed in by WeChat next time."""
    first = WechatBrowser(office, sandbox)
    me = first.sign_in_by_sms(tenant)
    assert me["wechat_sign_in_account_id"] == tenant[0]
    bound = first.get(f"{API}/wechat/authorize", params={"account_id": tenant[0], "bind": "true"})
    assert bound.url.endswith("/m/#/home?wechat=bound"), bound.url
    return first


def test_bound_after_one_sms_sign_in_then_signed_in_with_no_code(office, sandbox):
    tenant = _tenant(office, 0)
    first = _bound_browser(office, sandbox, tenant)
    [binding] = _bindings(office, tenant[2])
    assert binding.site_id == office.ids["site"] and binding.last_used_at is None

    later = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    assert not later.signed_in()
    codes = _codes_sent(office, tenant[0])
    answer = later.get(f"{API}/wechat/sign-in/start")
    assert answer.url.endswith("/m/#/home"), answer.url
    session = later.get(f"{API}/auth/session").json()
    assert session["phone"].endswith(tenant[2][-4:]) and session["wechat_bound"] is True
    assert [a["id"] for a in session["accounts"]] == [tenant[0]]
    assert _codes_sent(office, tenant[0]) == codes  # no code was texted
    assert _bindings(office, tenant[2])[0].last_used_at is not None


def test_another_wechat_user_is_not_signed_in(office, sandbox):
    _bound_browser(office, sandbox, _tenant(office, 1))
    stranger = WechatBrowser(office, sandbox)  # a WeChat user never bound
    answer = stranger.get(f"{API}/wechat/sign-in/start")
    assert answer.url.endswith("/m/#/sign-in?wechat=unknown"), answer.url
    assert not stranger.signed_in()


def test_a_used_code_signs_nobody_in(office, sandbox):
    first = _bound_browser(office, sandbox, _tenant(office, 2))
    browser = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    code, state = browser.code_and_state()
    assert browser.callback(code, state).url.endswith("/m/#/home")
    again = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    _unused, fresh_state = again.code_and_state()  # a state this browser may use...
    refused = again.callback(code, fresh_state)  # ...with the code already traded
    assert refused.url.endswith("/m/#/sign-in?wechat=refused"), refused.url
    assert not again.signed_in()


def test_an_expired_or_made_up_code_signs_nobody_in(office, sandbox):
    first = _bound_browser(office, sandbox, _tenant(office, 3))
    browser = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    code, state = browser.code_and_state()
    sandbox.admin("POST", "/wechat-oauth/expire")
    assert browser.callback(code, state).url.endswith("/m/#/sign-in?wechat=refused")
    _code, state = browser.code_and_state()
    assert browser.callback("made-up-code", state).url.endswith("/m/#/sign-in?wechat=refused")
    assert not browser.signed_in()


def test_a_code_from_another_browser_is_refused(office, sandbox):
    """The state is bound to the browser that started: a bound user's code and state, pushed
    into someone else's browser (login CSRF), sign that browser in as nobody."""
    first = _bound_browser(office, sandbox, _tenant(office, 4))
    victim = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    code, state = victim.code_and_state()
    other = WechatBrowser(office, sandbox)
    other.get(f"{API}/wechat/sign-in/start", allow_redirects=False)  # a state cookie of its own
    assert other.callback(code, state).url.endswith("/m/#/sign-in?wechat=refused")
    assert not other.signed_in()
    # The code was not traded: the browser that asked for it still signs in with it.
    assert victim.callback(code, state).url.endswith("/m/#/home")


def _authorize(sandbox, appid: str) -> requests.Response:
    return requests.get(f"{sandbox.url}/wechat-open/connect/oauth2/authorize", allow_redirects=False,
                        timeout=10, params={"appid": appid, "redirect_uri": "http://127.0.0.1/cb",
                                            "response_type": "code", "scope": "snsapi_base", "state": "s"})


def test_the_sandbox_refuses_a_wrong_app_id_or_secret(sandbox):
    appid = sandbox.admin("GET", "/")["identity"]["wechat"]["appid"]
    code = parse_qs(urlsplit(_authorize(sandbox, appid).headers["Location"]).query)["code"][0]
    trade = {"appid": appid, "secret": "not-the-secret", "code": code, "grant_type": "authorization_code"}
    url = f"{sandbox.url}/wechat-api/sns/oauth2/access_token"
    assert requests.get(url, params=trade, timeout=10).json()["errcode"] == 40125
    wrong_app = {**trade, "appid": "wx0000000000000000"}
    assert requests.get(url, params=wrong_app, timeout=10).json()["errcode"] == 40013
    assert _authorize(sandbox, "wx0000000000000000").status_code == 400


def test_the_tenant_removes_a_binding_and_nobody_else_can(office, sandbox):
    first = _bound_browser(office, sandbox, _tenant(office, 5))
    stranger = WechatBrowser(office, sandbox)
    stranger_me = stranger.sign_in_by_sms(_tenant(office, 6))
    [listed] = first.get(f"{API}/wechat/bindings").json()
    assert listed["this_wechat"] is True and "…" in listed["openid"]
    headers = {"X-CSRF-Token": stranger_me["csrf_token"]}
    assert stranger.http.delete(f"{office.url}{API}/wechat/bindings/{listed['id']}", headers=headers,
                                timeout=30).status_code == 404
    csrf = first.get(f"{API}/auth/session").json()["csrf_token"]
    url = f"{office.url}{API}/wechat/bindings/{listed['id']}"
    assert first.http.delete(url, timeout=30).status_code == 403  # no CSRF token
    assert first.http.delete(url, timeout=30, headers={"X-CSRF-Token": csrf}).status_code == 204
    assert _bindings(office, _tenant(office, 5)[2]) == []
    later = WechatBrowser(office, sandbox, first.http.cookies.get("sandbox_wechat_user"))
    assert later.get(f"{API}/wechat/sign-in/start").url.endswith("/m/#/sign-in?wechat=unknown")


def _wechat_phone(browser, office, language: str):
    context = browser.new_context(**{**DEVICES["iPhone 13"], "viewport": SIZE, "screen": SIZE,
                                     "user_agent": WECHAT_AGENT},
                                  locale=language, timezone_id="Asia/Shanghai")
    context.add_init_script(f"localStorage.setItem('wattkeeper.language', '{language}')")
    page = context.new_page()
    watch = Watch(allowed={"/api/v1/tenant/auth/session"})
    watch.attach(page)
    return context, page, watch


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_in_chromium_inside_wechat(browser, office, sandbox, language):
    tenant = _tenant(office, 7 if language == "zh-CN" else 8)
    account_id, number, phone = tenant
    context, page, watch = _wechat_phone(browser, office, language)
    visited = []
    context.on("request", lambda request: visited.append(request.url))
    try:
        # The first visit goes to WeChat and comes back: nobody bound, so the code form.
        page.goto(f"{office.url}/m/")
        page.wait_for_selector("[data-testid=wechat-answer]")
        assert any("/wechat-open/connect/oauth2/authorize" in url for url in visited)
        page.fill("input[name=account]", number)
        page.fill("input[name=phone]", phone)
        page.click("button:has-text('SMS'), button:has-text('短信')")
        page.wait_for_selector(".form-note")
        page.fill("input[name=code]", read_code(office.sessions, account_id))
        assert page.get_attribute(".wechat-choice", "aria-checked") == "true"
        settle(page)
        shoot(page, "wechat-sign-in-first", language)
        assert small_targets(page) == []
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=wechat-bound]")
        page.wait_for_selector("[data-testid=balance]")
        settle(page)
        shoot(page, "wechat-bound", language)
        assert len(_bindings(office, phone)) == 1

        # The next visit: a new tab after the session cookie is gone; no code is asked for.
        context.clear_cookies(name="wk_tenant")
        codes = _codes_sent(office, account_id)
        page.close()
        page = context.new_page()
        watch.attach(page)
        page.goto(f"{office.url}/m/")
        page.wait_for_selector("[data-testid=balance]")
        assert _codes_sent(office, account_id) == codes

        page.goto(f"{office.url}/m/#/me")
        page.wait_for_selector(".wechat-sign-in .binding")
        settle(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        shoot(page, "me-wechat", language)
        assert small_targets(page) == []
        page.click(".wechat-sign-in .binding button")
        page.wait_for_selector(".wechat-sign-in .binding", state="detached")
        assert _bindings(office, phone) == []
        settle(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        shoot(page, "me-wechat-removed", language)
        assert missing_words(page) == []
        assert [p for p in watch.problems if office.url in p] == []
    finally:
        context.close()


def test_with_the_setting_off_the_page_never_goes_to_wechat(browser, office, sandbox):
    _site_allows(office, False)
    context, page, watch = _wechat_phone(browser, office, "zh-CN")
    visited = []
    context.on("request", lambda request: visited.append(request.url))
    try:
        assert requests.get(f"{office.url}{API}/wechat/sign-in", timeout=30).json() == {"available": False}
        start = requests.get(f"{office.url}{API}/wechat/sign-in/start", allow_redirects=False, timeout=30)
        assert start.headers["Location"].endswith("/m/#/sign-in?wechat=off")
        page.goto(f"{office.url}/m/")
        page.wait_for_selector("input[name=account]")
        settle(page)
        assert not [url for url in visited if sandbox.url in url or "/wechat/sign-in/start" in url]
        assert page.locator(".wechat-choice").count() == 0
        shoot(page, "wechat-sign-in-off", "zh-CN")
    finally:
        context.close()
        _site_allows(office, True)
