"""Open a report page in headless Chromium (Debian's `chromium`, driven by Playwright).

Used by `make demo` for the screenshot and by the browser test. Both are optional extras of a
developer machine: `available()` says whether a browser and Playwright are here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# As the machine notes advise: no sandbox as root, and none of Chromium's background traffic.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return browser_path() is not None


@dataclass(slots=True)
class PageCheck:
    """What a page did when loaded: console messages by type, page errors, visible text, a PDF."""

    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    pdf: bytes = b""


def check_page(html: Path, screenshot: Path | None = None) -> PageCheck:
    """Load `html` from disk, record console output and errors, print it to PDF, screenshot it."""
    from playwright.sync_api import sync_playwright

    found = PageCheck()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda message: found.console.append((message.type, message.text)))
            page.on("pageerror", lambda error: found.errors.append(str(error)))
            page.goto(html.resolve().as_uri(), wait_until="load")
            found.text = page.inner_text("body")
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=False)
            found.pdf = page.pdf(format="A4")
        finally:
            browser.close()
    return found
