"""Radar console end to end in a real browser.

Starts ``streamlit run console/app.py`` on a free 127.0.0.1 port over the tiny
warehouse, opens every page in Debian's chromium through Playwright (never
``playwright install``), waits for its plotly charts, checks that each chart
has drawn its traces and that no page shows an exception, saves screenshots
under screenshots/test/ (git-ignored), switches to English, and downloads a
mentor's task list, which must be byte-identical to the file
``scripts/export_alerts.py`` writes.

Needs /usr/bin/chromium (``make setup-chromium``, a prerequisite of ``make test``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, query

sys.path.insert(0, str(ROOT))

from console import browser, i18n  # noqa: E402
from console.app_pages import PAGES  # noqa: E402
from radar import alerts  # noqa: E402

pytest.importorskip("playwright")
pytestmark = pytest.mark.skipif(not browser.CHROMIUM.exists(),
                                reason=f"{browser.CHROMIUM} missing: make setup-chromium")
SHOTS = ROOT / "screenshots" / "test"


@pytest.fixture(scope="module")
def tiny_db(tiny_db, tmp_path_factory):
    """Overrides conftest's: the tiny warehouse after `make backtest`, so the warning-quality page has
    charts to draw."""
    import shutil

    from radar import backtest

    db = tmp_path_factory.mktemp("browser_backtest") / "radar.duckdb"
    shutil.copyfile(tiny_db, db)
    backtest.run(db, months=3)
    return db


@pytest.fixture(scope="module")
def console_url(tiny_db):
    with browser.serve(tiny_db) as base:
        yield base


def test_every_page_draws_its_charts(console_url):
    shots = browser.shoot(console_url, SHOTS)
    assert [shot.page for shot in shots] == [url for _, url, _ in PAGES]
    for shot, (_, _, key) in zip(shots, PAGES, strict=True):
        assert shot.title == f"{i18n.label('zh', 'app_title')} · {i18n.label('zh', key)}", shot
        assert shot.exceptions == 0, shot
        assert shot.charts >= 1 and shot.drawn == shot.charts, shot
        assert shot.path.exists() and shot.path.stat().st_size > 20_000, shot


def test_english_switch(console_url):
    (shot,) = browser.shoot(console_url, SHOTS, ("groups",), lang="en")
    assert shot.title == f"{i18n.label('en', 'app_title')} · {i18n.label('en', 'page_groups')}"
    assert shot.drawn == shot.charts >= 1


def test_mentor_download_is_the_export_file(console_url, tiny_db, tmp_path):
    from playwright.sync_api import sync_playwright

    mentor = query(tiny_db, "select mentor_id from marts.early_warnings where is_new and mentor_id is not null "
                            "group by 1 order by count(*) desc, 1 limit 1")[0][0]
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_alerts.py"), "--db", str(tiny_db),
                           "--out", str(tmp_path / "exports")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (as_of,) = query(tiny_db, "select max(as_of_date) from marts.early_warnings")[0]
    exported = tmp_path / "exports" / as_of.isoformat() / f"{alerts.file_stem(mentor)}.csv"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = chromium.new_page(accept_downloads=True)
            page.goto(f"{console_url}/warnings?mentor={mentor}")
            button = page.locator('[data-testid="stDownloadButton"] button')
            button.wait_for(timeout=30000)
            assert mentor in button.inner_text()
            with page.expect_download(timeout=30000) as info:
                button.click()
            download = info.value
            assert download.suggested_filename == exported.name
            saved = tmp_path / "downloaded.csv"
            download.save_as(saved)
        finally:
            chromium.close()
    assert saved.read_bytes() == exported.read_bytes()
    assert Path(saved).read_bytes().startswith(b"\xef\xbb\xbf")
