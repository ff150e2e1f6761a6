"""Screenshots of the workbench's pages for docs/ and the README, taken from the real service
in the system Chromium (the browser tests' set-up):

    .venv/bin/python tests/workbench_screenshots.py [--out docs]

Run it again when the pages change, and commit the PNGs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from browser import launch, missing
from serving import Server

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    scenario = yaml.safe_load((ROOT / "examples/whatif/raise-chf-threshold.yaml").read_text(
        encoding="utf-8"))
    name, [change] = next(iter(scenario["set_parameters"].items()))
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                shots = []

                def shot(file: str, path: str | None, full: bool = False) -> None:
                    if path is not None:
                        page.goto(server.url + path)
                    target = args.out / file
                    page.screenshot(path=str(target), full_page=full)
                    shots.append(target)

                shot("workbench-home.png", "/")
                shot("workbench-rules.png", "/rules?q=11")
                shot("workbench-rule.png", "/rules/R244-11-rex-number-required-ch", True)
                shot("workbench-case.png", "/case?example=verification-to-revocation.yaml",
                     True)
                page.goto(server.url + "/whatif")
                page.select_option("#parameter", name)
                page.fill("#value", str(change["value"]))
                page.fill("#start", str(change["from"]))
                page.get_by_role("button", name="Run the what-if").click()
                page.wait_for_selector("#report")
                page.locator("#report").scroll_into_view_if_needed()
                page.screenshot(path=str(args.out / "workbench-whatif.png"), full_page=True)
                shots.append(args.out / "workbench-whatif.png")
                small = browser.new_page(viewport={"width": 390, "height": 844})
                small.goto(server.url + "/case?example=pending-decision.yaml")
                small.screenshot(path=str(args.out / "workbench-390.png"), full_page=False)
                shots.append(args.out / "workbench-390.png")
                browser.close()
        finally:
            server.stop()
    for s in shots:
        print(f"wrote {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
