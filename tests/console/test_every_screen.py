"""Every screen the sidebar offers and every tab of it, visited as an admin in Chinese and
English (no console errors, no failed requests, no untranslated words, a screenshot of each at
1440x900), and as a viewer (no write control anywhere)."""

from __future__ import annotations

import pytest

from tests.console.browser_kit import VIEWPORT, log_in, missing_words, shoot
from tests.console.sweep import each_screen

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_sidebar_screen_as_admin(visit, language):
    page, watch = visit(language)
    log_in(page)
    assert page.viewport_size == VIEWPORT
    screens = []
    for screen in each_screen(page):
        screens.append(screen)
        shoot(page, f"screen-{screen}", language)
        assert watch.problems == [], screen
        assert missing_words(page) == [], screen
    assert {"dashboard", "monitor", "tenants", "sales", "alarms", "reports-sms", "system-kiosks",
            "system-log"} <= set(screens)
    assert page.get_attribute("html", "lang") == language


def test_a_viewer_sees_no_write_control_on_any_screen(visit):
    page, watch = visit("zh-CN")
    log_in(page, "viewer")
    writes = {}
    screens = []
    for screen in each_screen(page):
        screens.append(screen)
        writes[screen] = page.locator("[data-role=write]").count()
    assert len(screens) >= 4  # a viewer reads every module but the administrative ones
    assert writes == dict.fromkeys(screens, 0)
    assert watch.problems == []
