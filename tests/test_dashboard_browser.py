"""The dashboard in a real browser: Debian's Chromium driven by Playwright (never downloaded).

Starts ``sim.app.serve`` on a free port with a temporary HOME, then checks that the
page loads without console errors, that stepping draws and updates the plots, and
that changing a control (seeding core -> blast) and Reset + Step changes the
model that is plotted. A screenshot goes to ``test-artifacts/dashboard.png``.
Run with ``make test-browser`` (CI runs it; ``make browser-deps`` installs Chromium).
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
#: Console lines that are harmless on a SolaraViz page (STACK.md, "Browser tests").
BENIGN = (re.compile(r"DevTools|Download the (Vue|React) Devtools", re.I),
          re.compile(r"Failed to evaluate Vue script"),
          re.compile(r"samesite", re.I),
          re.compile(r"Vega-?Lite.*version", re.I))

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (installs Debian's chromium)")
    home = tmp_path_factory.mktemp("home")
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)  # Solara, matplotlib and Chromium write under $HOME
    from sim.app import serve

    port = _free_port()
    proc = serve("127.0.0.1", port, wait=False)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if old_home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old_home


def _plot_src(page) -> str:
    """The src of the trajectory figure (the first matplotlib image on the page)."""
    img = page.locator("img").first
    img.wait_for(timeout=30_000)
    return img.get_attribute("src")


def test_dashboard_loads_steps_and_reacts_to_controls(server):
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: m.type in ("error", "warning") and not any(
                b.search(m.text) for b in BENIGN) and problems.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(server)

            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=60_000)
            expect(page.get_by_text("Press STEP")).to_be_visible()
            counter = page.get_by_text(re.compile(r"^Time: "))

            step.click()
            expect(counter).to_have_text(re.compile(r"Time: 1(\.0)?$"), timeout=30_000)
            first = _plot_src(page)
            step.click()
            expect(counter).to_have_text(re.compile(r"Time: 2(\.0)?$"), timeout=30_000)
            page.wait_for_function("s => document.querySelector('img').src !== s", arg=first, timeout=30_000)
            core_day2 = _plot_src(page)
            expect(page.get_by_text(re.compile(r"This run: .*seeding = core"))).to_be_visible()

            # change a control generated from the parameter tree, then Reset and Step
            page.get_by_role("button", name=re.compile("seeding")).click()
            page.get_by_role("option", name="blast").click()
            page.get_by_role("button", name="Reset").click()
            expect(counter).to_have_text(re.compile(r"Time: 0(\.0)?$"), timeout=30_000)
            step.click()
            step.click()
            expect(counter).to_have_text(re.compile(r"Time: 2(\.0)?$"), timeout=30_000)
            expect(page.get_by_text(re.compile(r"This run: .*seeding = blast"))).to_be_visible(timeout=30_000)
            # Reset rebuilt the model from the controls: untouched defaults survive exactly
            expect(page.get_by_text(re.compile(r"This run: n_persons = 2000, values_dispersion = 1\.0, "
                                               r"spam_share = 0\.03, mean_degree = 12\.0,"))).to_be_visible()
            expect(page.get_by_role("cell", name="overflow")).to_be_visible()  # 600 blasted > 500 seats
            assert _plot_src(page) != core_day2, "the plot did not change with the control"

            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, "console errors:\n" + "\n".join(problems)
