"""axe-core (vendored, loaded only by this test from the console's own origin) on the login
page and every screen the sidebar offers an admin, in Chinese and English: no serious or
critical violations."""

from __future__ import annotations

import pytest

from tests.console.browser_kit import log_in, settle
from tests.console.sweep import axe_violations, each_screen, readable

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_no_serious_or_critical_violations_on_any_screen(visit, office, language):
    page, watch = visit(language)
    page.wait_for_selector("#username")
    violations = {"login": axe_violations(page, office.url)}
    log_in(page)
    screens = []
    for screen in each_screen(page):
        screens.append(screen)
        violations[screen] = axe_violations(page, office.url)
    settle(page)
    assert {"dashboard", "monitor", "tenants", "sales", "alarms"} <= set(screens)
    found = {screen: found for screen, found in violations.items() if found}
    assert not found, "axe-core found:\n" + readable(found)
    assert watch.problems == []
