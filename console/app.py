"""Radar console — entry point. ``make console`` runs

    streamlit run console/app.py -- --db warehouse/radar.duckdb

``--db`` (or $RADAR_DB_PATH) points it at any warehouse file; it is opened
read-only. Chinese labels by default, English with the sidebar switch or ``?lang=en``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from console import i18n, ui  # noqa: E402
from console.app_pages import PAGES  # noqa: E402

st.set_page_config(page_title="Retention Radar", page_icon="📡", layout="wide")

# The language lives in the URL (?lang=en) as well as in the session, so a reload or a
# deep link (/warnings?lang=en&mentor=MT0002) keeps it.
if "lang" not in st.session_state:
    linked = st.query_params.get("lang")
    st.session_state["lang"] = linked if linked in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
with st.sidebar:
    st.radio(i18n.label("zh", "language"), i18n.LANGUAGES, key="lang", horizontal=True,
             format_func=lambda code: {"zh": "中文", "en": "English"}[code])
if st.query_params.get("lang") != st.session_state["lang"]:
    st.query_params["lang"] = st.session_state["lang"]
    st.caption(f"{ui.t('warehouse')}: `{ui.db_path()}`")

navigation = st.navigation([
    st.Page(path, title=ui.t(key), url_path=url, default=index == 0)
    for index, (path, url, key) in enumerate(PAGES)
])

st.title(f"{ui.t('app_title')} · {navigation.title}")
try:
    ui.check_warehouse()
    as_of = ui.q(ui.queries.as_of_date)
    st.sidebar.caption(f"{ui.t('as_of')}: {as_of or '–'}")
    if ui.rebuild_in_progress():
        st.info(ui.t("wh_building"))
    navigation.run()
except ui.WarehouseUnavailable as exc:
    st.error(str(exc))
