"""A caseworker in a real browser (headless Chromium driven by Selenium).

Signs in with an access code, enrols a participant through the form, reads the arm's label,
cannot reach the export, and finds no arm of anyone else on any page it can open. Skipped,
with the reason, when Debian's chromium and chromedriver are not installed (``.ci/run``
installs them); no browser is ever downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from participatie_rct.service.loadtest import running_service

from .helpers import elfproef_bsns, make_trial, sqlite_url, write_key_files

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARMS = ("control", "earn_more", "Controlgroep", "Bijverdienen", "Control", "Earn more")

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.skip("headless Chromium is absent: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _submit(browser, button: str) -> None:
    """Click ``button`` and wait until the next page has replaced this one.

    The old page is marked with a window property; the wait ends when a loaded document
    without the mark answers. Errors the driver raises while the page is being swapped
    (a stale element, or Chromium's "node does not belong to the document") only mean
    "not yet", so they are ignored instead of waiting on an element of the old page.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("window.__previousPage = true;")
    browser.find_element(By.ID, button).click()

    def replaced(driver) -> bool:
        return bool(
            driver.execute_script(
                "return window.__previousPage === undefined && document.readyState === 'complete';"
            )
        )

    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(replaced)


def _enrol_others(base: str, tokens: dict[str, str]) -> None:
    """Other desks enrol people first, at Ede and at Tiel."""
    for who, bsn in zip(("both", "tiel"), elfproef_bsns(2, start=900_000_000), strict=True):
        site = "Ede" if who == "both" else "Tiel"
        response = httpx.post(
            f"{base}/api/v1/assign",
            json={"id": bsn, "values": {"site": site, "age_group": "<27"}, "new_level": True},
            headers={"Authorization": f"Bearer {tokens[who]}"},
        )
        assert response.status_code == 200


def test_a_caseworker_enrols_through_the_browser(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    trial = make_trial(sqlite_url(tmp_path))
    key_file, secret_file = write_key_files(tmp_path)
    bsn = elfproef_bsns(1, start=910_000_000)[0]
    log = tmp_path / "service.log"
    with running_service(
        trial.url, key_file=key_file, secret_file=secret_file, log_path=log
    ) as base:
        _enrol_others(base, trial.tokens)
        browser.get(f"{base}/?lang=en")
        browser.find_element(By.ID, "token").send_keys(trial.tokens["ede"])
        _submit(browser, "signin")
        assert browser.current_url == f"{base}/intake"
        # before the lottery no page shows any arm: the form offers the register's levels
        assert not [a for a in ARMS if a in browser.page_source]
        browser.find_element(By.ID, "id").send_keys(bsn)
        Select(browser.find_element(By.ID, "f-age_group")).select_by_visible_text("<27")
        _submit(browser, "next")
        assert "The lottery is final" in browser.page_source
        assert bsn not in browser.page_source
        _submit(browser, "confirm")
        label = browser.find_element(By.ID, "label").text
        assert label in {"Control", "Earn more"}
        assert "What to tell the participant" in browser.page_source
        pages = ["/", "/intake", "/monitor", "/export", "/users", "/api/v1/export",
                 "/api/v1/status"]  # fmt: skip
        for path in pages:
            browser.get(f"{base}{path}")
            source = browser.page_source
            assert not [a for a in ARMS if a in source], path
            assert "participant,arm" not in source, path
        browser.get(f"{base}/export")
        assert "Your role may not do this" in browser.page_source
        browser.get(f"{base}/api/v1/export")
        assert "no valid access token" in browser.page_source
