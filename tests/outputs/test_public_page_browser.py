"""The demo's public summary in a real browser: an automated WCAG 2.2 AA audit, reflow, print.

Headless Chromium (Debian's chromium and chromium-driver), driven by Selenium given the system
chromedriver so it never downloads one, runs axe-core (npm, installed by .ci/run into
.cache/axe) with the WCAG 2.0, 2.1 and 2.2 A and AA rules: no violations of any impact. What
axe cannot decide ("incomplete") is printed for a person to review. Screenshots at 320 and 1280
CSS pixels wide must not scroll sideways (WCAG 1.4.10 reflow); they are kept in the test's
folder to be looked at. Without the browser the tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from pathlib import Path

import pikepdf
import pytest

from pipeline.config.load import load_config

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_CORE", ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 1280)


def _missing() -> str:
    if shutil.which("chromedriver") is None or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "Chromium and its driver are not installed (apt-get install chromium chromium-driver; .ci/run does)"
    if not AXE.is_file():
        return f"axe-core is not installed at {AXE} (npm install --prefix .cache/axe axe-core; .ci/run does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the browser audit: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    # As root Chromium will not start in its sandbox; the page is the pipeline's own, opened from a file.
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")  # Selenium Manager must not fetch a browser or driver either
        driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(browser, demo_outbox: Path):
    """The browser, at the demo's 2025-26 Q2 public summary, 1280 pixels wide."""
    _width(browser, 1280)
    browser.get((demo_outbox / "2025-26-Q2" / "public-summary-2025-26-Q2.html").as_uri())
    return browser


def _width(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )


def audit(driver) -> dict:
    """axe-core's results for the page as it is now, under the WCAG 2.2 AA tags."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations', 'incomplete']})"
        ".then(done, e => done({error: String(e)}));",
        TAGS,
    )
    assert "error" not in results, results.get("error")
    return results


def test_axe_finds_no_wcag_2_2_aa_violations(page):
    results = audit(page)
    assert len(results["passes"]) >= 15  # the rules that applied to the page, and passed
    print(f"axe: {len(results['incomplete'])} result(s) it could not decide, for a person to review")
    for item in results["incomplete"]:
        targets = [", ".join(node["target"]) for node in item["nodes"]][:5]
        print(f"axe could not decide, for a person to check: {item['id']} ({item['help']}): {targets}")
    violations = [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=1)


def test_the_audit_would_find_a_chart_without_alt_text(page):
    page.execute_script("document.querySelector('figure img').removeAttribute('alt');")
    try:
        found = {v["id"] for v in audit(page)["violations"]}
    finally:
        page.refresh()
    assert "image-alt" in found


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_reflows_without_scrolling_sideways(page, width, tmp_path_factory):
    _width(page, width)
    try:
        page.refresh()
        wide = page.execute_script("return document.documentElement.scrollWidth")
        seen = page.execute_script("return document.documentElement.clientWidth")
        shot = tmp_path_factory.mktemp("screenshots") / f"public-summary-{width}px.png"
        shot.write_bytes(base64.b64decode(_full_page(page)))
        print(f"Screenshot at {width} px: {shot}")
    finally:
        _width(page, 1280)
    assert seen == width
    assert wide <= seen, f"at {width} px the page is {wide} px wide: it scrolls sideways"


def _full_page(driver) -> str:
    """A screenshot of the whole page, not only what fits in the window (base64 PNG)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    return driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})["data"]


def test_it_prints_on_a4_without_the_skip_link_or_cut_tables(page):
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        skip = page.execute_script("return getComputedStyle(document.querySelector('.skip')).display")
        header_group = page.execute_script("return getComputedStyle(document.querySelector('thead')).display")
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert skip == "none"
    assert header_group == "table-header-group"  # a table's headings repeat on each printed page
    printed = page.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True}
    )
    with pikepdf.open(io.BytesIO(base64.b64decode(printed["data"]))) as pdf:
        assert len(pdf.pages) >= 2
        width = float(pdf.pages[0].mediabox[2])
    assert abs(width - 595.3) < 1  # A4, in points


def test_the_page_links_to_the_accessibility_statement_from_config(page, demo_outbox):
    config = load_config(demo_outbox.parent / "config.toml")
    links = page.execute_script(
        "return [...document.querySelectorAll('footer a')].map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    assert ["Accessibility statement for this page", config.publishing.accessibility_statement] in links
