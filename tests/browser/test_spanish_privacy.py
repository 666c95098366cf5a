"""axe-core on the Spanish privacy notice, now translated (SPEC §12)."""

import pytest

from tests.browser.test_spanish import assert_no_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_spanish_privacy_notice_has_no_wcag_violations(site, page):
    page.goto(site + "/es/privacy/")

    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Aviso de privacidad"
    assert_no_violations(page)
