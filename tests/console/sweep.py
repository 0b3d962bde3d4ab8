"""Walk every screen the sidebar offers and every tab of it, so the sweeps cover screens added
later without a list to keep up to date."""

from __future__ import annotations

from collections.abc import Iterator

from tests.console.browser_kit import settle

AXE = "/console/vendor/axe-core-4.14.1/axe.min.js"
# What axe's own rules call serious or critical; moderate and minor are advice.
BLOCKING = ("serious", "critical")


def sidebar_paths(page) -> list[str]:
    """The hash of every module in the sidebar, in its order."""
    page.wait_for_selector(".sidebar a")
    hrefs = page.eval_on_selector_all(".sidebar a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs, "the sidebar offers no screen"
    return hrefs


def each_screen(page) -> Iterator[str]:
    """Open each sidebar screen in turn (by clicking, as a person would), and each tab of a
    module that has them (System, Reports); yields its name ("system-kiosks") once the screen
    has loaded and no API call is in flight."""
    for href in sidebar_paths(page):
        page.click(f".sidebar a[href='{href}']")
        page.wait_for_selector(f".sidebar a.active[href='{href}']")
        settle(page)
        tabs = page.eval_on_selector_all(".page-tabs a", "links => links.map(a => a.getAttribute('href'))")
        if not tabs:
            yield href.lstrip("#/").replace("/", "-")
            continue
        for tab in tabs:
            page.click(f".page-tabs a[href='{tab}']")
            page.wait_for_selector(f".page-tabs a.active[href='{tab}']")
            settle(page)
            yield tab.lstrip("#/").replace("/", "-")


def axe_violations(page, console_url: str) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=console_url + AXE)  # the console's own origin: the CSP allows it
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, {resultTypes: ['violations']});
        return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary,
                                        html: n.html.slice(0, 160)}))}));
    }""")
    return [violation for violation in found if violation["impact"] in BLOCKING]


def readable(violations: dict[str, list[dict]]) -> str:
    """The violations by screen, one node per line, for a failing assertion's message."""
    lines = []
    for screen, found in violations.items():
        for violation in found:
            lines.append(f"[{screen}] {violation['impact']} {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:8]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    {node['target']}  {node['html']}\n      {summary}")
    return "\n".join(lines)
