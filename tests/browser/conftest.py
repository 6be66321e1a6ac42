"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API keeps an event loop in the test thread, so Django must be told that its
synchronous ORM calls there are safe (see /work/shared/BROWSER_TESTS.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserType, Playwright, expect, sync_playwright

from tests.web.conftest import _throw_away_keys, signing_keys_dir  # noqa: F401  (the same keys as the web tests)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# Generous ceilings, never waits: Playwright acts and asserts as soon as the page is ready. The first
# request of a worker imports the whole project (letters, PDF libraries), and CI shares two cores.
ACTION_TIMEOUT_MS = 30_000
ASSERTION_TIMEOUT_MS = 20_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="session", autouse=True)
def _assertion_timeout():
    expect.set_options(timeout=ASSERTION_TIMEOUT_MS)


# pytest-playwright keeps one Playwright for the whole session. Its sync API leaves an asyncio loop
# marked as running in the test thread for as long as it lives, which changes the rest of the
# worker's session: asyncio.run() refuses to start (pyHanko signs and validates with it), and
# Django looks its connections up in a context variable instead of the thread's storage. So here
# Playwright lives for this package only (the fixtures below replace pytest-playwright's
# session-scoped ones; its ``page``, ``context`` and ``new_context`` use them), and while it lives
# the test thread keeps its own connections, which hold the serialized contents that
# ``serialized_rollback`` restores the migrations' data from (groups, jurisdictions).


@pytest.fixture(scope="package")
def playwright(django_db_setup) -> Generator[Playwright]:
    from django.db import connections

    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as started:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        yield started


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--disable-gpu", "--disable-dev-shm-usage"],
    }


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args: dict, browser_type: BrowserType) -> Callable[..., Browser]:
    return lambda **options: browser_type.launch(**{**browser_type_launch_args, **options})


@pytest.fixture(scope="package")
def browser(launch_browser) -> Generator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args(live_server) -> dict:
    return {"base_url": live_server.url, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}


# Content-Security-Policy: every page of every browser test runs under the real policy, and any
# violation (an inline script or style, a resource from elsewhere) fails the test. Chromium reports
# each one as a console error ("Refused to ...") and as a ``securitypolicyviolation`` event, which
# the init script below turns into a console message too (init scripts are not subject to the CSP).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or ("Content Security Policy" in text and "Refused" in text)


@pytest.fixture
def csp_violations() -> list[str]:
    """The violations seen in this test's browser contexts; a test that provokes one on purpose
    takes them out of this list."""
    return []


@pytest.fixture
def new_context(new_context, csp_violations) -> Generator[Callable]:
    opened = []

    def open_context(**options):
        context = new_context(**options)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", lambda message: _record_violation(message.text, csp_violations))
        opened.append(context)
        return context

    yield open_context
    for page in (page for context in opened for page in context.pages):
        page.evaluate("0")  # a round trip delivers the console messages still on their way
    assert not csp_violations, f"the page broke its Content-Security-Policy: {csp_violations}"


def _record_violation(text: str, violations: list[str]) -> None:
    if is_csp_violation(text):
        violations.append(text)


@pytest.fixture
def shipped_rules(transactional_db):
    from rules.services import rules_load_shipped

    rules_load_shipped()


@pytest.fixture
def screenshot() -> Callable:
    """Keep a full-page picture of what a person would see, under test-artifacts/browser/."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def browser_as(new_context, live_server) -> Callable:
    """A fresh browser context (pytest-playwright's, closed after the test) logged in as ``user``
    through the log-in page."""
    from tests.conftest import PASSWORD

    def open_as(user):
        page = new_context().new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        log_in(page, live_server.url, user.get_username(), PASSWORD)
        return page

    return open_as


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Logged in once the browser has left the log-in page for the role's start page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def platform_account(transactional_db):
    """The platform's own record of the flow's username target, with a few IP events in the asked period."""
    import datetime as dt

    from subscribers.models import Account, IpEvent, PhoneHistory

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 10, day, hour, tzinfo=dt.UTC)

    account = Account.objects.create(
        account_id="acc-1001", username="someone", phone="+12025550199", registered_at=at(1, 0) - dt.timedelta(days=400)
    )
    PhoneHistory.objects.create(account=account, number="+12025550199", valid_from=account.registered_at)
    IpEvent.objects.bulk_create(
        [
            IpEvent(account=account, ts=at(3, 9), ip="198.51.100.7", port=51234),
            IpEvent(account=account, ts=at(17, 21), ip="2001:db8::42", port=443),
        ]
    )
    return account
