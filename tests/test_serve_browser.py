"""The search page in a real headless Chromium (Debian's chromium + chromedriver, driven
by selenium), against a real `news-search serve` over a real index.

Without chromium these tests skip with the reason, except under CI (CI set), where
a missing browser is a failure: .ci/run installs it."""
from __future__ import annotations

import os
import shutil
import urllib.parse

import pytest
from helpers import SAMPLE_CORPUS, index_files
from serve_support import Server, write_dated_corpus

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WAIT_SECONDS = 30


def _missing() -> str | None:
    if not (CHROMIUM and CHROMEDRIVER):
        return "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve-browser")
    index = index_files(root / "index", SAMPLE_CORPUS, write_dated_corpus(root / "wire"))
    with Server(index, root) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def params(driver) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)


def total(driver) -> int:
    return int(driver.find_element("id", "total").text.split()[0].replace(",", ""))


def headlines(driver) -> list[str]:
    return [e.text for e in driver.find_elements("css selector", "#hits .hit h2 a")]


def wait_for_next_page(driver, action) -> None:
    """Do `action` and wait until the browser shows a new, loaded page.

    The old page's window carries a mark that a new page does not have. Waiting for the
    old <html> element to go stale was racy: chromedriver 156 sometimes reports such an
    element as "Node with given id does not belong to the document" instead of stale,
    and the wait gave up with that error. While the new page loads, a script call may
    fail: those errors mean "not yet"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__newsSearchOldPage = true")
    action()
    WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.__newsSearchOldPage !== true"
                                   " && document.readyState === 'complete'"))


def click_and_load(driver, element) -> None:
    wait_for_next_page(driver, element.click)


def search_for(driver, server, text: str) -> None:
    driver.get(server.base + "/")
    box = driver.find_element("id", "q")
    box.clear()
    box.send_keys(text)
    click_and_load(driver, driver.find_element("css selector", ".searchbox button"))


def test_search_filter_histogram_pages(browser, server, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    search_for(browser, server, "pipeline")
    assert params(browser)["q"] == ["pipeline"]
    assert total(browser) == 36
    first_page = headlines(browser)
    assert len(first_page) == 10 and all("Pipeline" in h for h in first_page)
    assert browser.find_elements("css selector", "#hits mark")
    shot = tmp_path / "search-results.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # a facet: the list and the URL change
    beta = browser.find_element("css selector", '#facet-source a[data-value="beta"]')
    count = int(beta.find_element("xpath", "..").find_element("css selector", ".count").text)
    click_and_load(browser, beta)
    assert params(browser)["source"] == ["beta"]
    assert total(browser) == count == 12
    assert headlines(browser) != first_page

    # a bar of the date histogram: the dates go into the URL and the total is the bar's
    bar = next(b for b in browser.find_elements("css selector", "#histogram a.bar")
               if not b.get_attribute("class").endswith("empty"))
    label, bar_count = bar.get_attribute("title").split(": ")
    click_and_load(browser, bar)
    assert params(browser)["since"] == [label] and params(browser)["until"] == [label]
    assert total(browser) == int(bar_count)
    assert params(browser)["source"] == ["beta"]  # the other filters stay

    # a drag across three bars: that range of dates goes into the URL
    search_for(browser, server, "pipeline")
    bars = browser.find_elements("css selector", "#histogram a.bar")[:3]
    labels = [b.get_attribute("data-label") for b in bars]
    in_range = sum(int(b.get_attribute("title").split(": ")[1]) for b in bars)
    drag = ActionChains(browser).click_and_hold(bars[0]).move_to_element(bars[1]) \
        .move_to_element(bars[2]).release(bars[2])
    wait_for_next_page(browser, drag.perform)
    assert params(browser)["since"] == [labels[0]] and params(browser)["until"] == [labels[2]]
    assert total(browser) == in_range

    # page forward (back to all sources, 36 matches, 4 pages)
    search_for(browser, server, "pipeline")
    click_and_load(browser, browser.find_element("id", "next"))
    assert params(browser)["page"] == ["2"]
    second_page = headlines(browser)
    assert len(second_page) == 10 and not set(second_page) & set(first_page)


def test_article_similar_and_bad_query(browser, server):
    search_for(browser, server, '"red lines"')
    assert total(browser) == 2
    first = browser.find_element("css selector", "#hits .hit h2 a")
    headline = first.text
    click_and_load(browser, first)
    assert browser.find_element("css selector", "#article h1").text == headline
    assert "Ukraine" in browser.find_element("css selector", "#article .body").text
    assert browser.find_element("id", "provenance").text.count("\n") > 3
    similar = browser.find_elements("css selector", "#similar li a")
    assert similar
    target = similar[0].text
    click_and_load(browser, similar[0])
    assert "/articles/" in browser.current_url
    assert browser.find_element("css selector", "#article h1").text == target != headline

    search_for(browser, server, "pipeline AND")
    error = browser.find_element("id", "error")
    assert "AND needs a term" in error.text
    box = browser.find_element("id", "q")
    assert box.get_attribute("value") == "pipeline AND"
    # the message sits right under the search box
    assert 0 <= error.location["y"] - box.location["y"] < 120


def test_did_you_mean(browser, server):
    search_for(browser, server, "sanctoins")
    suggestion = browser.find_element("css selector", "#suggestion a")
    click_and_load(browser, suggestion)
    assert params(browser)["q"] == ["sanctions"]
    assert total(browser) > 0
