"""Tenure curves: active rate by tenure bucket per tier, against the baseline seed (dashed)."""

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
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "tier": t("tier"), "tenure_bucket": t("tenure_bucket"), "windows": t("windows"),
    "active_windows": t("active_windows"),
    "active_rate": st.column_config.NumberColumn(t("active_rate"), format="percent"),
    "expected_active_rate": st.column_config.NumberColumn(t("baseline"), format="percent"),
    "delta_pp": st.column_config.NumberColumn(t("delta_pp"), format="%.1f"),
})
