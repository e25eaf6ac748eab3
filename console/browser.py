"""Serve the console and look at it in a real browser (Playwright + Debian's chromium).

    .venv/bin/python -m console.browser --db warehouse/radar.duckdb --out screenshots/

starts ``streamlit run console/app.py`` on a free 127.0.0.1 port, opens every
page (or ``--pages overview,groups``), waits until its plotly charts are drawn
and saves one PNG per page. ``pytests/test_console_browser.py`` uses the same
functions; the README's screenshots in docs/img/ come from here. Chromium is
Debian's (/usr/bin/chromium, ``make setup-chromium``); ``playwright install``
is never used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.app_pages import PAGES  # noqa: E402
from radar.processes import stop  # noqa: E402

CHROMIUM = Path(os.environ.get("RADAR_CHROMIUM", "/usr/bin/chromium"))
#: url path of every page (console/app.py PAGES), in menu order; the default page is served at /
PAGE_PATHS = tuple(url for _, url, _ in PAGES)
DEFAULT_PAGE = PAGE_PATHS[0]
CHART = ".js-plotly-plot"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(db: Path, port: int | None = None, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run the console on 127.0.0.1 over ``db``; yields its base URL and stops it afterwards."""
    port = port or free_port()
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "console" / "app.py"),
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
               "--", "--db", str(db)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"streamlit exited ({process.returncode}):\n{output[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {base} within {startup_timeout:.0f} s")
            time.sleep(0.3)
        yield base
    finally:
        stop(process, grace_seconds=10)


@dataclass
class PageShot:
    page: str
    url: str
    charts: int
    drawn: int
    title: str
    path: Path | None
    exceptions: int
    text: str = ""


#: JavaScript: every text a person sees — the page's text, chart text (SVG) and the cells and
#: headers of data grids (drawn on a canvas; glide-data-grid mirrors them in an aria table).
VISIBLE_TEXT_JS = """() => {
    const main = (document.querySelector('[data-testid="stMain"]') || document.body).cloneNode(true);
    // icon ligatures (e.g. keyboard_arrow_right) are drawn as icons, not read as text
    main.querySelectorAll('[data-testid="stIconMaterial"], .material-icons, [translate="no"]').forEach(e => e.remove());
    document.body.appendChild(main);
    const parts = [main.innerText];
    main.remove();
    for (const node of document.querySelectorAll('svg text')) parts.push(node.textContent);
    for (const node of document.querySelectorAll('[role="columnheader"], [role="gridcell"], th, td'))
        parts.push(node.textContent);
    return parts.join('\\n');
}"""
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RAW_NULL = re.compile(r"\b(?:None|nan|NaN|NaT|null)\b")


def visible_problems(text: str) -> list[str]:
    """Raw codes (snake_case words) and None/NaN/null cells in a page's visible text."""
    return sorted(set(SNAKE_CASE.findall(text)) | set(RAW_NULL.findall(text)))


def full_page_height(page) -> int:
    """Height of the whole console page: Streamlit scrolls inside its main container, so a
    full-page screenshot of the document alone would stop at the viewport."""
    return int(page.evaluate("""() => Math.max(document.body.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], section.main')]
            .map(e => e.scrollHeight))"""))


def page_url(base: str, name: str, lang: str = "zh", **params: str) -> str:
    """URL of a console page; the language and other state go in the query string (deep link)."""
    query = urllib.parse.urlencode({"lang": lang, **params})
    return (f"{base}/" if name == DEFAULT_PAGE else f"{base}/{name}") + f"?{query}"


def shoot(base: str, out_dir: Path | None, pages: tuple[str, ...] = PAGE_PATHS, *, lang: str = "zh",
          width: int = 1400, height: int = 1000, timeout_ms: int = 30000,
          params: dict[str, str] | None = None, expect_text: tuple[str, ...] = ()) -> list[PageShot]:
    """Open each page (language and ``params`` in the URL), wait for its charts (and for every
    string of ``expect_text`` to be on the page: Streamlit draws in steps, a loaded machine may
    not have drawn a table yet when the network is idle), count the drawn ones, collect the
    visible text and save a full-page PNG."""
    from playwright.sync_api import sync_playwright

    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            for name in pages:
                page.set_viewport_size({"width": width, "height": height})
                url = page_url(base, name, lang, **(params or {}))
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector("h1", timeout=timeout_ms)
                page.wait_for_selector(f"{CHART} .main-svg", timeout=timeout_ms)
                # a chart is drawn when plotly has put its traces into the SVG
                page.wait_for_function(
                    f"""() => {{
                        const charts = [...document.querySelectorAll('{CHART}')];
                        return charts.length > 0 && charts.every(c => c.querySelector('.plot g, .heatmaplayer image, .barlayer .point, .scatterlayer .trace'));
                    }}""", timeout=timeout_ms)
                page.wait_for_load_state("networkidle")
                if expect_text:
                    page.wait_for_function(f"() => {{ const text = ({VISIBLE_TEXT_JS})(); "
                                           f"return {json.dumps(list(expect_text))}.every(t => text.includes(t)); }}",
                                           timeout=timeout_ms)
                drawn = page.evaluate(
                    f"""() => [...document.querySelectorAll('{CHART}')].filter(
                        c => c.querySelector('.heatmaplayer image, .barlayer .point path, .scatterlayer .trace path')
                    ).length""")
                charts = page.locator(CHART).count()
                exceptions = page.locator('[data-testid="stException"]').count()
                title = page.locator("h1").first.inner_text()
                text = page.evaluate(VISIBLE_TEXT_JS)
                path = None
                if out_dir is not None:
                    path = out_dir / f"{name}{'' if lang == 'zh' else '_' + lang}.png"
                    page.set_viewport_size({"width": width, "height": max(height, full_page_height(page) + 40)})
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(path), full_page=True)
                shots.append(PageShot(name, url, charts, drawn, title, path, exceptions, text))
        finally:
            browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the console on a free 127.0.0.1 port and screenshot "
                                     "its pages with Debian's chromium (Playwright).")
    parser.add_argument("--db", type=Path, default=ROOT / "warehouse" / "radar.duckdb", help="warehouse file")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder for the PNGs")
    parser.add_argument("--pages", default=",".join(PAGE_PATHS), help="comma-separated url paths")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)
    with serve(args.db) as base:
        for shot in shoot(base, args.out, tuple(args.pages.split(",")), lang=args.lang,
                          width=args.width, height=args.height):
            problems = visible_problems(shot.text)
            print(f"{shot.page:<12} charts drawn {shot.drawn}/{shot.charts}  {shot.path}"
                  + (f"  raw text visible: {', '.join(problems)}" if problems else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
