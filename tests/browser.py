"""The system Chromium driven by Playwright for Python, for the workbench's browser tests and
screenshots (tests/test_workbench_browser.py, tests/workbench_screenshots.py).

Playwright's own browser download is not reachable from CI, so the Debian `chromium` package
is used (`.ci/run` installs it when missing), named by path. Without the background-networking
flags Chromium reaches out at start and the closed network refuses it.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("REXCHECK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str | None:
    """Why no browser can be started here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
