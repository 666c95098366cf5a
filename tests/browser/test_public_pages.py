import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLE = "/conditions/systemic-lupus-erythematosus/"
STUDY = "/research/wang-2018-long-term-follow-up/"
PAGES = ["/", "/conditions/", SLE, "/research/", STUDY, "/inquire/", "/privacy/", "/no-such-page/"]
WCAG_22_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}


def assert_no_wcag_violations(page):
    results = Axe().run(page, options=WCAG_22_AA)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_violations(site, page, path):
    page.goto(site + path)
    assert_no_wcag_violations(page)


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_320_pixel_screen(site, page, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(site + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("path", [SLE, STUDY])
def test_page_loads_everything_from_the_site_without_errors(site, page, path):
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    assert requests and all(url.startswith(site) for url in requests), requests
    # A Content-Security-Policy violation shows up as a console error.
    assert errors == []
    stylesheet_rules = page.evaluate(
        "Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert stylesheet_rules > 1000  # Bootstrap and the site's own CSS both applied


def test_skip_link_is_first_and_moves_focus_to_the_content(site, page):
    page.goto(site + SLE)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_key_findings_read_as_text_beside_the_chart(site, page):
    page.goto(site + STUDY)
    findings = page.get_by_role("figure", name="Key findings").first
    text = findings.inner_text()
    assert "84 %" in text and "68 of 81" in text
    assert findings.locator("svg[aria-hidden='true']").count() >= 4


def test_table_of_contents_links_to_sections(site, page):
    page.goto(site + SLE)
    toc = page.get_by_role("navigation", name="On this page")
    toc.get_by_role("link", name="Symptoms").click()
    assert page.url.endswith("#symptoms")
    assert page.locator("h2#symptoms").is_visible()
