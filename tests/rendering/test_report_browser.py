"""The HTML report in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
its command-line switches, no extra package.

`--dump-dom` gives the DOM after the page's script has run, `--screenshot` a PNG, and
`--enable-logging=stderr` every console message (errors, CSP violations, failed loads) as a
`CONSOLE` line on stderr. Without Chromium the tests skip, unless CI is set: there they fail,
since CI installs it.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from pathlib import Path

import pytest

import smaf_expert
from smaf_expert.rendering.report import render_report

CHROMIUM = Path("/usr/bin/chromium")
CONSOLE = re.compile(r":CONSOLE\b.*")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--disable-dev-shm-usage",
         "--mute-audio", "--hide-scrollbars",
         # Nothing may be fetched: any name lookup fails (the page's CSP forbids it anyway).
         "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0"]


def chromium() -> Path:
    """The browser, or a skip (a failure under CI) saying why there is none."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: CI must install Debian's chromium "
                    "package (apt-get install -y chromium)")
    pytest.skip(f"headless Chromium not found at {CHROMIUM} (apt-get install -y chromium); "
                "CI runs this test")


def browse(tmp_path: Path, url: str, *switches: str) -> tuple[str, list[str]]:
    """Run Chromium once on `url`: its standard output and the console messages it logged."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run([str(chromium()), *FLAGS, f"--user-data-dir={profile}", *switches,
                           url], capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [m.group(0) for m in CONSOLE.finditer(proc.stderr)]


def screenshot(tmp_path: Path, url: str, shot: Path, width: int, height: int,
               min_bytes: int) -> None:
    """Take a screenshot of `url` into `shot`: no console message, a PNG of that size, and more
    bytes than a blank page of that size compresses to."""
    _, messages = browse(tmp_path, url, f"--screenshot={shot}", f"--window-size={width},{height}")
    assert messages == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (width, height)
    assert len(data) > min_bytes


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The us-india report of the shipped knowledge base, written to a file."""
    chromium()
    path = tmp_path_factory.mktemp("report") / "us-india.html"
    path.write_text(render_report(smaf_expert.make_assessor(), "us-india"), encoding="utf-8")
    return path


def test_console_messages_are_seen(tmp_path):
    """The harness works: a page that logs an error and breaks its CSP is caught, so that no
    message from the report means none was logged."""
    page = tmp_path / "noisy.html"
    page.write_text('<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="Content-Security-'
                    "Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\">"
                    '<title>noisy</title><script>console.error("smaf-sentinel")</script>'
                    '<img alt="" src="http://example.invalid/x.png">', encoding="utf-8")
    _, messages = browse(tmp_path, page.as_uri(), "--dump-dom")
    assert any('"smaf-sentinel"' in m for m in messages), messages
    assert any("Content Security Policy" in m for m in messages), messages


def test_report_loads_clean_expands_and_draws(tmp_path, report_file):
    """No console message; `#expand` opens every <details> of the reasoning; both charts are
    in the DOM; the script ran (it shows the expand/collapse buttons)."""
    dom, messages = browse(tmp_path, report_file.as_uri() + "#expand", "--dump-dom")
    assert messages == []
    details = re.findall(r"<details\b[^>]*>", re.sub(r"<script>.*?</script>", "", dom, flags=re.S))
    assert len(details) > 10
    closed = [d for d in details if not re.search(r"\sopen(=|\s|>)", d)]
    assert closed == []
    assert re.search(r'<details class="derivation" id="why-degree" open', dom)
    assert re.search(r'<details class="derivation" id="why-finding-hedging" open', dom)
    for chart in ("fig1", "nbr"):
        assert re.search(rf'<svg [^>]*id="{chart}"', dom), chart
    assert re.search(r'<button type="button" id="expand-all">', dom)


def test_report_without_hash_starts_collapsed(tmp_path, report_file):
    """Opened plainly, the reasoning is collapsed and nothing is logged."""
    dom, messages = browse(tmp_path, report_file.as_uri(), "--dump-dom")
    assert messages == []
    assert not re.search(r'<details class="derivation" id="why-degree" open', dom)


def test_report_screenshot(tmp_path, report_file):
    """A 1200x2000 screenshot of the page, written under tmp_path, with no console message."""
    screenshot(tmp_path, report_file.as_uri(), tmp_path / "us-india-report.png", 1200, 2000,
               50_000)  # a blank page of that size compresses to a few kB
