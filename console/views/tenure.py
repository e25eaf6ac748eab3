"""Tenure curves: active rate by tenure bucket per tier, against the baseline seed (dashed)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

curves = ui.q(queries.tenure_curves)
if curves.empty:
    st.info(t("no_data"))
    st.stop()

tiers = sorted(int(tier) for tier in curves["tier"].unique())
chosen = st.multiselect(t("tiers"), tiers, default=tiers, key="tenure_tiers",
                        format_func=lambda tier: t("tier_label", tier=tier))
COLOURS = {199: "#1f77b4", 399: "#ff7f0e"}

st.subheader(t("tenure_title"))
fig = go.Figure()
for tier in chosen:
    rows = curves[curves["tier"] == tier]
    colour = COLOURS.get(tier, "#2ca02c")
    fig.add_trace(go.Scatter(x=rows["tenure_bucket"], y=rows["active_rate"], mode="lines+markers",
                             name=t("tier_label", tier=tier), line={"color": colour}))
    fig.add_trace(go.Scatter(x=rows["tenure_bucket"], y=rows["expected_active_rate"], mode="lines",
                             name=f"{t('tier_label', tier=tier)} · {t('baseline')}",
                             line={"color": colour, "dash": "dash"}))
fig.update_xaxes(title=t("tenure_bucket"), dtick=1)
fig.update_yaxes(title=t("active_rate"), tickformat=".0%")
fig.update_layout(height=420)
ui.chart(fig)

table = curves[curves["tier"].isin(chosen)]
ui.people_table(pd.DataFrame({
    t("tier"): [t("tier_label", tier=tier) for tier in table["tier"]],
    t("tenure_bucket"): table["tenure_bucket"].map(ui.fmt_int),
    t("windows"): table["windows"].map(ui.fmt_int),
    t("active_windows"): table["active_windows"].map(ui.fmt_int),
    t("active_rate"): table["active_rate"].map(ui.fmt_pct),
    t("baseline"): table["expected_active_rate"].map(ui.fmt_pct),
    t("delta_pp"): table["delta_pp"].map(lambda v: "–" if ui.is_missing(v) else f"{float(v):+.1f}"),
}))
