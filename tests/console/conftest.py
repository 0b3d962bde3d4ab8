"""The console's browser fixtures, shared by every module here: one back office seeded with the
demo (see `browser_kit.seed_console_demo`) on a real port, and one Chromium.

Tests share the office, so each changes only rows it made or picked for itself."""

from __future__ import annotations

import pytest

from tests.console.browser_kit import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    VIEWPORT,
    Watch,
    seed_console_demo,
    serve_office,
)


@pytest.fixture(scope="package")
def office(tmp_path_factory, redis_url):
    with serve_office(tmp_path_factory.mktemp("console-db"), redis_url, seed_console_demo) as served:
        yield served


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser, office, tmp_path):
    """A fresh browser context in one language; yields (page, watch)."""
    contexts = []

    def open_page(language: str):
        # An office desktop in China: the console shows times in the browser's zone.
        context = browser.new_context(viewport=VIEWPORT, locale=language,
                                      timezone_id="Asia/Shanghai", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        watch = Watch(allowed={"/api/v1/auth/me"})  # asked once before logging in: 401
        watch.attach(page)
        page.goto(f"{office.url}/console/")
        if language == "en":
            page.click("[data-lang=en]")
        return page, watch

    yield open_page
    for context in contexts:
        context.close()
