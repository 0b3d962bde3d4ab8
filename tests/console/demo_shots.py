"""Screenshots of a running demo's console, for a person to look at: every sidebar screen and
every tab, in Chinese and English, at 1440x900, into artifacts/console/demo/; each screen's
console errors, failed requests and untranslated words printed beside its name.

    PORT=8010 make demo            # in one shell; note the admin password it prints
    .venv/bin/python -m tests.console.demo_shots http://127.0.0.1:8010 <admin password>
"""

from __future__ import annotations

import sys

from tests.console.browser_kit import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, VIEWPORT, Watch, settle
from tests.console.sweep import each_screen


def _statement(page) -> None:
    """A statement needs its account: one of the demo's tenants left low."""
    page.fill("input[name=account-search]", "Tenant 58")
    page.click(".picker-hits li >> nth=0")
    page.wait_for_selector(".statement-summary")
    settle(page)


def shoot(url: str, password: str) -> int:
    from playwright.sync_api import sync_playwright

    folder = ARTIFACTS / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    troubled = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for language in ("zh-CN", "en"):
            context = browser.new_context(viewport=VIEWPORT, locale=language,
                                          timezone_id="Asia/Shanghai")
            page = context.new_page()
            watch = Watch(allowed={"/api/v1/auth/me"})
            watch.attach(page)
            page.goto(f"{url}/console/")
            if language == "en":
                page.click("[data-lang=en]")
            page.fill("#username", "admin")
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_selector(".shell")
            for screen in each_screen(page):
                if screen == "reports-statements":
                    _statement(page)
                page.screenshot(path=str(folder / f"{screen}-{language}.png"))
                missing = page.evaluate("[...window.__wattkeeperMissing]")
                troubled += bool(watch.problems or missing)
                print(f"{language:5} {screen:22} problems={watch.problems} untranslated={missing}")
                watch.problems.clear()
            context.close()
        browser.close()
    print(f"screenshots in {folder}")
    return troubled


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(1 if shoot(sys.argv[1], sys.argv[2]) else 0)
