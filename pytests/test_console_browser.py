"""Radar console end to end in a real browser.

Starts ``streamlit run console/app.py`` on a free 127.0.0.1 port over the tiny
warehouse and opens every registered page (console/app_pages.py PAGES, so a
new page is covered without touching this file) in Debian's chromium through
Playwright (never ``playwright install``), in both languages, with the
language in the URL (``?lang=en``). Each page must draw its plotly charts, show
no exception, no raw snake_case word (a column name or code) and no
``None``/``NaN`` in its visible text — page text, chart text and the cells of
its tables — and leave a full-page screenshot under screenshots/test/
(git-ignored). The mentor deep link ``/warnings?lang=en&mentor=<id>`` shows
that mentor's ranked list, and its download is byte-identical to the file
``scripts/export_alerts.py --no-nickname`` writes.

Needs /usr/bin/chromium (``make setup-chromium``, a prerequisite of ``make test``);
fails, never skips, without it. Marked ``browser``: ``make test-fast`` leaves it out.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, query

sys.path.insert(0, str(ROOT))

from console import browser, i18n  # noqa: E402
from console.app_pages import PAGES  # noqa: E402
from radar import alerts  # noqa: E402

pytestmark = pytest.mark.browser
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
    assert browser.CHROMIUM.exists(), f"{browser.CHROMIUM} missing: run make setup-chromium"
    with browser.serve(tiny_db) as base:
        yield base


def test_visible_problems_finds_raw_codes_and_nulls():
    assert browser.visible_problems("序号 alert_code None 42") == ["None", "alert_code"]
    assert browser.visible_problems("Spend, last 30 days (yuan) 1,234.50 12.3% 2024-06") == []
    assert browser.visible_problems("值 nan 与 NaT") == ["NaT", "nan"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_in_both_languages_speaks_to_people(console_url, lang):
    shots = browser.shoot(console_url, SHOTS, lang=lang)
    assert [shot.page for shot in shots] == [url for _, url, _ in PAGES]
    for shot, (_, _, key) in zip(shots, PAGES, strict=True):
        assert shot.title == f"{i18n.label(lang, 'app_title')} · {i18n.label(lang, key)}", shot.page
        assert shot.exceptions == 0, shot.page
        assert shot.charts >= 1 and shot.drawn == shot.charts, shot.page
        assert browser.visible_problems(shot.text) == [], (lang, shot.page)
        assert shot.path.exists() and shot.path.stat().st_size > 20_000, shot.page


def test_screenshots_are_full_page(console_url):
    (shot,) = browser.shoot(console_url, SHOTS, ("groups",), height=600)
    from PIL import Image

    with Image.open(shot.path) as image:
        # the group grid alone is taller than the 600-pixel viewport: the PNG holds the whole page
        assert image.height > 1200, image.size


def test_mentor_deep_link_shows_her_ranked_list_and_download(console_url, tiny_db, tmp_path):
    from playwright.sync_api import sync_playwright

    mentor = query(tiny_db, "select mentor_id from marts.mentor_tasks where mentor_id is not null "
                            "group by 1 order by count(*) desc, 1 limit 1")[0][0]
    first = query(tiny_db, "select entity_id, action_en from marts.mentor_tasks "
                           "where mentor_id = ? and task_rank = 1", [mentor])[0]
    (shot,) = browser.shoot(console_url, SHOTS, ("warnings",), lang="en", params={"mentor": mentor},
                            expect_text=(first[0], first[1]))
    assert shot.title == f"{i18n.label('en', 'app_title')} · {i18n.label('en', 'page_warnings')}"
    assert f"{i18n.label('en', 'tasks_title')} · {mentor}" in shot.text
    # the grid draws on a canvas and mirrors only the columns in view (rank, about, id, action, …) as text
    assert first[0] in shot.text and first[1] in shot.text
    assert browser.visible_problems(shot.text) == []

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_alerts.py"), "--db", str(tiny_db),
                           "--out", str(tmp_path / "exports"), "--no-nickname"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (as_of,) = query(tiny_db, "select max(as_of_date) from marts.mentor_tasks")[0]
    exported = tmp_path / "exports" / as_of.isoformat() / f"{alerts.file_stem(mentor)}{alerts.WITHIN_SUFFIX}.csv"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = chromium.new_page(accept_downloads=True)
            page.goto(browser.page_url(console_url, "warnings", "zh", mentor=mentor))
            button = page.locator('[data-testid="stDownloadButton"] button')
            button.wait_for(timeout=30000)
            assert mentor in button.inner_text()
            with page.expect_download(timeout=30000) as info:
                button.click()
            download = info.value
            assert download.suggested_filename == exported.name
            saved = tmp_path / "downloaded.csv"
            download.save_as(saved)
            # the language survives a reload: switching to English puts ?lang=en into the URL
            page.goto(f"{console_url}/groups")
            page.wait_for_selector("h1")
            page.get_by_text("English", exact=True).click()
            page.wait_for_function("() => location.search.includes('lang=en')", timeout=30000)
            page.reload()
            page.wait_for_function("() => document.querySelector('h1')?.innerText.includes('Retention Radar')",
                                   timeout=30000)
            assert "lang=en" in page.url
        finally:
            chromium.close()
    assert saved.read_bytes() == exported.read_bytes()
    assert saved.read_bytes().startswith(b"\xef\xbb\xbf")
