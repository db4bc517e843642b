"""Headless Chromium for the browser tests, wherever it is installed.

A system Chromium on PATH first (Debian's `chromium`, Ubuntu's `chromium-browser`, Google
Chrome), else the one Playwright downloads (`python -m playwright install chromium`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = (
    "install one: `sudo apt-get install chromium` (Debian; `chromium-browser` on Ubuntu), "
    "or Playwright's own: `.venv/bin/python -m playwright install --with-deps chromium`"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumMissing(RuntimeError):
    """Neither a system Chromium nor Playwright's: the message says how to install one."""


def system_chromium(which: Callable[[str], str | None] = shutil.which) -> str | None:
    """The first Chromium found on PATH, or None."""
    for name in SYSTEM_BROWSERS:
        found = which(name)
        if found:
            return found
    return None


def launch(playwright, headless: bool = True):
    """A running headless Chromium (a Playwright Browser)."""
    from playwright.sync_api import Error

    path = system_chromium()
    try:
        if path is not None:
            return playwright.chromium.launch(executable_path=path, args=ARGS, headless=headless)
        return playwright.chromium.launch(args=ARGS, headless=headless)
    except Error as exc:
        where = f"{path} did not start" if path else "no Chromium on PATH nor Playwright's"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ChromiumMissing(
            f"the browser tests need Chromium: {where} ({first_line}); {INSTALL}"
        ) from None


def started(playwright):
    """A running headless Chromium, or the test fails saying how to install one."""
    import pytest

    try:
        return launch(playwright)
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


def fits_the_screen(page, what: str, shot) -> None:
    """The page does not scroll sideways (a phone user would miss what is off screen)."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (
        f"the {what} scrolls sideways ({width[0]} px wide in a {width[1]} px window): see {shot}"
    )
