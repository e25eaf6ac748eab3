"""GX Data Docs that read offline, named by batch and file.

Great Expectations' pages load Bootstrap, jQuery and their table plugin from
CDNs, and its index page is an empty table that JavaScript fills: without
internet it is blank. After GX has written the site, this module

* strips every ``<link>``/``<script>``/``<img>`` that points off the machine
  from the pages and links a small local stylesheet instead (GX's own local
  stylesheet stays), so each validation and suite page renders as plain HTML;
* replaces ``index.html`` with a static page: one row per validated chunk —
  batch, file, data rows, result, rows failing a rule — linking to its page.

Each validation is run under the name ``<batch>.<file>.rows_<first>-<last>``
(:meth:`radar.validation.RowValidator.validate`), which is also the folder GX
files its page under, instead of ``__none__``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

REMOTE_TAG = re.compile(
    r"<(?:link|script|img)\b[^>]*\b(?:href|src)\s*=\s*[\"']https?://[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
STYLE = """
body { font-family: "HK Grotesk", "Noto Sans CJK SC", Arial, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.failed { color: #b00020; font-weight: bold; } .passed { color: #1b7a2b; }
.cooltip .top, .tooltip-text, .d-none, .collapse { display: none; }
nav, .navbar, #ge-cta-footer, footer { display: none; }
.fa-check-circle::before { content: "\\2714  passed"; color: #1b7a2b; }
.fa-times::before { content: "\\2718  failed"; color: #b00020; }
"""


@dataclass
class Outcome:
    run_name: str  # <batch>.<file>.rows_<first>-<last>
    batch: str
    file: str
    first_row: int
    last_row: int
    success: bool
    failing_rows: int


def make_offline(docs_dir: Path, outcomes: list[Outcome]) -> None:
    css = docs_dir / "static" / "styles" / "radar_offline.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(STYLE, encoding="utf-8")
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = REMOTE_TAG.sub("", text)
        if "radar_offline.css" not in stripped:
            href = Path(*([".."] * (len(page.relative_to(docs_dir).parts) - 1)), "static", "styles",
                        "radar_offline.css").as_posix()
            stripped = stripped.replace("</head>", f'<link rel="stylesheet" href="{href}">\n</head>', 1)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")
    (docs_dir / "index.html").write_text(index_page(docs_dir, outcomes), encoding="utf-8")


def _page_of(docs_dir: Path, outcome: Outcome) -> str | None:
    pages = sorted(docs_dir.glob(f"validations/landing_{outcome.file}/{outcome.run_name}/*/*.html"))
    return pages[-1].relative_to(docs_dir).as_posix() if pages else None


def index_page(docs_dir: Path, outcomes: list[Outcome]) -> str:
    rows = []
    for o in outcomes:
        page = _page_of(docs_dir, o)
        result = ('<span class="passed">passed</span>' if o.success
                  else f'<span class="failed">{o.failing_rows:,} row(s) broke a rule</span>')
        link = f'<a href="{html.escape(page)}">details</a>' if page else "page not written"
        rows.append(
            f"<tr><td>{html.escape(o.batch)}</td><td>{html.escape(o.file)}</td>"
            f"<td>{o.first_row:,}–{o.last_row:,}</td><td>{result}</td><td>{link}</td></tr>"
        )
    suites = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.glob("expectations/*.html"))
    suite_rows = "".join(
        f'<li><a href="{html.escape(s)}">{html.escape(Path(s).stem.removeprefix("landing_"))}</a></li>'
        for s in suites
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<title>Landing validation (Great Expectations Data Docs)</title>
<link rel="stylesheet" href="static/styles/radar_offline.css">
</head><body>
<h1>Landing validation — 落地数据校验</h1>
<p>The row rules of the last load, one line per validated chunk of a landing file.
Rows that broke a rule are in the warehouse's quarantine (<code>staging.stg_landing__quarantine</code>)
with their reason.</p>
<h2>Validation results</h2>
<table><thead><tr><th>Batch</th><th>File</th><th>Data rows</th><th>Result</th><th>Page</th></tr></thead>
<tbody>
{"".join(rows) or '<tr><td colspan="5">No file was validated in the last load.</td></tr>'}
</tbody></table>
<h2>Rule sets (expectation suites)</h2>
<ul>{suite_rows}</ul>
</body></html>
"""
