"""The search UI in headless Chromium against a real ``unionnews serve`` process.

Types an unaccented query, checks highlights, filters by site and dates, opens an article,
downloads the CSV, and saves desktop and 375 px screenshots under the test's tmp_path.
"""
from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from test_web import build_corpus

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``unionnews serve --port 0`` on a fresh corpus; yields its URL, then stops it with Ctrl-C."""
    home = build_corpus(tmp_path_factory.mktemp("browser") / "home")
    process = subprocess.Popen(
        [sys.executable, "-m", "unionnews", "--home", str(home.root), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    found: dict[str, str] = {}
    lines: list[str] = []

    def read_output():
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if match and "url" not in found:
                found["url"] = match.group(1)

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    for _ in range(300):
        if "url" in found or process.poll() is not None:
            break
        threading.Event().wait(0.1)
    if "url" not in found:
        process.kill()
        pytest.fail("unionnews serve did not print its URL:\n" + "".join(lines))
    yield found["url"]
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert process.wait(timeout=15) == 0, "".join(lines)
    reader.join(timeout=5)
    assert "Stopped." in "".join(lines)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser test needs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def test_search_filter_read_and_download(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(server)
    page.fill("#q", "cong doan")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    assert page.locator("li.hit mark").count() > 0
    assert "Tìm thấy" in page.inner_text(".result-count")
    page.screenshot(path=str(tmp_path / "results-desktop.png"), full_page=True)

    # filters are open on a wide screen; tick one site and narrow the dates
    page.check("input[name=site][value=laodongthudo]")
    page.fill("#since", "01/01/2021")
    page.fill("#until", "31/12/2021")
    page.click("text=Áp dụng")
    page.wait_for_selector("li.hit")
    sites = page.locator(".hit-site").all_inner_texts()
    assert sites and set(sites) == {"Báo Lao động Thủ đô"}
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates and all(date.endswith("/2021") for date in dates)
    assert page.input_value("#since") == "01/01/2021"
    assert page.locator("svg.chart rect.bar").count() > 0
    page.screenshot(path=str(tmp_path / "filtered-desktop.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click(".downloads >> text=CSV >> nth=0")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == len(sites) and {row["site"] for row in rows} == {"laodongthudo"}
    assert all(row["published_at"].startswith("2021") for row in rows)

    title = page.locator("li.hit .hit-title a").first.inner_text()
    page.locator("li.hit .hit-title a").first.click()
    page.wait_for_selector("article.article h1")
    assert page.inner_text("article.article h1") == title
    assert page.locator(".article-body p").count() >= 1
    assert "Thông tin bài viết" in page.content()
    page.screenshot(path=str(tmp_path / "article-desktop.png"), full_page=True)
    assert not errors, errors  # e.g. a CSP violation would show here
    context.close()


def test_phone_width_layout(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="vi-VN", device_scale_factor=2)
    page = context.new_page()
    page.goto(server + "?q=an+toan+lao+dong")
    page.wait_for_selector("li.hit")
    # nothing may stick out sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not page.locator("#filters").evaluate("element => element.open")
    page.screenshot(path=str(tmp_path / "results-375.png"), full_page=True)
    page.locator("li.hit .hit-title a").first.click()
    page.wait_for_selector("article.article h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(tmp_path / "article-375.png"), full_page=True)
    context.close()
